"""Rust dependency files: `Cargo.toml` manifests and `Cargo.lock` lockfiles (v1 to v4)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any, Final

from fundbot.errors import ManifestError
from fundbot.model import Dependency, Scope, SkipReason
from fundbot.scan._formats import load_toml, type_name

ECOSYSTEM: Final = "cargo"
FILE_PATTERNS: tuple[str, ...] = ("Cargo.toml", "Cargo.lock")
LOCKFILE_MANIFESTS: Final[dict[str, str]] = {"Cargo.lock": "Cargo.toml"}
# Cargo.lock records what every workspace member depends on: its direct flags stand.
LOCKFILES_KNOW_DIRECT: Final = frozenset({"Cargo.lock"})
# Lockfiles whose entries carry their own scope per locked version: no walk re-scopes them.
LOCKFILES_KNOW_SCOPE: Final[frozenset[str]] = frozenset()

# Dependency tables of a manifest and the scope each gives.
_SECTIONS: Final[tuple[tuple[str, Scope], ...]] = (
    ("dependencies", "runtime"),
    ("dev-dependencies", "dev"),
    ("dev_dependencies", "dev"),  # Cargo still accepts the old underscore spelling.
    ("build-dependencies", "build"),
    ("build_dependencies", "build"),
)


def parse(path: str, text: str) -> list[Dependency] | None:
    if path.rsplit("/", 1)[-1] == "Cargo.lock":
        return parse_lock(path, text)
    return parse_manifest(path, text)


def parse_manifest(path: str, text: str) -> list[Dependency]:
    """Every declared crate; path and git crates are kept with a skip reason."""
    data = load_toml(path, text)
    found: dict[Dependency, None] = {}
    for table, scope in _dependency_tables(data):
        for name, spec in table.items():
            found.setdefault(_declared(path, name, spec, scope), None)
    # `[workspace.dependencies]` only sets versions for the members that name a crate with
    # `{ workspace = true }`, in whichever section they choose: not direct by itself.
    workspace = data.get("workspace")
    shared = workspace.get("dependencies") if isinstance(workspace, dict) else None
    if isinstance(shared, dict):
        for name, spec in shared.items():
            dep = replace(_declared(path, name, spec, "runtime"), direct=False)
            found.setdefault(dep, None)
    return list(found)


def _dependency_tables(data: dict[str, Any]) -> Iterator[tuple[dict[str, Any], Scope]]:
    """The manifest's own dependency tables: top level and per target."""
    yield from _sections(data)
    targets = data.get("target")
    if isinstance(targets, dict):
        for target in targets.values():
            if isinstance(target, dict):
                yield from _sections(target)


def _sections(holder: dict[str, Any]) -> Iterator[tuple[dict[str, Any], Scope]]:
    for key, scope in _SECTIONS:
        table = holder.get(key)
        if isinstance(table, dict):
            yield table, scope


def _declared(path: str, key: str, spec: Any, scope: Scope) -> Dependency:
    """One entry of a dependency table: `name = "1"` or `name = { ... }`."""
    if isinstance(spec, str):
        return Dependency(ECOSYSTEM, key.lower(), spec, scope, True, path)
    if not isinstance(spec, dict):
        return Dependency(ECOSYSTEM, key.lower(), None, scope, True, path, "invalid")
    # `package` is the crates.io name when the crate is renamed locally.
    real = spec.get("package")
    name = (real if isinstance(real, str) and real.strip() else key).strip().lower()
    version = spec.get("version")
    version = version if isinstance(version, str) else None
    if spec.get("optional") is True:
        scope = "optional"
    skip: SkipReason | None = None
    if "path" in spec:
        skip = "path"
    elif "git" in spec:
        skip = "git"
    # `{ workspace = true }` names a crate declared in [workspace.dependencies]: still external.
    return Dependency(ECOSYSTEM, name, version, scope, True, path, skip)


def parse_lock(path: str, text: str) -> list[Dependency]:
    """Registry crates with their locked versions and the crates each requires.

    Workspace members (entries without `source`) are the roots, not dependencies: what they
    require is direct, by version, so a second locked version of a crate that only other
    crates ask for is not direct.
    """
    data = load_toml(path, text)
    packages = data.get("package", [])
    if not isinstance(packages, list):
        raise ManifestError(path, f"expected `package` to be a list, found {type_name(packages)}")
    entries = [p for p in packages if isinstance(p, dict)]
    root = data.get("root")  # Lockfiles from before Cargo 1.0 name the root crate here.
    direct = _member_dependencies([*entries, root] if isinstance(root, dict) else entries)
    found: dict[Dependency, None] = {}
    for entry in entries:
        source = entry.get("source")
        name = entry.get("name")
        if not isinstance(source, str) or not isinstance(name, str) or not name.strip():
            continue  # No source: a workspace member or path crate, which is the project itself.
        version = entry.get("version")
        version = version if isinstance(version, str) else None
        skip = _lock_skip(source)
        name = name.strip().lower()
        is_direct = (name, version) in direct or (name, None) in direct
        requires = _requires(entry)
        found.setdefault(
            Dependency(ECOSYSTEM, name, version, "runtime", is_direct, path, skip, requires), None
        )
    return list(found)


def _lock_skip(source: str) -> SkipReason | None:
    # `sparse+https://…` is a registry reached over HTTP, like `registry+` over git.
    if source.startswith(("registry+", "sparse+")):
        return None
    if source.startswith("git+"):
        return "git"
    if source.startswith("path+"):
        return "path"
    return "url"


def _requirement(dep: object) -> tuple[str, str | None] | None:
    """`"name"`, `"name version"` or `"name version (source)"` as (name, version or None)."""
    if not isinstance(dep, str) or not dep.strip():
        return None
    parts = dep.split()
    return parts[0].lower(), parts[1] if len(parts) > 1 else None


def _requires(entry: dict[str, Any]) -> tuple[str, ...]:
    deps = entry.get("dependencies")
    if not isinstance(deps, list):
        return ()
    return tuple(sorted({req[0] for req in map(_requirement, deps) if req is not None}))


def _member_dependencies(entries: list[dict[str, Any]]) -> set[tuple[str, str | None]]:
    """(name, version) the workspace's own crates depend on; version None when the lockfile
    names only one locked version (Cargo then writes the name alone)."""
    found: set[tuple[str, str | None]] = set()
    for entry in entries:
        if "source" in entry:
            continue
        deps = entry.get("dependencies")
        if not isinstance(deps, list):
            continue
        for dep in deps:
            req = _requirement(dep)
            if req is not None:
                found.add(req)
    return found
