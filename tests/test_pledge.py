"""Table tests for the pledge plan: budget, weights, recipients, rules, exclusions, attribution."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from fundbot.config import default_config
from fundbot.model import (
    EXCLUSION_KINDS,
    Dependency,
    DeveloperCount,
    Exclusion,
    FundingChannel,
    PackageFunding,
    Plan,
    ScanError,
)
from fundbot.plan.build import build_plan, dependency_weights, recipient_id, resolve_developers
from tests.builders import FIVE, amounts, channel, dep, fund, funding_map, rules, solo

# ---------------------------------------------------------------------------------------
# Budget and developers


@pytest.mark.parametrize(
    ("changes", "developers", "budget", "note"),
    [
        ({}, FIVE, 10_000, None),
        ({"per_developer": 3000}, FIVE, 15_000, None),
        ({"budget": 7000}, FIVE, 7000, "the budget is set by `budget`"),
        ({}, DeveloperCount(3, "estimate", "3 commit authors"), 6000, "is an estimate"),
    ],
)
def test_budget(
    changes: dict[str, Any], developers: DeveloperCount, budget: int, note: str | None
) -> None:
    """The budget is developers x per_developer unless `budget` is set, and notes say how."""
    plan = build_plan({"acme/a": [dep("x")]}, solo("x"), rules(**changes), developers)
    assert plan.budget == budget
    assert amounts(plan) == {"github:x": budget}
    assert plan.developers == developers.count
    assert plan.developers_source == developers.source
    assert plan.developers_method == developers.method
    assert any(note in n for n in plan.notes) if note else plan.notes == ()


@pytest.mark.parametrize(
    ("configured", "estimate", "method", "expected"),
    [
        (25, 7, "m", DeveloperCount(25, "configured", "`developers` in .github/fundbot.yml")),
        (None, 7, "7 authors", DeveloperCount(7, "estimate", "7 authors")),
        (
            None,
            None,
            "",
            DeveloperCount(1, "estimate", "no estimate available; counted as 1 until set"),
        ),
        (None, 0, "0 authors", DeveloperCount(1, "estimate", "0 authors; counted as 1 until set")),
    ],
)
def test_resolve_developers(
    configured: int | None, estimate: int | None, method: str, expected: DeveloperCount
) -> None:
    """The configured count wins over the estimate; no estimate counts as 1, and says so."""
    assert resolve_developers(rules(developers=configured), estimate, method) == expected


# ---------------------------------------------------------------------------------------
# Weights


@pytest.mark.parametrize(
    ("usage", "changes", "expected"),
    [
        ({"o/a": [dep("x")]}, {}, {"npm:x": {"o/a": 1.0}}),
        ({"o/a": [dep("x", scope="dev")]}, {}, {"npm:x": {"o/a": 0.5}}),
        ({"o/a": [dep("x", direct=False)]}, {}, {"npm:x": {"o/a": 0.25}}),
        ({"o/a": [dep("x", scope="test", direct=False)]}, {}, {"npm:x": {"o/a": 0.125}}),
        ({"o/a": [dep("x")], "o/b": [dep("x")]}, {}, {"npm:x": {"o/a": 1.0, "o/b": 1.0}}),
        # package.json and package-lock.json in one repository: one use, the heaviest.
        (
            {"o/a": [dep("x", direct=False, manifest="package-lock.json"), dep("x")]},
            {},
            {"npm:x": {"o/a": 1.0}},
        ),
        (
            {"o/a": [dep("x", scope="dev"), dep("x", direct=False, manifest="l.json")]},
            {},
            {"npm:x": {"o/a": 0.5}},
        ),
        (
            {"o/a": [dep("x", scope="dev")]},
            {"scope_weights": {**default_config().scope_weights, "dev": 2.0}},
            {"npm:x": {"o/a": 2.0}},
        ),
        ({"o/a": [dep("x", direct=False)]}, {"transitive_weight": 0.5}, {"npm:x": {"o/a": 0.5}}),
        ({"o/a": [dep("x", skip="git")]}, {}, {}),
        (
            {"o/a": [dep("requests", ecosystem="pypi"), dep("x")]},
            {},
            {"npm:x": {"o/a": 1.0}, "pypi:requests": {"o/a": 1.0}},
        ),
    ],
)
def test_dependency_weights(
    usage: dict[str, list[Dependency]], changes: dict[str, Any], expected: dict[str, Any]
) -> None:
    """Weight = scope weight x (1 or transitive_weight), heaviest per repository, summed."""
    assert dependency_weights(usage, rules(**changes)) == expected


def test_recipient_weight_sums_package_weights() -> None:
    """A recipient's weight is the sum of its packages' weights over every repository."""
    usage = {"o/a": [dep("x"), dep("y", scope="dev")], "o/b": [dep("x", direct=False)]}
    funding = funding_map(fund("x", channel("github", "sam")), fund("y", channel("github", "sam")))
    (line,) = build_plan(usage, funding, rules(), FIVE).lines
    assert (line.weight, line.packages, line.repositories) == (
        1.75,
        ("npm:x", "npm:y"),
        ("o/a", "o/b"),
    )


# ---------------------------------------------------------------------------------------
# Recipients and channels


@pytest.mark.parametrize(
    ("ch", "expected"),
    [
        (channel("github", "SindreSorhus"), "github:sindresorhus"),
        (channel("open_collective", "express"), "open_collective:express"),
        (
            channel("custom", None, "HTTP://Example.COM/donate/?utm_source=x"),
            "url:https://example.com/donate",
        ),
        (channel("custom", None, "not a url"), "url:not a url"),
    ],
)
def test_recipient_id(ch: FundingChannel, expected: str) -> None:
    """Recipients are `platform:handle` (case-insensitive) or `url:` + the normalised URL."""
    assert recipient_id(ch) == expected


def test_packages_sharing_a_channel_share_one_recipient() -> None:
    """Two packages funding one maintainer make one line with both packages, heaviest first."""
    usage = {"o/a": [dep("a", scope="dev"), dep("b"), dep("c")]}
    funding = funding_map(
        fund("a", channel("github", "Sam")),
        fund("b", channel("github", "sam")),
        fund("c", channel("custom", None, "https://donate.example/c")),
    )
    plan = build_plan(usage, funding, rules(), FIVE)
    assert [(ln.recipient, ln.packages, ln.amount) for ln in plan.lines] == [
        ("github:sam", ("npm:b", "npm:a"), 6000),
        ("url:https://donate.example/c", ("npm:c",), 4000),
    ]
    assert plan.dependencies_covered == 3


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (None, "github:gh"),
        (("open_collective", "github"), "open_collective:oc"),
        (("liberapay", "open_collective"), "open_collective:oc"),
        (("patreon", "custom", "github"), "custom:first"),
    ],
)
def test_platform_order_picks_the_channel(order: tuple[str, ...] | None, expected: str) -> None:
    """The preferred platform wins; on one platform the maintainers' first channel wins."""
    funding = funding_map(
        fund(
            "x",
            channel("custom", "first"),
            channel("open_collective", "oc"),
            channel("github", "gh"),
            channel("custom", "second"),
        )
    )
    changes = {} if order is None else {"platform_order": order}
    plan = build_plan({"o/a": [dep("x")]}, funding, rules(**changes), FIVE)
    assert [line.recipient for line in plan.lines] == [expected]


