"""Unknown is not unfunded: the plan holds back the unchecked share, exactly (issue 11)."""

from __future__ import annotations

from dataclasses import replace

from fundbot.model import Dependency, PackageFunding
from fundbot.plan.build import build_plan
from fundbot.render.exports import plan_json, pledge_post
from fundbot.render.text import coverage_sentence
from tests.test_pledge import FIVE, channel, dep, fund, funding_map, rules

DOWN = "crates.io: connection failed (ClientConnectorError) after 4 attempts"
NO_TOKEN = "GitHub not consulted: no token (set GITHUB_TOKEN)"


def unchecked(name: str, reason: str, ecosystem: str = "npm") -> PackageFunding:
    return PackageFunding(ecosystem, name, None, (), 1.0, reason)


def _org() -> tuple[dict[str, list[Dependency]], dict[tuple[str, str], PackageFunding]]:
    usage = {
        "o/a": [
            dep("funded"),
            dep("checked-none"),
            dep("serde", ecosystem="cargo"),
            dep("tokio", ecosystem="cargo"),
            dep("chalk", scope="dev"),
        ]
    }
    funding = funding_map(
        fund("funded", channel("github", "ann")),
        fund("checked-none"),  # looked up: nothing anywhere fundbot looked
        unchecked("serde", DOWN, "cargo"),
        unchecked("tokio", DOWN, "cargo"),
        unchecked("chalk", NO_TOKEN),
    )
    return usage, funding


def test_the_unchecked_share_is_held_back_and_lines_plus_held_back_are_the_budget() -> None:
    usage, funding = _org()
    plan = build_plan(usage, funding, rules(budget=1000), FIVE)
    # W = 1 + 1 + 1 + 1 + 0.5 = 4.5, U = 2.5: 1000 x 2.5 / 4.5 = 555.56 -> 556.
    assert plan.held_back.amount == 556
    assert plan.held_back.packages == 3
    assert dict(plan.held_back.reasons) == {"crates.io unreachable": 2, "GitHub not consulted": 1}
    assert sum(line.amount for line in plan.lines) == 1000 - 556
    assert [u.package for u in plan.unfunded] == ["npm:checked-none"]
    assert [u.package for u in plan.unchecked] == ["cargo:serde", "cargo:tokio", "npm:chalk"]


def test_json_has_held_back_and_unchecked_apart_from_unfunded() -> None:
    usage, funding = _org()
    body = plan_json(build_plan(usage, funding, rules(budget=1000), FIVE))["plan"]
    assert body["held_back"] == {
        "amount_usd_per_year": 556,
        "packages": 3,
        "reasons": {"crates.io unreachable": 2, "GitHub not consulted": 1},
    }
    assert [(u["package"], u["reason"]) for u in body["unchecked"]] == [
        ("cargo:serde", "crates.io unreachable"),
        ("cargo:tokio", "crates.io unreachable"),
        ("npm:chalk", "GitHub not consulted"),
    ]
    assert [u["package"] for u in body["unfunded"]] == ["npm:checked-none"]


def test_coverage_sentence_names_every_reason() -> None:
    usage, funding = _org()
    plan = build_plan(usage, funding, rules(budget=1000), FIVE)
    assert coverage_sentence(plan) == (
        "checked 44% of dependency weight; $556 held back until 3 packages can be checked:"
        " crates.io unreachable (2), GitHub not consulted (1)"
    )


def test_once_checked_the_share_is_released() -> None:
    """The next run checks them: nothing is held back and the whole budget is allocated."""
    usage, funding = _org()
    checked = {key: replace(info, unknown_reason=None) for key, info in funding.items()}
    plan = build_plan(usage, checked, rules(budget=1000), FIVE)
    assert plan.held_back.amount == 0
    assert sum(line.amount for line in plan.lines) == 1000
    assert coverage_sentence(plan) == "checked 100% of dependency weight; nothing held back"


def test_pledge_post_never_calls_an_unchecked_package_unfunded() -> None:
    usage, funding = _org()
    post = pledge_post(
        build_plan(usage, funding, rules(budget=1000), FIVE), year=2026, organisation="acme"
    )
    assert "1 dependency we use had no known way to receive money." in post
    assert "We could not yet check whether 3 dependencies accept money" in post
    assert "\\$556" in post


def test_plan_issue_leads_with_the_held_back_line_and_lists_unchecked_apart() -> None:
    from fundbot.render.context import IssueContext
    from fundbot.render.issue import render_plan_issue

    usage, funding = _org()
    plan = build_plan(usage, funding, rules(budget=1000), FIVE)
    body = render_plan_issue(plan, IssueContext("acme", None, None))
    first = body.split("\n\n")[1]
    assert first.startswith("**Coverage:** Checked 44% of dependency weight; \\$556 held back")
    assert "crates.io unreachable (2), GitHub not consulted (1)" in first
    asking, _, rest = body.partition("could not be checked this time (not unfunded)")
    assert "1 dependency without a known funding channel" in asking
    assert "npm:checked-none" in asking
    assert "cargo:serde" not in asking
    assert "cargo:serde" in rest
    assert "npm:chalk" in rest
    assert "held back" in rest
