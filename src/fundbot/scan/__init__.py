"""Find and parse dependency files: the explicit registry of ecosystem scanners."""

from __future__ import annotations

import logging
import os
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Final

from fundbot.errors import ManifestError
from fundbot.graph import SCOPE_RANK
from fundbot.model import Dependency, ScanError, ScanResult, Scope
from fundbot.scan import (
    actions,
    cargo,
    go,
    hex,
    maven,
    npm,
    nuget,
    packagist,
    pub,
    pypi,
    rubygems,
    swift,
)
from fundbot.scan.protocol import Scanner

log = logging.getLogger(__name__)

# Alphabetical, explicit: adding an ecosystem is one import and one entry here.
SCANNERS: Final[tuple[Scanner, ...]] = (
    actions,
    cargo,
    go,
    hex,
    maven,
    npm,
    nuget,
    packagist,
    pub,
    pypi,
    rubygems,
    swift,
)

# Renovate's default ignorePaths, so test fixtures are not mistaken for dependencies; plus
# `fixtures` and `testdata` (Go's convention), where real repositories keep whole sample projects.
DEFAULT_IGNORE_PATHS: Final[tuple[str, ...]] = (
    "node_modules",
    "bower_components",
    "vendor",
    "examples",
    "__tests__",
    "test",
    "tests",
    "__fixtures__",
    "fixtures",
    "testdata",
)
# Never worth walking into: VCS metadata, virtual environments, caches.
ALWAYS_SKIPPED_DIRS: Final[frozenset[str]] = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "__pycache__", ".mypy_cache"}
)
DEFAULT_MAX_BYTES: Final[int] = 20 * 1024 * 1024


def _split_patterns() -> tuple[dict[str, Scanner], list[tuple[str, Scanner]]]:
    exact: dict[str, Scanner] = {}
    globs: list[tuple[str, Scanner]] = []
    for module in SCANNERS:
        for pattern in module.FILE_PATTERNS:
            if any(ch in pattern for ch in "*?[/"):
                globs.append((pattern, module))
            else:
                exact[pattern] = module
    return exact, globs


_EXACT, _GLOBS = _split_patterns()


def scanner_for(path: str) -> Scanner | None:
    """The scanner whose FILE_PATTERNS match this `/`-separated path, if any.

    A pattern without `/` matches the file name; one with `/` matches the path's tail
    (`.github/workflows/*.yml` matches `a/.github/workflows/ci.yml`).
    """
    name = posixpath.basename(path)
    module = _EXACT.get(name)
    if module is not None:
        return module
    for pattern, candidate in _GLOBS:
        if "/" in pattern:
            depth = pattern.count("/") + 1
            tail = "/".join(path.split("/")[-depth:])
            if fnmatchcase(tail, pattern):
                return candidate
        elif fnmatchcase(name, pattern):
            return candidate
    return None


def is_ignored(path: str, ignore_paths: Sequence[str] = DEFAULT_IGNORE_PATHS) -> bool:
    """True when a `/`-separated path lies under an ignored directory or matches a glob."""
    parts = path.split("/")
    dirs = parts[:-1]
    for entry in ignore_paths:
        if not any(ch in entry for ch in "*?[/"):
            if entry in dirs:
                return True
        elif fnmatchcase(path, entry.replace("**/", "*").replace("/**", "/*")):
            return True
    return any(part in ALWAYS_SKIPPED_DIRS for part in dirs)


def scan_file(path: str, text: str) -> list[Dependency]:
    """Parse one file by its name. Raises ManifestError, and no other exception, on bad input.

    A file no scanner claims, or one its scanner decides is not a manifest after all
    (a `MANIFEST.in` matched by `*.in`), gives an empty list.
    """
    module = scanner_for(path)
    if module is None:
        return []
    try:
        found = module.parse(path, text)
    except ManifestError:
        raise
    except RecursionError:
        raise ManifestError(path, "nested too deeply") from None
    except Exception as exc:  # User content must never crash a scan; keep the cause for us.
        log.warning("parser failed", extra={"manifest": path}, exc_info=True)
        raise ManifestError(path, f"could not be parsed ({type(exc).__name__})") from exc
    return list(found) if found else []


def scan_files(files: Mapping[str, str]) -> ScanResult:
    """Scan already-read files (path -> text); the App uses this on a GitHub tree."""
    deps_by_file: dict[str, list[Dependency]] = {}
    errors: list[ScanError] = []
    for path in sorted(files):
        try:
            deps_by_file[path] = scan_file(path, files[path])
        except ManifestError as exc:
            errors.append(ScanError(path, exc.detail))
    _apply_manifest_scopes(deps_by_file)
    dependencies = tuple(dep for path in sorted(deps_by_file) for dep in deps_by_file[path])
    return ScanResult(dependencies, tuple(errors), files_scanned=len(files))


