"""The pnpm-lock graph: which packages each package requires, and the scope a walk from the
importers gives each one (v9 dropped the `dev` flag; v5 and v6 still write it)."""

from __future__ import annotations

from typing import Any

# Importer sections, strongest first: a package reached from a runtime declaration is
# runtime however else it is reached; only devDependencies reaching it make it dev.
_ROOT_SECTIONS = (
    ("dependencies", "runtime"),
    ("optionalDependencies", "optional"),
    ("devDependencies", "dev"),
)
_EDGE_SECTIONS = ("dependencies", "optionalDependencies")
# Node key -> [(name required, node key it resolves to, None for a `link:`)].
Graph = dict[str, list[tuple[str, str | None]]]


def node_key(name: str, ref: str, major: int) -> str | None:
    """The `packages` (v5, v6) or `snapshots` (v9) key a dependency `name: ref` points at;
    None for a `link:` to a folder of the project, which has no entry."""
    if ref.startswith("link:"):
        return None
    bare = ref.split("(", 1)[0]
    if major >= 9:
        # `string-width@4.2.3` (an alias) and `x@file:lib` are keys already.
        return ref if bare.find("@", 1) > 0 and "://" not in bare else f"{name}@{ref}"
    if ref.startswith(("/", "file:", "github.com/")) or "://" in ref:
        return ref
    return f"/{name}@{ref}" if major >= 6 else f"/{name}/{ref}"


def base_key(key: str, major: int) -> str:
    """A v9 snapshot key without its peer suffix is the `packages` key."""
    if major < 9:
        return key
    cut = key.find("(")
    return key[:cut] if cut > 0 else key


def edges(nodes: Any, major: int) -> Graph:
    """Node key -> [(name required, node key it resolves to)], from `dependencies` and
    `optionalDependencies` (pnpm writes resolved peers among them)."""
    graph: Graph = {}
    if not isinstance(nodes, dict):
        return graph
    for key, entry in nodes.items():
        children: list[tuple[str, str | None]] = []
        if isinstance(entry, dict):
            for section in _EDGE_SECTIONS:
                deps = entry.get(section)
                if isinstance(deps, dict):
                    children.extend(
                        (str(n), node_key(str(n), str(r), major)) for n, r in deps.items()
                    )
        graph[str(key)] = children
    return graph


def walk_scopes(importers: dict[Any, Any], graph: Graph, major: int) -> dict[str, str]:
    """Base key -> the strongest importer section that reaches it (`runtime`, `optional`,
    `dev`); keys no importer reaches are absent. Linear in the size of the graph."""
    scopes: dict[str, str] = {}
    for section, scope in _ROOT_SECTIONS:
        stack = _roots(importers, section, major)
        seen: set[str] = set()
        while stack:
            key = stack.pop()
            if key in seen:
                continue
            seen.add(key)
            scopes.setdefault(base_key(key, major), scope)
            stack.extend(child for _n, child in graph.get(key, ()) if child is not None)
    return scopes


def _roots(importers: dict[Any, Any], section: str, major: int) -> list[str]:
    roots = []
    for importer in importers.values():
        names = importer.get(section) if isinstance(importer, dict) else None
        if not isinstance(names, dict):
            continue
        for name, value in names.items():
            ref = value.get("version") if isinstance(value, dict) else value
            if isinstance(ref, str):
                key = node_key(str(name), ref, major)
                if key is not None:
                    roots.append(key)
    return roots
