"""`pnpm-lock.yaml` v5, v6 and v9: importers give direct dependencies, packages the rest."""

from __future__ import annotations

from typing import Any

from fundbot.errors import ManifestError
from fundbot.model import Dependency, SkipReason
from fundbot.scan._formats import expect_mapping, load_yaml
from fundbot.scan.npm._common import (
    Found,
    add,
    build,
    merge,
    resolved_skip_reason,
    spec_skip_reason,
    split_descriptor,
)
from fundbot.scan.npm.pnpm_graph import Graph, base_key, edges, node_key, walk_scopes

_IMPORTER_SECTIONS = (
    ("dependencies", "runtime"),
    ("optionalDependencies", "optional"),
    ("devDependencies", "dev"),
)


def parse(path: str, text: str) -> list[Dependency]:
    """Direct dependencies first (one per importer), then every locked package."""
    data = expect_mapping(path, load_yaml(path, text))
    major = _major(path, data.get("lockfileVersion"))
    importers = data.get("importers")
    if importers is None:  # v5 without workspaces: the root importer is the document
        importers = {".": data}
    found: Found = {}
    packages = expect_mapping(path, data.get("packages") or {}, "`packages`")
    located = {str(key): _locate(str(key), entry, major) for key, entry in packages.items()}
    for importer in expect_mapping(path, importers, "`importers`").values():
        if isinstance(importer, dict):
            _importer(found, importer, major, located)
    # v9 keeps what a package requires in `snapshots` (one per peer set), v5 and v6 inline.
    nodes = data.get("snapshots") if major >= 9 else packages
    graph = edges(nodes, major)
    scopes = walk_scopes(importers, graph, major)
    names = {key: at[0] for key, at in located.items() if at is not None}
    requires: dict[str, set[str]] = {}
    optional: dict[str, bool] = {}  # base key -> every snapshot of it says optional
    for key, children in graph.items():
        base = base_key(key, major)
        required = requires.setdefault(base, set())
        for name, child in children:
            real = names.get(base_key(child, major)) if child is not None else None
            required.add(real or name)
        if major >= 9:
            snap = nodes.get(key) if isinstance(nodes, dict) else None
            flag = isinstance(snap, dict) and snap.get("optional") is True
            optional[base] = optional.get(base, True) and flag
    for key, entry in packages.items():
        key = str(key)
        entry = entry if isinstance(entry, dict) else {}
        if major < 9:
            optional[key] = entry.get("optional") is True
        scope = _scope(scopes.get(key), entry, optional.get(key, False))
        _package(found, key, entry, located[key], scope, requires.get(key, set()))
    _folders_are_roots(found, graph, located, major)
    return build(path, found)


def _folders_are_roots(found: Found, graph: Graph, located: Located, major: int) -> None:
    """A `file:` folder is the project's own code, never looked up: what it requires is
    chosen by the project, so direct, with the folder's scope (as npm's members are)."""
    for key, children in graph.items():
        at = located.get(base_key(key, major))
        folder = found.get(at) if at is not None else None
        if folder is None or folder[2] != "path":
            continue
        for _name, child in children:
            target = located.get(base_key(child, major)) if child is not None else None
            seen = found.get(target) if target is not None else None
            if seen is not None:
                merge(seen, folder[0], True)


def _locate(key: str, entry: Any, major: int) -> tuple[str, str | None] | None:
    """(name, version) of a `packages` entry: written out (`file:` folders, tarballs), or
    read from the key."""
    split = split_key(key, major)
    name = entry.get("name") if isinstance(entry, dict) else None
    version = entry.get("version") if isinstance(entry, dict) else None
    if not isinstance(name, str):
        if split is None:
            return None
        name = split[0]
    if not isinstance(version, str):
        version = split[1] if split is not None else None
    return name, version


def _scope(walked: str | None, entry: dict[str, Any], optional: bool) -> str:
    """What the walk from the importers says; the file's own flags for what no importer
    reaches. A package pnpm marks optional everywhere is optional, not runtime."""
    if walked is None:
        walked = "dev" if entry.get("dev") is True else "runtime"
    return "optional" if optional and walked == "runtime" else walked


