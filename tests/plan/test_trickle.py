"""Trickle-down weights: the packages a team chose carry the weight (issue 10)."""

from __future__ import annotations

import random
from dataclasses import replace
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fundbot.config_schema import check
from fundbot.model import Dependency, Scope
from fundbot.plan.build import build_plan, dependency_weights
from fundbot.render.exports import plan_json
from fundbot.render.sections import why_amounts
from tests.test_pledge import FIVE, channel, fund, funding_map, rules


def locked(name: str, *requires: str, scope: Scope = "runtime", direct: bool = False) -> Dependency:
    """A lockfile entry: the format records edges, so `requires` is a tuple."""
    return Dependency("npm", name, "1.0.0", scope, direct, "package-lock.json", None, requires)


def weights(deps: list[Dependency], **config: Any) -> dict[str, Fraction]:
    by_repo = dependency_weights({"acme/shop": deps}, rules(**config))
    return {pkg.partition(":")[2]: sum(per.values(), Fraction(0)) for pkg, per in by_repo.items()}


def test_a_direct_dependency_keeps_half_and_passes_half_split_equally() -> None:
    deps = [
        locked("a", "b", "c", direct=True),
        locked("b", "d"),
        locked("c"),
        locked("d"),
    ]
    assert weights(deps) == {
        "a": Fraction(1, 2),
        "b": Fraction(1, 8),  # got 1/4, keeps half
        "c": Fraction(1, 4),  # a leaf keeps all it gets
        "d": Fraction(1, 8),
    }


def test_what_reaches_the_last_level_stays_there() -> None:
    deps = [locked("a", "b", direct=True), locked("b", "c"), locked("c", "d"), locked("d")]
    assert weights(deps) == {"a": Fraction(1, 2), "b": Fraction(1, 4), "c": Fraction(1, 4)}
    assert weights(deps, depth=1) == {"a": Fraction(1)}
    assert weights(deps, depth=4)["d"] == Fraction(1, 8)


def test_pass_down_and_scope_weights_are_the_settings() -> None:
    deps = [locked("a", "b", direct=True, scope="dev"), locked("b")]
    assert weights(deps) == {"a": Fraction(1, 4), "b": Fraction(1, 4)}
    assert weights(deps, pass_down=0.2) == {"a": Fraction(2, 5), "b": Fraction(1, 10)}
    assert weights(deps, scope_weights={"dev": 1.0}) == {"a": Fraction(1, 2), "b": Fraction(1, 2)}


def test_several_paths_add_and_cycles_stop_at_the_first_repeat() -> None:
    deps = [
        locked("a", "shared", direct=True),
        locked("b", "shared", direct=True),
        locked("shared"),
    ]
    assert weights(deps)["shared"] == Fraction(1)
    cycle = [locked("a", "b", direct=True), locked("b", "a")]
    # a keeps 1/2; b keeps 1/4 and passes 1/4 back to a, where the path stops.
    assert weights(cycle) == {"a": Fraction(3, 4), "b": Fraction(1, 4)}


def test_flat_formats_keep_transitive_weight() -> None:
    deps = [
        Dependency("pypi", "django", "5.0", "runtime", True, "requirements.txt"),
        Dependency("pypi", "asgiref", "3.8", "runtime", False, "requirements.txt"),
    ]
    by_repo = dependency_weights({"acme/shop": deps}, rules())
    assert by_repo == {
        "pypi:asgiref": {"acme/shop": Fraction(1, 4)},
        "pypi:django": {"acme/shop": Fraction(1)},
    }