def test_channels_only_on_unlisted_platforms_are_excluded() -> None:
    """A package funded only on platforms left out of platform_order is listed as excluded."""
    funding = funding_map(fund("x", channel("patreon", "p")), fund("y", channel("github", "y")))
    plan = build_plan(
        {"o/a": [dep("x"), dep("y")]}, funding, rules(platform_order=("github",)), FIVE
    )
    assert amounts(plan) == {"github:y": 10_000}
    assert plan.excluded == (
        Exclusion(
            "npm:x", "funding only on platforms not in `platform_order`: patreon", "platform"
        ),
    )


# ---------------------------------------------------------------------------------------
# Allocation rules through the whole plan


def weighted_usage(weights: dict[str, int]) -> dict[str, list[Dependency]]:
    """Package n used directly at runtime by `weights[n]` repositories."""
    usage: dict[str, list[Dependency]] = {}
    for name, count in weights.items():
        for i in range(count):
            usage.setdefault(f"o/r{i}", []).append(dep(name))
    return usage


@pytest.mark.parametrize(
    ("weights", "changes", "expected"),
    [
        # Proportional.
        ({"a": 3, "b": 1}, {"budget": 1000}, {"github:a": 750, "github:b": 250}),
        # min_amount: b would get 90 < 100, is dropped, a takes everything.
        ({"a": 10, "b": 1}, {"budget": 1000, "min_amount": 100}, {"github:a": 1000}),
        # ... but exactly min_amount stays.
        ({"a": 9, "b": 1}, {"budget": 1000, "min_amount": 100}, {"github:a": 900, "github:b": 100}),
        # max_share: a is capped at 500, the excess goes to b and c by weight.
        (
            {"a": 8, "b": 1, "c": 1},
            {"budget": 1000, "max_share": 0.5},
            {"github:a": 500, "github:b": 250, "github:c": 250},
        ),
        # A cap that spills over twice.
        (
            {"a": 10, "b": 6, "c": 2, "d": 1, "e": 1},
            {"budget": 1000, "max_share": 0.3},
            {"github:a": 300, "github:b": 300, "github:c": 200, "github:d": 100, "github:e": 100},
        ),
        # max_recipients keeps the heaviest.
        (
            {"a": 3, "b": 2, "c": 1},
            {"budget": 500, "max_recipients": 2},
            {"github:a": 300, "github:b": 200},
        ),
        # Whole dollars: 33.3 each, the spare dollar to the smallest id.
        (
            {"c": 1, "b": 1, "a": 1},
            {"budget": 100},
            {"github:a": 34, "github:b": 33, "github:c": 33},
        ),
        # Largest remainder: 66.67 / 33.33 → 67 / 33.
        ({"a": 2, "b": 1}, {"budget": 100}, {"github:a": 67, "github:b": 33}),
        # Fewer recipients than 1/max_share: the cap rises to an equal split.
        ({"a": 5, "b": 1}, {"budget": 1000, "max_share": 0.2}, {"github:a": 500, "github:b": 500}),
        # A budget smaller than min_amount: the heaviest keeps all of it.
        ({"a": 1, "b": 2}, {"budget": 60, "min_amount": 100}, {"github:b": 60}),
    ],
)
def test_allocation_rules(
    weights: dict[str, int], changes: dict[str, Any], expected: dict[str, int]
) -> None:
    """Proportional shares under min_amount, max_share, max_recipients, summing exactly."""
    plan = build_plan(weighted_usage(weights), solo(*weights), rules(**changes), FIVE)
    assert amounts(plan) == expected
    assert sum(expected.values()) == plan.budget


