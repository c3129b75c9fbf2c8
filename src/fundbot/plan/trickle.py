"""Trickle-down weights: money flows from the packages you chose to what they are built on.

Each direct dependency starts with its scope weight, keeps `1 - pass_down` and passes
`pass_down` to the packages it requires, split equally, down to `depth` levels (the direct
dependency is level 1; what reaches level `depth` stays there). A package reached by several
paths receives from each; a path that comes back to a package already on it stops there, and
that package keeps what it received.

All arithmetic is exact: weights are whole numerators over one common denominator (see
`common_denominator`), so sums are integer sums (Fraction additions would cost a gcd each,
seconds on a large organisation) and no weight depends on input order or on rounding.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from fractions import Fraction

from fundbot.graph import Graph

# package → {(root, root scope): numerator received through that root}
Contributions = dict[str, dict[tuple[str, str], int]]


def common_denominator(
    starts: Iterable[Fraction], pass_down: Fraction, depth: int, graphs: Iterable[Graph]
) -> int:
    """A denominator every weight is a whole multiple of.

    A share at level L is start x pass_down^(L-1) x (1 - pass_down or 1) / (n_1 ... n_(L-1)),
    where n_i are the numbers of requirements split along the path: so the start
    denominators times (den(pass_down) x lcm of all split counts)^(depth - 1) divides it.
    """
    base = math.lcm(1, *(s.denominator for s in starts))
    splits = math.lcm(1, *(len(kids) for g in graphs for kids in g.edges.values() if kids))
    return int(base * (pass_down.denominator * splits) ** max(depth - 1, 0))


def trickle(
    graph: Graph,
    root_weights: Mapping[str, int],
    *,
    pass_down: Fraction,
    depth: int,
) -> Contributions:
    """What each package receives from each direct package (`root_weights`: numerators of
    its start over a `common_denominator` that covers this graph)."""
    received: Contributions = {}
    edges = graph.edges
    pass_num, den = pass_down.numerator, pass_down.denominator
    keep_num = den - pass_num

    def give(pkg: str, key: tuple[str, str], amount: int) -> None:
        per_root = received.setdefault(pkg, {})
        per_root[key] = per_root.get(key, 0) + amount

    for root in sorted(root_weights):
        start = root_weights[root]
        key = (root, graph.direct.get(root, "runtime"))
        if start <= 0:  # weight 0 by its scope: listed as unused, never passed on
            give(root, key, 0)
            continue
        # Depth-first over paths, with an explicit stack: (package, amount, level, path).
        stack: list[tuple[str, int, int, frozenset[str]]] = [(root, start, 1, frozenset({root}))]
        while stack:
            pkg, amount, level, path = stack.pop()
            children = edges.get(pkg, ())
            if level >= depth or not children or pass_num == 0:
                give(pkg, key, amount)
                continue
            # Exact: the common denominator holds one more factor den x len(children).
            give(pkg, key, amount * keep_num // den)
            share = amount * pass_num // (den * len(children))
            for child in children:
                if child in path:
                    give(child, key, share)  # a cycle: stop at the first repeat
                else:
                    stack.append((child, share, level + 1, path | {child}))
    return received
