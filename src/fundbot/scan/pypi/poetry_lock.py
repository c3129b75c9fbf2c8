"""`poetry.lock`, lock-version 1.x (`category`) and 2.x (`groups`).

Scope: the `main` group (or category) is runtime, optional when the entry is `optional`;
otherwise the first group decides (`test*` test, else dev). Sources of type git, directory,
file and url are kept with skip reasons git, path, path and url. The lock does not say which
packages are direct: `pyproject.toml` beside it does (LOCKFILE_MANIFESTS).
"""

from __future__ import annotations

from typing import Final

from fundbot.model import Dependency, Scope, SkipReason
from fundbot.scan._formats import load_toml
from fundbot.scan.pypi._common import Entry, group_scope, lock_result, named_packages
from fundbot.scan.pypi._pep508 import normalize

_SOURCE_SKIPS: Final[dict[str, SkipReason]] = {
    "git": "git",
    "directory": "path",
    "file": "path",
    "url": "url",
}


def parse(path: str, text: str) -> list[Dependency]:
    data = load_toml(path, text)
    entries: dict[Entry, None] = {}
    edges: dict[tuple[str, str | None], tuple[str, ...]] = {}
    for pkg, name, version in named_packages(path, data, "package"):
        source = pkg.get("source")
        kind = source.get("type") if isinstance(source, dict) else None
        skip = _SOURCE_SKIPS.get(kind) if isinstance(kind, str) else None
        entries[(name, version, _scope(pkg), False, skip)] = None
        # `[package.dependencies]`: name → constraint; the keys are what it requires.
        required = pkg.get("dependencies")
        names = {normalize(n) for n in required} if isinstance(required, dict) else set()
        edges[(name, version)] = tuple(sorted(names - {name}))
    return lock_result(path, entries, edges)


def _scope(pkg: dict[str, object]) -> Scope:
    groups = pkg.get("groups")
    if not isinstance(groups, list):
        category = pkg.get("category")
        groups = [category] if isinstance(category, str) else ["main"]
    if "main" in groups:
        return "optional" if pkg.get("optional") is True else "runtime"
    first = groups[0] if groups else "main"
    return group_scope(first) if isinstance(first, str) else "dev"
