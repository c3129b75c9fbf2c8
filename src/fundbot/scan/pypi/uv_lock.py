"""`uv.lock`: `[[package]]` entries and the dependency graph between them.

The project's own packages (source `editable`, `virtual` or `workspace`) are not external
dependencies and are left out; what they list is direct: `dependencies` runtime,
`optional-dependencies` optional, `dev-dependencies` groups test (`test*`) or dev (the first
of these, in that order, when listed several times). Every other package takes the scope
through which it is first reached, trying runtime, then optional, test and dev; a package
nothing reaches is runtime (a scan walks the graph again from the same roots, see
`fundbot.scan`). git, path, directory and url sources keep their skip reasons. Each entry
requires what its `dependencies` name, and the optional dependencies of the extras that
something in the lock asks of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Final

from fundbot.model import Dependency, Scope, SkipReason
from fundbot.scan._formats import load_toml
from fundbot.scan.pypi._common import Entry, group_scope, lock_result, package_list
from fundbot.scan.pypi._pep508 import normalize

_LOCAL: Final = ("editable", "virtual", "workspace")
_SOURCE_SKIPS: Final[tuple[tuple[str, SkipReason], ...]] = (
    ("git", "git"),
    ("path", "path"),
    ("directory", "path"),
    ("url", "url"),
)
_PRIORITY: Final[tuple[Scope, ...]] = ("runtime", "optional", "test", "dev")


def parse(path: str, text: str) -> list[Dependency]:
    data = load_toml(path, text)
    by_name: dict[str, list[dict[str, Any]]] = {}
    roots: dict[Scope, list[object]] = {scope: [] for scope in _PRIORITY}
    for pkg in package_list(path, data, "package"):
        if not isinstance(pkg, dict) or not isinstance(pkg.get("name"), str):
            continue
        if not pkg["name"].strip():
            continue
        source = pkg.get("source")
        if isinstance(source, dict) and any(key in source for key in _LOCAL):
            _add_roots(roots, pkg)
        else:
            by_name.setdefault(normalize(pkg["name"].strip()), []).append(pkg)
    direct = {name for edges in roots.values() for name, _ in _edges(edges)}
    scopes = _reach(by_name, roots)
    extras = _requested_extras(by_name, roots)
    entries: dict[Entry, None] = {}
    requires: dict[tuple[str, str | None], tuple[str, ...]] = {}
    for name, pkgs in by_name.items():
        scope = scopes.get(name, "runtime")
        for pkg in pkgs:
            version = pkg.get("version")
            version = version if isinstance(version, str) and version else None
            entries[(name, version, scope, name in direct, _skip(pkg.get("source")))] = None
            requires[(name, version)] = _requires(pkg, name, extras.get(name, ()))
    return lock_result(path, entries, requires)


def _requested_extras(
    by_name: dict[str, list[dict[str, Any]]], roots: dict[Scope, list[object]]
) -> dict[str, set[str]]:
    """Name → the extras anything in the lock asks of it (`{ name = "x", extra = [...] }`)."""
    asked: dict[str, set[str]] = {}
    lists: list[object] = [*roots.values()]
    for pkgs in by_name.values():
        for pkg in pkgs:
            lists.append(pkg.get("dependencies"))
            optional = pkg.get("optional-dependencies")
            if isinstance(optional, dict):
                lists.extend(optional.values())
    for edges in lists:
        if isinstance(edges, list):
            for name, extras in _edges(edges):
                if extras:
                    asked.setdefault(name, set()).update(extras)
    return asked


def _requires(pkg: dict[str, Any], own: str, extras: Iterable[str]) -> tuple[str, ...]:
    """What a locked package requires: its `dependencies`, and the optional dependencies of
    the extras something asks of it (edges name packages, not extras)."""
    names = {name for name, _ in _edges(_as_list(pkg.get("dependencies")))}
    optional = pkg.get("optional-dependencies")
    if isinstance(optional, dict):
        for extra in extras:
            names.update(name for name, _ in _edges(_as_list(optional.get(extra))))
    names.discard(own)
    return tuple(sorted(names))


def _as_list(edges: object) -> list[object]:
    return edges if isinstance(edges, list) else []


def _add_roots(roots: dict[Scope, list[object]], pkg: dict[str, Any]) -> None:
    """A local package's own lists are the direct dependencies, by scope."""
    _extend(roots["runtime"], pkg.get("dependencies"))
    optional = pkg.get("optional-dependencies")
    if isinstance(optional, dict):
        for edges in optional.values():
            _extend(roots["optional"], edges)
    groups = pkg.get("dev-dependencies")
    if isinstance(groups, dict):
        for group, edges in groups.items():
            _extend(roots[group_scope(group)], edges)


def _extend(target: list[object], edges: object) -> None:
    if isinstance(edges, list):
        target.extend(edges)


def _edges(edges: list[object]) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(normalised name, extras) of each well-formed `{ name = …, extra = […] }` edge."""
    for edge in edges:
        if isinstance(edge, dict) and isinstance(edge.get("name"), str) and edge["name"].strip():
            extra = edge.get("extra")
            extras = (
                tuple(e for e in extra if isinstance(e, str)) if isinstance(extra, list) else ()
            )
            yield normalize(edge["name"].strip()), extras


def _reach(
    by_name: dict[str, list[dict[str, Any]]], roots: dict[Scope, list[object]]
) -> dict[str, Scope]:
    """Each package's scope: as declared if direct, else the first scope (in priority
    order) whose roots reach it."""
    scopes: dict[str, Scope] = {}
    for scope in _PRIORITY:  # a direct dependency keeps the scope it is declared with
        for name, _ in _edges(roots[scope]):
            scopes.setdefault(name, scope)
    # Shared by all passes: what an earlier (stronger) pass reached, it reached whole.
    visited: set[tuple[str, tuple[str, ...]]] = set()
    for scope in _PRIORITY:
        stack = list(_edges(roots[scope]))
        while stack:
            node = stack.pop()
            if node in visited:
                continue
            visited.add(node)
            name, extras = node
            scopes.setdefault(name, scope)
            for pkg in by_name.get(name, ()):
                _extend_edges(stack, pkg.get("dependencies"))
                optional = pkg.get("optional-dependencies")
                if extras and isinstance(optional, dict):
                    for extra in extras:
                        _extend_edges(stack, optional.get(extra))
    return scopes


def _extend_edges(stack: list[tuple[str, tuple[str, ...]]], edges: object) -> None:
    if isinstance(edges, list):
        stack.extend(_edges(edges))


def _skip(source: object) -> SkipReason | None:
    if not isinstance(source, dict):
        return None
    return next((reason for key, reason in _SOURCE_SKIPS if key in source), None)