@pytest.mark.parametrize(
    ("weights", "changes", "excluded", "note"),
    [
        (
            {"a": 10, "b": 1},
            {"budget": 1000, "min_amount": 100},
            [Exclusion("github:b", "would get less than `min_amount` (USD 100)", "below_minimum")],
            "1 recipient would get less than `min_amount`",
        ),
        (
            {"a": 3, "b": 2, "c": 1},
            {"budget": 500, "max_recipients": 2},
            [Exclusion("github:c", "beyond `max_recipients` (2)", "max_recipients")],
            "`max_recipients` is 2: 1 lighter recipient left out",
        ),
        (
            {"a": 5, "b": 1},
            {"budget": 1000, "max_share": 0.2},
            [],
            "only 2 recipients: no one can stay within `max_share` (0.2 of the budget)",
        ),
        (
            {"a": 1, "b": 2},
            {"budget": 60, "min_amount": 100},
            [Exclusion("github:a", "would get less than `min_amount` (USD 100)", "below_minimum")],
            "all of it goes to the heaviest recipient",
        ),
    ],
)
def test_rules_that_bite_are_explained(
    weights: dict[str, int], changes: dict[str, Any], excluded: list[Exclusion], note: str
) -> None:
    """Who a rule left out is listed with the reason, and the plan notes the rule."""
    plan = build_plan(weighted_usage(weights), solo(*weights), rules(**changes), FIVE)
    assert list(plan.excluded) == excluded
    assert any(note in n for n in plan.notes), plan.notes


def test_default_rules_on_many_recipients() -> None:
    """Defaults on 30 recipients: the 5 lightest (USD 87 each) drop, the rest sum exactly."""
    weights = {f"p{i:02}": 1 + i % 7 for i in range(30)}  # weights 1..7, total 115
    plan = build_plan(weighted_usage(weights), solo(*weights), default_config(), FIVE)
    assert sum(amounts(plan).values()) == 10_000
    assert len(plan.lines) == 25
    assert all(100 <= line.amount <= 2000 for line in plan.lines)
    assert [e.package for e in plan.excluded] == [f"github:p{i:02}" for i in (0, 7, 14, 21, 28)]
    assert plan.notes == (
        "5 recipients would get less than `min_amount` (USD 100) and were left out;"
        " their share went to the others",
    )