def test_the_trial_case_the_chosen_framework_outweighs_a_dev_tools_micro_packages() -> None:
    """Django (direct runtime) against one author's 38 small packages under a dev tool."""
    micro = [f"tiny-{i}" for i in range(38)]
    deps = [
        Dependency("pypi", "django", "5.0", "runtime", True, "requirements.txt"),
        locked("release-it", *micro, direct=True, scope="dev"),
        *(locked(name) for name in micro),
    ]
    funding = funding_map(
        fund("django", channel("github", "django"), ecosystem="pypi"),
        fund("release-it", channel("github", "release-it")),
        *(fund(name, channel("github", "sindresorhus")) for name in micro),
    )
    plan = build_plan({"acme/shop": deps}, funding, rules(), FIVE)
    amounts = {line.recipient: line.amount for line in plan.lines}
    assert amounts["github:django"] > amounts["github:sindresorhus"]
    # All 38 packages together get exactly what the dev tool passes down: 0.5 x 0.5.
    micro_line = next(line for line in plan.lines if line.recipient == "github:sindresorhus")
    assert micro_line.weight == 0.25
    top = micro_line.because[0]
    assert (top.via, top.scope, top.share) == ("npm:release-it", "dev", round(1 / 38, 4))
    assert len(micro_line.because) == 3


def test_because_names_the_direct_dependency_and_the_share() -> None:
    deps = [
        locked("express", "debug", direct=True),
        locked("mocha", "debug", direct=True, scope="dev"),
        locked("debug"),
    ]
    funding = funding_map(fund("debug", channel("github", "debug-js")))
    plan = build_plan({"acme/shop": deps}, funding, rules(), FIVE)
    (line,) = plan.lines
    assert [(b.package, b.via, b.scope, b.share) for b in line.because] == [
        ("npm:debug", "npm:express", "runtime", round(2 / 3, 4)),
        ("npm:debug", "npm:mocha", "dev", round(1 / 3, 4)),
    ]


def test_pass_down_and_depth_are_validated_with_clear_messages() -> None:
    problems = check({"pass_down": 1.5, "depth": 0}, "fundbot.yml")
    texts = [str(p) for p in problems]
    assert any("pass_down" in t and "≤ 1" in t for t in texts), texts
    assert any("depth" in t and "from 1 to 10" in t for t in texts), texts
    assert check({"depth": 11}, "f.yml")
    assert check({"depth": True}, "f.yml")
    assert check({"pass_down": 0, "depth": 10}, "f.yml") == []


# ---------------------------------------------------------------------------------------
# Properties


@st.composite
def graphs(draw: st.DrawFn) -> list[Dependency]:
    """A random lockfile: a DAG (edges go to later nodes) with a few cycles added back."""
    n = draw(st.integers(2, 12))
    deps: list[Dependency] = []
    for i in range(n):
        later = list(range(i + 1, n))
        kids = draw(st.lists(st.sampled_from(later), unique=True, max_size=4)) if later else []
        back = draw(st.booleans()) and i > 0 and draw(st.integers(0, 5)) == 0
        requires = tuple(sorted({f"p{k}" for k in kids} | ({"p0"} if back else set())))
        direct = i == 0 or draw(st.integers(0, 3)) == 0
        scope: Scope = draw(st.sampled_from(["runtime", "dev", "peer"]))
        deps.append(locked(f"p{i}", *requires, direct=direct, scope=scope))
    return deps


@settings(max_examples=200, deadline=None)
@given(graphs(), st.integers(1, 6), st.data())
def test_splitting_a_leaf_gives_its_author_exactly_what_the_leaf_had(
    deps: list[Dependency], k: int, data: st.DataObject
) -> None:
    leaves = [d for d in deps if d.requires == ()]
    if not leaves:
        return
    leaf = data.draw(st.sampled_from(leaves))
    parts = [f"{leaf.name}-part{i}" for i in range(k)]
    split = [replace(d, requires=tuple(parts)) if d is leaf else d for d in deps]
    split += [locked(name) for name in parts]
    for depth in (2, 3, 5):
        before = weights(deps, depth=depth)
        after = weights(split, depth=depth)
        author = after.get(leaf.name, Fraction(0)) + sum(
            (after.get(p, Fraction(0)) for p in parts), Fraction(0)
        )
        assert author == before.get(leaf.name, Fraction(0))
        # Nothing outside the leaf's subtree gains or loses.
        assert {p: w for p, w in after.items() if p != leaf.name and p not in parts} == {
            p: w for p, w in before.items() if p != leaf.name
        }


