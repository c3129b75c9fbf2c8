"""Shared by the PyPI file kinds: scopes from group names and a deduplicating collector."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from fundbot.errors import ManifestError
from fundbot.model import Dependency, Scope, SkipReason
from fundbot.scan.pypi._pep508 import normalize, parse_requirement

ECOSYSTEM = "pypi"


def group_scope(group: str) -> Scope:
    """A named group (PEP 735, Poetry, PDM, uv): `test*` is test, anything else dev."""
    return "test" if group.strip().lower().startswith("test") else "dev"


Entry = tuple[str, str | None, Scope, bool, SkipReason | None]


class Collector:
    """Dependencies of one file in first-seen order, identical entries once.

    The project's own name is dropped: `pkg[extra]` inside pkg's own groups is a
    self-reference, not a dependency.
    """

    def __init__(self, path: str, own_name: str | None = None) -> None:
        self.path = path
        self.own_name = normalize(own_name) if own_name else None
        self._seen: dict[Entry, None] = {}

    def add(
        self,
        name: str,
        version: str | None,
        scope: Scope,
        *,
        direct: bool = True,
        skip: SkipReason | None = None,
    ) -> None:
        """Record one dependency; `name` must already be normalised."""
        if not name or name == self.own_name:
            return
        self._seen.setdefault((name, version, scope, direct, skip), None)

    def add_requirement(self, text: object, scope: Scope, *, direct: bool = True) -> None:
        """Record a PEP 508 string; anything that is not a string or has no name is ignored."""
        if not isinstance(text, str):
            return
        req = parse_requirement(text)
        if req is not None:
            self.add(req.name, req.version, scope, direct=direct, skip=req.skip_reason)

    def add_requirements(self, texts: object, scope: Scope) -> None:
        """Record a list of PEP 508 strings; a non-list is ignored."""
        if isinstance(texts, list):
            for text in texts:
                self.add_requirement(text, scope)

    def result(self) -> list[Dependency]:
        return lock_result(self.path, self._seen)


def groups_scope(groups: object, runtime_group: str) -> Scope:
    """A lockfile entry's scope from its group list: the runtime group wins, else the first."""
    if not isinstance(groups, list) or not groups:
        return "runtime"
    if runtime_group in groups:
        return "runtime"
    first = groups[0]
    return group_scope(first) if isinstance(first, str) else "dev"


def lock_result(
    path: str,
    entries: dict[Entry, None],
    edges: Mapping[tuple[str, str | None], tuple[str, ...]] | None = None,
) -> list[Dependency]:
    """Dependencies from deduplicated (name, version, scope, direct, skip) keys; with
    `edges` (name, version) → what it requires, for formats that record them."""
    return [
        Dependency(
            ECOSYSTEM,
            name,
            version,
            scope,
            direct,
            path,
            skip,
            None if edges is None else edges.get((name, version), ()),
        )
        for name, version, scope, direct, skip in entries
    ]


def package_list(path: str, data: dict[str, object], key: str) -> list[object]:
    """The lockfile's array of package tables; a missing one is an empty lock."""
    packages = data.get(key, [])
    if not isinstance(packages, list):
        raise ManifestError(path, f"expected `{key}` to be an array of tables")
    return packages


def named_packages(
    path: str, data: dict[str, object], key: str
) -> Iterator[tuple[dict[str, Any], str, str | None]]:
    """The lock's package tables that have a name: (table, normalised name, version)."""
    for pkg in package_list(path, data, key):
        if not isinstance(pkg, dict):
            continue
        name = pkg.get("name")
        if not isinstance(name, str) or not name.strip():
            continue
        version = pkg.get("version")
        yield (
            pkg,
            normalize(name.strip()),
            version if isinstance(version, str) and version else None,
        )
