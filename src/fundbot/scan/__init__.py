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
from fundbot.model import Dependency, ScanError, ScanResult
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
    """A lockfile's entries take `direct` and `scope` from the manifest beside it (only the
    scope, where the lockfile format itself records which entries are direct)."""
    for lock_path, lock_deps in deps_by_file.items():
        module = scanner_for(lock_path)
        manifest_path = partner_manifest(lock_path) if lock_deps else None
        if module is None or manifest_path is None:
            continue
        declared = deps_by_file.get(manifest_path)
        # A manifest that declares nothing (a virtual workspace root) says nothing about
        # directness: the lockfile keeps what it knows.
        if not declared:
            continue
        scopes: dict[str, Dependency] = {}
        for dep in declared:
            scopes.setdefault(dep.name, dep)
        # A lockfile that records its direct dependencies itself (package-lock, pnpm
        # importers, Cargo.lock) knows better which of several locked versions is the
        # direct one, and what workspace members declare: keep its flags, take the scope.
        knows_direct = posixpath.basename(lock_path) in module.LOCKFILES_KNOW_DIRECT and any(
            dep.direct
            for dep in lock_deps  # an old format version may not record it
        )
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
