"""The dependency graph lockfiles record, over `ecosystem:name` packages (pure).

Scanners put each locked entry's requirements on `Dependency.requires`; this module joins
the entries of one project (one repository, or one scanned tree) into one graph, so that
`fundbot deps` can say through which direct dependency a package is reached and the plan can
let weight trickle down from the packages a team chose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from fundbot.model import Dependency


def package_id(ecosystem: str, name: str) -> str:
    """How plans and graphs write a package: `ecosystem:name`."""
    return f"{ecosystem}:{name}"


@dataclass(frozen=True, slots=True)
class Graph:
    """Edges between packages, and the direct ones the walk starts from."""

    # package → the packages it requires, sorted, itself excluded; only packages whose
    # entries come from a format that records edges have a key.
    edges: Mapping[str, tuple[str, ...]]
    # direct package → its scope (the heaviest-weighing declaration wins, see `roots_by`).
    direct: Mapping[str, str]

    def has_edges(self, pkg: str) -> bool:
        return pkg in self.edges


def build_graph(deps: Iterable[Dependency]) -> Graph:
    """One project's graph: requirements of all entries of a package joined."""
    edges: dict[str, set[str]] = {}
    direct: dict[str, list[str]] = {}
    for dep in deps:
        if dep.skip_reason is not None:
            continue
        pkg = package_id(dep.ecosystem, dep.name)
        if dep.direct:
            direct.setdefault(pkg, []).append(dep.scope)
        if dep.requires is not None:
            targets = edges.setdefault(pkg, set())
            targets.update(package_id(dep.ecosystem, name) for name in dep.requires)
    return Graph(
        edges={pkg: tuple(sorted(t - {pkg})) for pkg, t in sorted(edges.items())},
        direct={pkg: _strongest(scopes) for pkg, scopes in sorted(direct.items())},
    )


# When a package is declared direct in several scopes, the one that weighs most by default
# names it (runtime beats the rest); ties by name so the answer never depends on order. The
# scan's walk from a project's roots ranks the scopes of paths the same way.
SCOPE_RANK: Final[Mapping[str, int]] = {
    "runtime": 0,
    "optional": 1,
    "peer": 2,
    "build": 3,
    "test": 4,
    "dev": 5,
}


def _strongest(scopes: list[str]) -> str:
    return min(scopes, key=lambda s: (SCOPE_RANK.get(s, 9), s))


def via(graph: Graph) -> dict[str, tuple[str, ...]]:
    """Package → the sorted direct packages through which it is reached (empty for direct).

    Reachability over the whole graph, not cut at the plan's `depth`: this answers "why is
    this package here at all".
    """
    reached: dict[str, set[str]] = {}
    for root in graph.direct:
        seen = {root}
        stack = [root]
        while stack:
            node = stack.pop()
            for child in graph.edges.get(node, ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        for node in seen - {root}:
            reached.setdefault(node, set()).add(root)
    result = {pkg: tuple(sorted(roots)) for pkg, roots in reached.items()}
    for root in graph.direct:
        result[root] = ()
    return result