# ---------------------------------------------------------------------------------------
# Exclusions


GH_X = channel("github", "x")
ZERO = {**default_config().scope_weights, "dev": 0.0}


@pytest.mark.parametrize(
    ("package", "changes", "owner", "excluded"),
    [
        (
            fund("x", GH_X, repository="https://github.com/Acme/x"),
            {},
            "acme",
            Exclusion("npm:x", "owned by acme", "owned"),
        ),
        (
            fund("x", GH_X, repository="https://gitlab.com/acme/sub/x"),
            {},
            "ACME",
            Exclusion("npm:x", "owned by ACME", "owned"),
        ),
        (
            fund("x", channel("github", "Acme")),
            {},
            "acme",
            Exclusion("github:acme", "owned by acme", "owned"),
        ),
        (
            fund("x", GH_X),
            {"exclude": ("npm:*",)},
            None,
            Exclusion("npm:x", "matches exclude pattern `npm:*`", "pattern"),
        ),
        (
            fund("x", GH_X, repository="https://github.com/evil/x"),
            {"exclude": ("https://github.com/EVIL/*",)},
            None,
            Exclusion(
                "npm:x",
                "repository matches exclude pattern `https://github.com/EVIL/*`",
                "pattern",
            ),
        ),
        (
            fund("x", GH_X),
            {"exclude": ("github:x",)},
            None,
            Exclusion("github:x", "matches exclude pattern `github:x`", "pattern"),
        ),
        (
            fund("x", GH_X),
            {"scope_weights": ZERO},
            None,
            Exclusion("npm:x", "weight 0 under `scope_weights` and `transitive_weight`", "unused"),
        ),
    ],
)
def test_exclusions(
    package: PackageFunding, changes: dict[str, Any], owner: str | None, excluded: Exclusion
) -> None:
    """Own packages, exclude patterns and zero weights get nothing and are listed with why."""
    usage = {"acme/a": [dep("x", scope="dev"), dep("keep", ecosystem="pypi", scope="test")]}
    keep = fund("keep", channel("github", "k"), ecosystem="pypi")
    plan = build_plan(usage, funding_map(package, keep), rules(**changes), FIVE, owner=owner)
    assert amounts(plan) == {"github:k": 10_000}
    assert plan.excluded == (excluded,)


@pytest.mark.parametrize(
    ("ecosystem", "name"),
    [
        ("go", "github.com/Acme/lib/v2"),
        ("github-actions", "acme/deploy-action"),
        ("go", "gitlab.com/acme/group/lib"),
    ],
)
def test_own_packages_recognised_by_name(ecosystem: str, name: str) -> None:
    """Go modules and Actions name their repository: the organisation's own are excluded."""
    usage = {"acme/a": [dep(name, ecosystem=ecosystem), dep("y")]}
    funding = funding_map(
        fund(name, channel("github", "acme-friend"), ecosystem=ecosystem),
        fund("y", channel("github", "y")),
    )
    plan = build_plan(usage, funding, rules(), FIVE, owner="acme")
    assert amounts(plan) == {"github:y": 10_000}
    assert plan.excluded == (Exclusion(f"{ecosystem}:{name}", "owned by acme", "owned"),)


def test_own_organisation_is_not_excluded_by_a_prefix() -> None:
    """`acme` does not exclude `acme-labs`: owners compare whole, not by prefix."""
    funding = funding_map(
        fund("x", channel("github", "x"), repository="https://github.com/acme-labs/x")
    )
    plan = build_plan({"acme/a": [dep("x")]}, funding, rules(), FIVE, owner="acme")
    assert amounts(plan) == {"github:x": 10_000}


def test_skipped_dependencies_are_excluded_with_their_reason() -> None:
    """Dependencies only declared with a skip_reason are listed with it and weigh nothing."""
    usage = {
        "o/a": [dep("./local", ecosystem="github-actions", skip="local"), dep("g", skip="git")],
        "o/b": [dep("g", skip="url"), dep("x")],
        "o/c": [dep("x", skip="git")],  # x is also used normally: it counts
    }
    plan = build_plan(usage, solo("x", "g"), rules(), FIVE)
    assert amounts(plan) == {"github:x": 10_000}
    assert plan.excluded == (
        Exclusion("github-actions:./local", "local", "skipped"),
        Exclusion("npm:g", "git, url", "skipped"),
    )
    assert plan.lines[0].repositories == ("o/b",)