def _reachable(deps: list[Dependency], start: str) -> set[str]:
    edges = {d.name: d.requires or () for d in deps}
    seen: set[str] = set()
    stack = list(edges.get(start, ()))
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(edges.get(name, ()))
    return seen


@settings(max_examples=200, deadline=None)
@given(graphs(), st.data())
def test_no_package_outside_a_subtree_gains_or_loses_by_what_happens_inside_it(
    deps: list[Dependency], data: st.DataObject
) -> None:
    """Rewire everything below one package (new packages, new edges, cycles, all kept inside
    its subtree): every package outside receives exactly what it did, and the subtree as a
    whole keeps what flows into it."""
    top = data.draw(st.sampled_from(deps)).name
    below = _reachable(deps, top)
    added = [f"new{i}" for i in range(data.draw(st.integers(0, 5)))]
    inside = sorted({top} | below | set(added))

    def rewired(name: str) -> tuple[str, ...]:
        kids = data.draw(st.lists(st.sampled_from(inside), unique=True, max_size=4))
        return tuple(sorted(set(kids) - {name}))

    changed = [replace(d, requires=rewired(d.name)) if d.name in inside else d for d in deps]
    changed += [locked(name, *rewired(name)) for name in added]
    for depth in (2, 3, 5):
        before = weights(deps, depth=depth)
        after = weights(changed, depth=depth)
        assert {p: w for p, w in after.items() if p not in inside} == {
            p: w for p, w in before.items() if p not in inside
        }
        assert sum((w for p, w in after.items() if p in inside), Fraction(0)) == sum(
            (w for p, w in before.items() if p in inside), Fraction(0)
        )


@settings(max_examples=100, deadline=None)
@given(graphs(), st.randoms(use_true_random=False))
def test_no_weight_is_lost_or_made_up_and_order_is_irrelevant(
    deps: list[Dependency], rnd: random.Random
) -> None:
    """What the direct dependencies start with is exactly what all packages end up with."""
    total = sum(weights(deps).values(), Fraction(0))
    roots = {d.name for d in deps if d.direct}
    start = sum(Fraction(1) if d.scope == "runtime" else Fraction(1, 2) for d in deps if d.direct)
    assert total == start  # nothing is lost or made up on the way down
    shuffled = deps[:]
    rnd.shuffle(shuffled)
    assert weights(shuffled) == weights(deps)
    assert roots  # the generator always has one


@settings(max_examples=50, deadline=None)
@given(graphs(), st.randoms(use_true_random=False))
def test_input_order_never_changes_the_plan(deps: list[Dependency], rnd: random.Random) -> None:
    funding = funding_map(*(fund(d.name, channel("github", f"u{len(d.name) % 3}")) for d in deps))
    plan = build_plan({"acme/a": deps, "acme/b": deps[::2]}, funding, rules(), FIVE)
    shuffled = {
        "acme/b": rnd.sample(deps[::2], len(deps[::2])),
        "acme/a": rnd.sample(deps, len(deps)),
    }
    again = build_plan(shuffled, funding, rules(), FIVE)
    assert again == plan


def test_the_issue_explains_a_line_through_its_direct_dependency() -> None:
    micro = ["ansi-styles", "chalk"]
    deps = [locked("release-it", *micro, direct=True, scope="dev"), *map(locked, micro)]
    funding = funding_map(*(fund(name, channel("github", "sindresorhus")) for name in micro))
    (line,) = build_plan({"acme/shop": deps}, funding, rules(), FIVE).lines
    text = why_amounts([line])
    assert "npm:ansi-styles via release-it (dev), 50%" in text
    assert plan_json(build_plan({"acme/shop": deps}, funding, rules(), FIVE))["plan"]["lines"][0][
        "because"
    ][0] == {"package": "npm:ansi-styles", "via": "npm:release-it", "scope": "dev", "share": 0.5}