def _major(path: str, value: Any) -> int:
    try:
        return int(float(str(value).strip("'\"")))
    except ValueError:
        if value is None:
            raise ManifestError(path, "no `lockfileVersion`: not a pnpm lockfile") from None
        raise ManifestError(path, f"unknown lockfileVersion {str(value)[:20]!r}") from None


Located = dict[str, tuple[str, str | None] | None]


def _importer(found: Found, importer: dict[str, Any], major: int, located: Located) -> None:
    """One workspace package: `name: {specifier, version}` (v6+) or `name: version` (v5)."""
    specifiers = importer.get("specifiers")
    specifiers = specifiers if isinstance(specifiers, dict) else {}
    for section, scope in _IMPORTER_SECTIONS:
        names = importer.get(section)
        if not isinstance(names, dict):
            continue
        for name, value in names.items():
            if isinstance(value, dict):
                version, spec = value.get("version"), value.get("specifier")
            else:
                version, spec = value, specifiers.get(name)
            if version is None:
                continue
            real, resolved, skip = _importer_version(str(name), str(version), spec, major)
            if version.startswith("file:") or "@file:" in version:
                # A `file:` folder or tarball has a `packages` entry: the same dependency.
                at = located.get(base_key(node_key(real, str(version), major) or "", major))
                real, resolved, skip = (*at, "path") if at is not None else (real, resolved, "path")
            add(found, real, resolved, scope, True, skip)


def _importer_version(
    name: str, version: str, spec: Any, major: int
) -> tuple[str, str | None, SkipReason | None]:
    """Resolve an importer's version field: a version, a link, or a package key (alias)."""
    written = spec if isinstance(spec, str) else version
    if version.startswith("link:"):
        return name, written, "workspace" if written.startswith("workspace:") else "path"
    if version.startswith("file:"):
        return name, written, "path"
    if "://" in version or version.startswith(("github.com/", "git")):
        return name, written, resolved_skip_reason(version)
    bare = strip_peers(version, major)
    if version.startswith("/") or (major >= 9 and bare.find("@", 1) > 0):
        key = split_key(version, major)
        if key is not None:
            return key[0], key[1], None
    return name, bare, None


def strip_peers(version: str, major: int) -> str:
    """`1.0.0(react@18.0.0)` (v6+) and `1.0.0_react@18.0.0` (v5) -> `1.0.0`."""
    cut = version.find("(") if major >= 6 else version.find("_")
    return version[:cut] if cut > 0 else version


def split_key(key: str, major: int) -> tuple[str, str] | None:
    """`/@scope/a@1.0.0(peer@1)` (v6), `@scope/a@1.0.0` (v9), `/@scope/a/1.0.0_peer@1` (v5)."""
    plain = key[1:] if key.startswith("/") else key
    if major >= 6:
        name, version = split_descriptor(strip_peers(plain, major))
    else:
        name, _, version = strip_peers(plain, major).rpartition("/")
    if not name or not version:
        return None
    return name, version


def _package(
    found: Found,
    key: str,
    entry: dict[str, Any],
    located: tuple[str, str | None] | None,
    scope: str,
    requires: set[str],
) -> None:
    if located is None:
        return
    name, version = located
    skip = _resolution_skip(key, entry.get("resolution"))
    if skip is None and version is not None and ":" in version:
        skip = spec_skip_reason(version)
    add(found, name, version, scope, False, skip, requires)


def _resolution_skip(key: str, resolution: Any) -> SkipReason | None:
    """Registry packages resolve to `{integrity}`; git, tarballs and folders say so."""
    if key.startswith(("file:", "link:")) or "@file:" in key or "@link:" in key:
        return "path"
    if not isinstance(resolution, dict):
        return None
    if resolution.get("type") == "git" or "commit" in resolution:
        return "git"
    if resolution.get("type") == "directory" or "directory" in resolution:
        return "path"
    tarball = resolution.get("tarball")
    if isinstance(tarball, str):
        return resolved_skip_reason(tarball)
    return None