@pytest.mark.parametrize("ids", [["github:b"], ["github:b", "github:nobody"], ["GitHub:B"]])
def test_excluded_recipients(ids: list[str]) -> None:
    """Recipients excluded by people (any case) get nothing, are listed; the others share."""
    plan = build_plan(
        weighted_usage({"a": 1, "b": 1}), solo("a", "b"), rules(), FIVE, excluded_recipients=ids
    )
    assert amounts(plan) == {"github:a": 10_000}
    assert plan.excluded == (
        Exclusion("github:b", "excluded by a person (`/fundbot exclude`)", "person"),
    )


def test_funded_elsewhere_is_kept_and_flagged() -> None:
    """A recipient paid elsewhere (any case) keeps its line and amount, flagged; the hash moves."""
    usage, funding = weighted_usage({"a": 1, "b": 1}), solo("a", "b")
    plain = build_plan(usage, funding, rules(), FIVE)
    plan = build_plan(usage, funding, rules(), FIVE, funded_elsewhere={"github:A", "github:zz"})
    assert [(ln.recipient, ln.amount, ln.funded_elsewhere) for ln in plan.lines] == [
        ("github:a", 5000, True),
        ("github:b", 5000, False),
    ]
    assert plan.fingerprint != plain.fingerprint


# ---------------------------------------------------------------------------------------
# Exclusion kinds: the closed set code acts on (the reason text is for people)


def exclusion_kinds(plan: Plan) -> list[tuple[str, str]]:
    return [(e.package, e.kind) for e in plan.excluded]


OWN_REPO = fund("x", GH_X, repository="https://github.com/acme/x")
EVIL_REPO = fund("x", GH_X, repository="https://github.com/evil/x")
KIND_CASES = [
    pytest.param({"o/a": [dep("x")]}, funding_map(OWN_REPO), {}, [], ("npm:x", "owned"), id="own"),
    pytest.param(
        {"o/a": [dep("x")]},
        funding_map(fund("x", channel("github", "ACME"))),
        {},
        [],
        ("github:acme", "owned"),
        id="own-account",
    ),
    pytest.param(
        {"o/a": [dep("x")]}, solo("x"), {"exclude": ("npm:*",)}, [], ("npm:x", "pattern"), id="pkg"
    ),
    pytest.param(
        {"o/a": [dep("x")]},
        funding_map(EVIL_REPO),
        {"exclude": ("https://github.com/evil/*",)},
        [],
        ("npm:x", "pattern"),
        id="repository-pattern",
    ),
    pytest.param(
        {"o/a": [dep("x")]},
        solo("x"),
        {"exclude": ("github:*",)},
        [],
        ("github:x", "pattern"),
        id="recipient-pattern",
    ),
    pytest.param(
        {"o/a": [dep("x", skip="git")]}, solo("x"), {}, [], ("npm:x", "skipped"), id="skipped"
    ),
    pytest.param(
        {"o/a": [dep("x")]}, solo("x"), {}, ["GitHub:X"], ("github:x", "person"), id="person"
    ),
    # A command's pattern that is a whole id is also a typed id (`plan_inputs`): a person's.
    pytest.param(
        {"o/a": [dep("x")]},
        solo("x"),
        {"exclude": ("github:x",)},
        ["github:x"],
        ("github:x", "person"),
        id="person-over-pattern",
    ),
    pytest.param(
        {"o/a": [dep("x")]},
        funding_map(fund("x", channel("patreon", "x"))),
        {"platform_order": ("github",)},
        [],
        ("npm:x", "platform"),
        id="platform",
    ),
    pytest.param(
        {"o/a": [dep("x", scope="dev")]},
        solo("x"),
        {"scope_weights": ZERO},
        [],
        ("npm:x", "unused"),
        id="unused",
    ),
    pytest.param(
        weighted_usage({"a": 10, "x": 1}),
        solo("a", "x"),
        {"budget": 1000, "min_amount": 100},
        [],
        ("github:x", "below_minimum"),
        id="below-minimum",
    ),
    pytest.param(
        weighted_usage({"a": 2, "x": 1}),
        solo("a", "x"),
        {"max_recipients": 1},
        [],
        ("github:x", "max_recipients"),
        id="max-recipients",
    ),
]