def partner_manifest(path: str) -> str | None:
    """The manifest whose declarations a lockfile takes directness and scope from."""
    scanner = scanner_for(path)
    name = scanner.LOCKFILE_MANIFESTS.get(posixpath.basename(path)) if scanner else None
    return posixpath.join(posixpath.dirname(path), name) if name else None


def _apply_manifest_scopes(deps_by_file: dict[str, list[Dependency]]) -> None:
    """A lockfile's entries take `direct` and `scope` from the project's root manifests.

    A lockfile that records edges is walked from its roots (see `_walk_from_roots`); one
    without keeps the old pairing: an entry is direct when the manifest beside it declares
    it (or when the lockfile says so, where the format records which entries are direct)
    and takes the declared scope.
    """
    for lock_path, lock_deps in deps_by_file.items():
        module = scanner_for(lock_path)
        if module is None or not lock_deps:
            continue
        # Cargo.lock, package-lock and pnpm record which entries are direct, and which of
        # several locked versions is the direct one: their flags stand (an old format
        # version may not record it: then the manifests decide).
        knows_direct = posixpath.basename(lock_path) in module.LOCKFILES_KNOW_DIRECT and any(
            dep.direct for dep in lock_deps
        )
        if knows_direct and posixpath.basename(lock_path) in module.LOCKFILES_KNOW_SCOPE:
            continue  # per-version scopes and directness from the format itself stand
        if any(dep.requires is not None for dep in lock_deps):
            declared = _declared_scopes(_root_manifests(lock_path, module, deps_by_file))
            deps_by_file[lock_path] = _walk_from_roots(lock_deps, declared, knows_direct)
            continue
        manifest_path = partner_manifest(lock_path)
        declared_deps = deps_by_file.get(manifest_path) if manifest_path else None
        # A manifest that declares nothing (a virtual workspace root) says nothing about
        # directness: the lockfile keeps what it knows.
        if not declared_deps:
            continue
        scopes: dict[str, Dependency] = {}
        for dep in declared_deps:
            scopes.setdefault(dep.name, dep)
        deps_by_file[lock_path] = [
            _as_declared(dep, scopes.get(dep.name), knows_direct) for dep in lock_deps
        ]


def _as_declared(dep: Dependency, declared: Dependency | None, knows_direct: bool) -> Dependency:
    if knows_direct:
        if dep.direct and declared is not None and dep.scope != declared.scope:
            return replace(dep, scope=declared.scope)
        return dep
    if declared is None:
        return dep if not dep.direct else replace(dep, direct=False)
    if dep.direct and dep.scope == declared.scope:
        return dep
    return replace(dep, direct=True, scope=declared.scope)


def _root_manifests(
    lock_path: str, module: Scanner, deps_by_file: Mapping[str, list[Dependency]]
) -> list[list[Dependency]]:
    """The declarations of the project's roots: the manifest beside the lockfile and every
    manifest of that name below it (workspace members: a Cargo workspace's crates, yarn
    workspaces, a mix umbrella's apps), except those under a directory with a lockfile of
    the same scanner of their own (a separate project, such as ripgrep's `fuzz/`).

    In a pull-request read only the manifest beside the lockfile and the changed files are
    read, so members the pull request leaves alone are missing: their declarations then
    do not decide scopes, and their direct dependencies keep the lockfile's scope.
    """
    beside = partner_manifest(lock_path)
    if beside is None:
        return []
    manifest_name = posixpath.basename(beside)
    lock_dir = posixpath.dirname(lock_path)
    prefix = f"{lock_dir}/" if lock_dir else ""
    other_locks = [
        posixpath.dirname(p) + "/"
        for p in deps_by_file
        if p != lock_path
        and p.startswith(prefix)
        and posixpath.basename(p) in module.LOCKFILE_MANIFESTS
        and scanner_for(p) is module
    ]
    found: list[list[Dependency]] = []
    for path, deps in deps_by_file.items():
        if posixpath.basename(path) != manifest_name or not path.startswith(prefix):
            continue
        if path != beside and any(path.startswith(other) for other in other_locks):
            continue
        if scanner_for(path) is module:
            found.append(deps)
    return found


def _declared_scopes(manifests: Iterable[Iterable[Dependency]]) -> dict[str, Scope]:
    """Name → the strongest scope it is declared with across the root manifests."""
    scopes: dict[str, Scope] = {}
    for deps in manifests:
        for dep in deps:
            if not dep.direct:  # a [workspace.dependencies] row: members decide
                continue
            held = scopes.get(dep.name)
            if held is None or SCOPE_RANK[dep.scope] < SCOPE_RANK[held]:
                scopes[dep.name] = dep.scope
    return scopes


