"""The repository issue and the organisation plan issue: golden files, limits, safety."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from fundbot.model import Plan, ScanError
from fundbot.render.commands import command_items
from fundbot.render.data_block import find_marker, parse_data_block, plan_data
from fundbot.render.issue import (
    IssueContext,
    issue_title,
    render_plan_issue,
    render_repository_issue,
    repository_lines,
)
from fundbot.render.markdown import MAX_BODY, body_length
from tests.render.golden import assert_golden, assert_harmless, assert_no_inline_math
from tests.render.plans import (
    built_plan,
    config_errors_context,
    empty_plan,
    hostile_context,
    hostile_plan,
    huge_plan,
    realistic_context,
    realistic_plan,
)

Renderer = Callable[[Plan, IssueContext], str]
SCENARIOS: list[tuple[str, Renderer, Callable[[], Plan], Callable[[], IssueContext]]] = [
    ("plan_issue_realistic.md", render_plan_issue, realistic_plan, realistic_context),
    (
        "repository_issue_realistic.md",
        render_repository_issue,
        realistic_plan,
        lambda: realistic_context("acme/api"),
    ),
    (
        "plan_issue_empty.md",
        render_plan_issue,
        empty_plan,
        lambda: IssueContext("acme", None, None),
    ),
    (
        "repository_issue_config_errors.md",
        render_repository_issue,
        empty_plan,
        config_errors_context,
    ),
    ("plan_issue_built.md", render_plan_issue, built_plan, realistic_context),
    (
        "repository_issue_built.md",
        render_repository_issue,
        built_plan,
        lambda: realistic_context("acme/api"),
    ),
    ("plan_issue_hostile.md", render_plan_issue, hostile_plan, hostile_context),
    ("repository_issue_hostile.md", render_repository_issue, hostile_plan, hostile_context),
]


@pytest.mark.parametrize(
    ("name", "render", "plan", "context"), SCENARIOS, ids=[s[0] for s in SCENARIOS]
)
def test_golden(
    name: str, render: Renderer, plan: Callable[[], Plan], context: Callable[[], IssueContext]
) -> None:
    """Each scenario renders exactly as its reviewed golden file, and renders harmlessly."""
    body = render(plan(), context())
    assert_golden(name, body)
    assert_harmless(body)
    assert_no_inline_math(body)
    assert body_length(body) <= MAX_BODY
    assert find_marker(body.split("\n", 1)[0]) is not None
    assert parse_data_block(body) is not None


def test_plan_issue_data_block_is_the_plan() -> None:
    """The plan issue's data block is plan_data of the plan with the issue's state."""
    ctx = realistic_context()
    body = render_plan_issue(realistic_plan(), ctx)
    assert parse_data_block(body) == plan_data(realistic_plan(), state=ctx.state)
    assert find_marker(body) == ("plan", "acme")


def test_repository_issue_shows_only_its_lines_with_attributed_amounts() -> None:
    """acme/api reaches three recipients; each shows acme/api's attributed part."""
    body = render_repository_issue(realistic_plan(), realistic_context("acme/api"))
    data = parse_data_block(body)
    assert data is not None
    amounts = {line["recipient"]: line["amount_usd_per_year"] for line in data["lines"]}
    assert amounts == {
        "open_collective:express": 4000,
        "github:pallets": 2200,
        "github:sindresorhus": 1000,
    }
    assert data["scope"] == "acme/api"
    assert "**\\$7,200** a year" in body
    assert "(https://github.com/acme/.github/issues/1)" in body
    assert "rust-lang" not in body.split("<!-- fundbot:data")[0]


def test_repository_parts_add_up_to_the_organisation_plan() -> None:
    """Summed over repositories, the attributed parts give back every org-level line."""
    plan = realistic_plan()
    repositories = {r for line in plan.lines for r in line.repositories}
    totals: dict[str, int] = {}
    for repository in sorted(repositories):
        for line in repository_lines(plan, repository):
            totals[line.recipient] = totals.get(line.recipient, 0) + line.amount
    assert totals == {line.recipient: line.amount for line in plan.lines}


@pytest.mark.parametrize(
    ("source", "method", "budget", "expected"),
    [
        (
            "configured",
            "`developers` in .github/fundbot.yml",
            20000,
            "$2,000 for each of 10 developers, as configured (`developers` in .github/fundbot.yml)",
        ),
        (
            "estimate",
            "commit authors in 90 days",
            20000,
            "$2,000 for each of an estimated 10 developers (commit authors in 90 days)",
        ),
        ("configured", "", 50000, "**\\$50,000** a year, as set by `budget`, for 10 developers,"),
        (
            "configured",
            "",
            5000,
            "10 developers, as configured, only $500 each where the Pledge asks $2,000,",
        ),
    ],
)
def test_summary_says_how_developers_were_counted(
    source: str, method: str, budget: int, expected: str
) -> None:
    """The summary names the developer count's source and method, or the `budget` setting."""
    plan = replace(
        realistic_plan(),
        developers_source=source,  # type: ignore[arg-type]
        developers_method=method,
        budget=budget,
    )
    body = render_plan_issue(plan, realistic_context())
    summary = body.split("\n\n")[1]
    assert expected in summary
    assert ("Set `developers` in" in body) is (source == "estimate")
    exact = budget == 20000
    assert ("for an exact budget" in body) is (source == "estimate" and exact)