@pytest.mark.parametrize(("usage", "funding", "changes", "people", "expected"), KIND_CASES)
def test_exclusion_kinds(
    usage: dict[str, list[Dependency]],
    funding: dict[tuple[str, str], PackageFunding],
    changes: dict[str, Any],
    people: list[str],
    expected: tuple[str, str],
) -> None:
    """Every exclusion the plan makes carries the kind of rule that made it."""
    plan = build_plan(
        usage, funding, rules(**changes), FIVE, owner="acme", excluded_recipients=people
    )
    assert exclusion_kinds(plan) == [expected]


def test_every_kind_is_made_by_the_plan() -> None:
    """The table covers each kind but the hand-made default, which the plan never uses."""
    ends = [case.values[-1] for case in KIND_CASES]
    made = {end[1] for end in ends if isinstance(end, tuple)}
    assert made == set(EXCLUSION_KINDS) - {"other"}
    assert Exclusion("npm:x", "by hand").kind == "other"


def test_kinds_leave_texts_and_fingerprint_as_they_were() -> None:
    """Kinds change no reason text and no fingerprint (pinned from before kinds existed)."""
    usage = {
        **weighted_usage({"a": 10, "b": 1, "c": 3}),
        "o/z": [dep("skipped", skip="git"), dep("devonly", scope="dev"), dep("own"), dep("p")],
    }
    funding = {
        **solo("a", "b", "c"),
        **funding_map(
            fund("own", channel("github", "own"), repository="https://github.com/acme/own"),
            fund("p", channel("patreon", "p")),
        ),
    }
    config = rules(budget=1000, min_amount=100, scope_weights=ZERO, platform_order=("github",))
    plan = build_plan(usage, funding, config, FIVE, owner="acme", excluded_recipients=["github:c"])
    assert [(e.package, e.kind, e.reason) for e in plan.excluded] == [
        ("github:b", "below_minimum", "would get less than `min_amount` (USD 100)"),
        ("github:c", "person", "excluded by a person (`/fundbot exclude`)"),
        ("npm:devonly", "unused", "weight 0 under `scope_weights` and `transitive_weight`"),
        ("npm:own", "owned", "owned by acme"),
        ("npm:p", "platform", "funding only on platforms not in `platform_order`: patreon"),
        ("npm:skipped", "skipped", "git"),
    ]
    assert plan.fingerprint == "f0d9efa4282664ee"


# ---------------------------------------------------------------------------------------
# Unfunded, attribution, errors, fingerprint


def test_unfunded_most_used_first() -> None:
    """Dependencies without a channel are listed by weight, then name, with their repository."""
    usage = {"o/a": [dep("b"), dep("a", scope="dev"), dep("c")], "o/b": [dep("c"), dep("z")]}
    funding = funding_map(
        fund("a", repository="https://github.com/a/a"),
        fund("b"),
        fund("c"),
        fund("z", channel("github", "z")),
    )
    plan = build_plan(usage, funding, rules(), FIVE)
    assert [(u.package, u.weight, u.repository, u.repositories) for u in plan.unfunded] == [
        ("npm:c", 2.0, None, ("o/a", "o/b")),
        ("npm:b", 1.0, None, ("o/a",)),
        ("npm:a", 0.5, "https://github.com/a/a", ("o/a",)),
    ]
    assert plan.dependencies_covered == 1


@pytest.mark.parametrize(
    ("usage", "budget", "expected"),
    [
        ({"o/a": [dep("x")], "o/b": [dep("x", scope="dev")]}, 300, {"o/a": 200, "o/b": 100}),
        (
            {"o/a": [dep("x")], "o/b": [dep("x")], "o/c": [dep("x")]},
            100,
            {"o/a": 34, "o/b": 33, "o/c": 33},
        ),
        (
            {"o/a": [dep("x"), dep("y")], "o/b": [dep("y", direct=False)]},
            900,
            {"o/a": 800, "o/b": 100},
        ),
    ],
)
def test_attribution(
    usage: dict[str, list[Dependency]], budget: int, expected: dict[str, int]
) -> None:
    """A line splits across repositories by their share of its weight and sums to the line."""
    funding = funding_map(fund("x", channel("github", "m")), fund("y", channel("github", "m")))
    (line,) = build_plan(usage, funding, rules(budget=budget), FIVE).lines
    assert {a.repository: a.amount for a in line.attribution} == expected
    assert [a.amount for a in line.attribution] == sorted(expected.values(), reverse=True)