def _walk_from_roots(
    lock_deps: list[Dependency], declared: Mapping[str, Scope], knows_direct: bool
) -> list[Dependency]:
    """Directness and scope of a lockfile's entries by the graph walked from its roots.

    Roots: the direct entries, as the lockfile records them (`knows_direct`) or as the root
    manifests declare them; with neither, the scanner's own guess. A direct entry takes the
    strongest scope it is declared with; every other entry the strongest scope of the roots
    from which a path of edges reaches its name (runtime > optional > peer > build > test >
    dev), so a crate reached only through `[dev-dependencies]` is dev. Edges name packages,
    not versions: a second locked version of a crate is reached by whatever requires the
    name. An entry no root reaches keeps the scope the scanner gave it.
    """
    by_declaration = bool(declared) and not knows_direct
    direct: list[bool] = []
    roots: dict[str, Scope] = {}
    edges: dict[str, set[str]] = {}
    for dep in lock_deps:
        is_direct = dep.name in declared if by_declaration else dep.direct
        direct.append(is_direct)
        if is_direct:
            scope = declared.get(dep.name, dep.scope)
            held = roots.get(dep.name)
            if held is None or SCOPE_RANK[scope] < SCOPE_RANK[held]:
                roots[dep.name] = scope
        if dep.requires:
            edges.setdefault(dep.name, set()).update(dep.requires)
    reached = _reach(roots, edges)
    result: list[Dependency] = []
    for dep, is_direct in zip(lock_deps, direct, strict=True):
        scope = roots[dep.name] if is_direct else reached.get(dep.name, dep.scope)
        if is_direct != dep.direct or scope != dep.scope:
            dep = replace(dep, direct=is_direct, scope=scope)
        result.append(dep)
    return result


def _reach(roots: Mapping[str, Scope], edges: Mapping[str, set[str]]) -> dict[str, Scope]:
    """Name → the strongest scope of the roots reaching it through at least one edge.

    The strongest roots walk first and claim everything they reach, so each name is
    visited once in all: what a stronger root reached, it reached with all it requires.
    """
    reached: dict[str, Scope] = {}
    for root in sorted(roots, key=lambda name: (SCOPE_RANK[roots[name]], name)):
        scope = roots[root]
        stack = [child for child in edges.get(root, ()) if child not in reached]
        while stack:
            name = stack.pop()
            if name in reached:
                continue
            reached[name] = scope
            stack.extend(child for child in edges.get(name, ()) if child not in reached)
    return reached


def iter_tree(
    root: Path, ignore_paths: Sequence[str] = DEFAULT_IGNORE_PATHS
) -> Iterable[tuple[str, Path]]:
    """Dependency files under root as (relative `/` path, absolute path); no symlink escapes."""
    root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in ALWAYS_SKIPPED_DIRS
            and not os.path.exists(os.path.join(dirpath, d, "pyvenv.cfg"))
            and not is_ignored(f"{rel_dir}/{d}/x".lstrip("/"), ignore_paths)
        )
        for filename in sorted(filenames):
            rel = f"{rel_dir}/{filename}" if rel_dir else filename
            if scanner_for(rel) is None:
                continue
            full = Path(dirpath, filename)
            if full.is_symlink() and not full.resolve().is_relative_to(root):
                continue
            yield rel, full


def scan_tree(
    root: str | os.PathLike[str],
    *,
    ignore_paths: Sequence[str] = DEFAULT_IGNORE_PATHS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ScanResult:
    """Walk a directory, parse every dependency file, and keep going past unreadable ones."""
    root_path = Path(root)
    if not root_path.is_dir():
        raise NotADirectoryError(str(root))
    texts: dict[str, str] = {}
    errors: list[ScanError] = []
    for rel, full in iter_tree(root_path, ignore_paths):
        try:
            size = full.stat().st_size
            if size > max_bytes:
                errors.append(ScanError(rel, too_big(size, max_bytes)))
                continue
            # utf-8-sig: .NET tooling writes a byte-order mark.
            texts[rel] = full.read_bytes().decode("utf-8-sig", errors="replace")
        except OSError as exc:
            errors.append(ScanError(rel, f"could not be read: {exc.strerror or exc}"))
    result = scan_files(texts)
    all_errors = tuple(sorted((*result.errors, *errors), key=lambda e: e.manifest))
    return ScanResult(result.dependencies, all_errors, files_scanned=len(texts) + len(errors))


def too_big(size: int, limit: int) -> str:
    """The one message for a dependency file over the size limit, local or on GitHub."""
    return f"skipped: {size / 1e6:.1f} MB is over the {limit / 1e6:.0f} MB limit for one file"