@pytest.mark.parametrize("render", [render_plan_issue, render_repository_issue])
def test_huge_plan_fits(render: Renderer) -> None:
    """4,000 recipients and 20,000 packages still render under GitHub's limit, parseable."""
    plan = huge_plan()
    body = render(plan, realistic_context("acme/repository-001"))
    assert body_length(body) <= MAX_BODY
    data = parse_data_block(body)
    assert data is not None
    assert data["budget"] == plan.budget
    assert body.count("<details") == body.count("</details>")


def test_huge_plan_table_sums_up_the_rest() -> None:
    """The table shows 100 recipients and says how many more there are and their total."""
    body = render_plan_issue(huge_plan(), realistic_context())
    assert "| [maintainer-00099](https://github.com/sponsors/maintainer-00099) |" in body
    assert "maintainer-00100](" not in body
    assert "…and 3,900 more recipients receiving $390,000 a year in total" in body
    assert "This text was cut" in body


def ticked(body: str | None, command: str) -> list[str]:
    """The recipients whose `command` box is ticked, as the issues event reads them."""
    prefix = command + ":"
    return sorted(
        key.removeprefix(prefix)
        for key, on in command_items(body).items()
        if on and key.startswith(prefix)
    )


def test_checkboxes_follow_the_state_and_parse_back() -> None:
    """Ticked boxes come from ctx.state, and command_items reads the same state back."""
    ctx = replace(
        realistic_context(),
        state={
            "rescan": True,
            "excluded": ["github:someone"],
            "funded_elsewhere": ["github:pallets"],
        },
    )
    body = render_plan_issue(realistic_plan(), ctx)
    assert "- [x] Rescan now" in body
    assert command_items(body)["rescan"] is True
    assert ticked(body, "exclude") == ["github:someone"]
    assert ticked(body, "funded-elsewhere") == ["github:pallets", "tidelift:pypi-requests"]


def test_commands_parse_a_ticked_box() -> None:
    """A person ticking `exclude` on a recipient is read as that recipient excluded."""
    body = render_plan_issue(realistic_plan(), realistic_context())
    changed = body.replace(
        "- [ ] exclude from the plan <!-- fundbot:command:exclude:url:https://example.org",
        "- [x] exclude from the plan <!-- fundbot:command:exclude:url:https://example.org",
    )
    assert ticked(changed, "exclude") == ["github:someone", "url:https://example.org/donate"]
    assert command_items(None) == {}


def test_hostile_recipient_round_trips_through_commands() -> None:
    """A recipient id full of markup is encoded in its tag and decoded back intact."""
    plan = hostile_plan()
    body = render_plan_issue(plan, replace(hostile_context(), state={}))
    hostile_id = plan.lines[1].recipient
    changed = body.replace("- [ ] exclude", "- [x] exclude")
    assert hostile_id in ticked(changed, "exclude")


def test_commands_are_offered_for_the_first_30_recipients() -> None:
    """Past 30 recipients the issue points to comment commands instead of more boxes."""
    body = render_plan_issue(huge_plan(40), IssueContext("acme", None, None))
    assert body.count("exclude from the plan") == 30
    assert "For the other 10 recipients" in body


@pytest.mark.parametrize(
    ("kind", "scope", "expected"),
    [
        ("repository", "acme/web", "Funding the open source this repository uses"),
        ("plan", "acme", "Open Source Pledge: our funding plan"),
        ("pull-request", "acme/web#3", "Funding for acme/web#3"),
    ],
)
def test_issue_title(kind: str, scope: str, expected: str) -> None:
    """Titles are plain and short; fundbot finds issues by marker, not title."""
    assert issue_title(kind, scope) == expected  # type: ignore[arg-type]


def test_repository_issue_shows_only_its_own_unreadable_files() -> None:
    """Org-wide errors are `owner/repo: path`; a repository issue lists its own, unprefixed."""
    plan = replace(
        realistic_plan(),
        errors=(
            ScanError("acme/api: package.json", "invalid JSON"),
            ScanError("acme/web: go.mod", "unknown directive"),
        ),
    )
    body = render_repository_issue(plan, realistic_context("acme/api"))
    assert "| package.json | invalid JSON |" in body
    assert "go.mod" not in body
    assert "go.mod" in render_plan_issue(plan, realistic_context())