def test_errors_are_carried_sorted_and_unique() -> None:
    """Scan errors reach the plan, once each, in a stable order."""
    errors = [
        ScanError("b/package.json", "bad"),
        ScanError("a/go.mod", "x"),
        ScanError("b/package.json", "bad"),
    ]
    plan = build_plan({}, {}, rules(), FIVE, errors=errors)
    assert plan.errors == (ScanError("a/go.mod", "x"), ScanError("b/package.json", "bad"))
    assert plan.lines == ()
    assert plan.notes == (
        "no dependency accepts funding on a usable platform yet: nothing allocated",
    )


def test_fingerprint() -> None:
    """16 hex digits; same for reordered input and new lookup times, different on real change."""
    usage = {"o/a": [dep("a"), dep("b", scope="dev")], "o/b": [dep("a")]}
    funding = solo("a", "b")
    base = build_plan(usage, funding, rules(), FIVE)
    reordered = {"o/b": [dep("a")], "o/a": [dep("b", scope="dev"), dep("a")]}
    later = {k: replace(v, checked_at=99.0) for k, v in reversed(funding.items())}
    assert len(base.fingerprint) == 16
    assert int(base.fingerprint, 16) >= 0
    assert build_plan(reordered, later, rules(), FIVE).fingerprint == base.fingerprint
    changed = [
        build_plan(usage, funding, rules(budget=1), FIVE),
        build_plan(usage, funding, rules(max_share=0.5), FIVE),
        build_plan(usage, funding, rules(min_amount=1), FIVE),
        build_plan(usage, funding, rules(transitive_weight=0.3), FIVE),
        build_plan(usage, funding, rules(exclude=("npm:zzz",)), FIVE),
        build_plan({"o/a": usage["o/a"]}, funding, rules(), FIVE),
        build_plan(
            usage, {**funding, ("npm", "b"): fund("b", channel("github", "a"))}, rules(), FIVE
        ),
        build_plan(usage, funding, rules(), FIVE, excluded_recipients=["github:b"]),
        build_plan(usage, funding, rules(), DeveloperCount(6, "configured")),
    ]
    assert len({p.fingerprint for p in changed} | {base.fingerprint}) == len(changed) + 1


def test_unfunded_packages_carry_why_nothing_is_known() -> None:
    """An unfunded package keeps the resolver's reason: an answer, or a failed lookup."""
    deps = [
        Dependency("npm", "left-pad", "1.0.0", "runtime", True, "package.json"),
        Dependency("cargo", "anyhow", "1.0.0", "runtime", True, "Cargo.toml"),
    ]
    funding = {
        ("npm", "left-pad"): PackageFunding(
            "npm", "left-pad", None, (), 0.0, "no funding listed on npm"
        ),
        ("cargo", "anyhow"): PackageFunding(
            "cargo", "anyhow", None, (), 0.0, "crates.io: HTTP 503 after 4 attempts"
        ),
    }
    plan = build_plan(
        {"acme/app": deps}, funding, default_config(), DeveloperCount(1, "configured")
    )
    found = {u.package: (u.reason, u.unchecked) for u in plan.unfunded + plan.unchecked}
    assert [u.package for u in plan.unchecked] == ["cargo:anyhow"]
    assert found == {
        "npm:left-pad": ("no funding listed on npm", False),
        "cargo:anyhow": ("crates.io: HTTP 503 after 4 attempts", True),
    }


def test_attribution_names_the_packages_each_repository_uses() -> None:
    """Each repository's part lists the recipient's packages that repository uses."""
    channel = FundingChannel(
        "github", "https://github.com/sponsors/sindresorhus", "sindresorhus", "npm:funding"
    )
    funding = {
        ("npm", name): PackageFunding("npm", name, None, (channel,), 0.0)
        for name in ("chalk", "got", "ora")
    }

    def dep(name: str) -> Dependency:
        return Dependency("npm", name, "1.0.0", "runtime", True, "package.json")

    usage = {"acme/web": [dep("chalk"), dep("got")], "acme/cli": [dep("chalk"), dep("ora")]}
    plan = build_plan(usage, funding, default_config(), DeveloperCount(2, "configured"))
    (line,) = plan.lines
    parts = {a.repository: sorted(a.packages) for a in line.attribution}
    assert parts == {"acme/cli": ["npm:chalk", "npm:ora"], "acme/web": ["npm:chalk", "npm:got"]}
    assert sum(a.amount for a in line.attribution) == line.amount
