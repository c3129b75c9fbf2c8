"""Texts rendered from plans made by `fundbot.plan.build.build_plan`: amounts agree everywhere."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
import yaml

from fundbot.config import default_config, validate
from fundbot.jobs.pull_requests import describe_additions
from fundbot.model import Dependency, FundingChannel, PackageFunding
from fundbot.plan.build import build_plan, resolve_developers
from fundbot.render.comment import render_pull_request_comment
from fundbot.render.data_block import parse_data_block
from fundbot.render.exports import pledge_post
from fundbot.render.issue import IssueContext, render_plan_issue, render_repository_issue
from fundbot.render.markdown import MAX_BODY, body_length
from fundbot.render.text import per_month
from tests.render.golden import assert_harmless, assert_no_inline_math
from tests.render.plans import BUILT_USAGE, HOSTILE, built_inputs, built_plan, realistic_context

_ROW = re.compile(r"^\| \[(?P<label>[^\]]*)\]\((?P<url>[^)]*)\)(?P<rest>.*)\|$", re.MULTILINE)
_MONEY = re.compile(r"\| \$([\d,]+) ")


def _rows(body: str) -> list[tuple[str, list[int]]]:
    """(url, every dollar amount in the row, left to right) of each recipient table row."""
    visible = body.split("<details>")[0]
    return [
        (m["url"], [int(a.replace(",", "")) for a in _MONEY.findall(m["rest"] + " |")])
        for m in _ROW.finditer(visible)
    ]


def _data_lines(body: str) -> list[dict[str, object]]:
    data = parse_data_block(body)
    assert data is not None
    lines = data["lines"]
    assert isinstance(lines, list)
    return lines


def test_repository_parts_in_the_issues_add_up_to_each_org_line() -> None:
    """Summed over every repository issue's data block, the parts give each org amount."""
    plan = built_plan()
    totals: dict[str, int] = {}
    for repository in BUILT_USAGE:
        body = render_repository_issue(plan, realistic_context(repository))
        for line in _data_lines(body):
            recipient, amount = str(line["recipient"]), line["amount_usd_per_year"]
            assert isinstance(amount, int)
            totals[recipient] = totals.get(recipient, 0) + amount
    assert totals == {line.recipient: line.amount for line in plan.lines}
    assert sum(totals.values()) == plan.budget


def test_plan_issue_table_equals_the_data_block() -> None:
    """Each plan-table row is a data-block line, in order: same URL, per year, per month."""
    plan = built_plan()
    body = render_plan_issue(plan, realistic_context())
    rows, lines = _rows(body), _data_lines(body)
    assert [url for url, _ in rows] == [line["url"] for line in lines]
    year = [amounts[0] for _, amounts in rows]
    assert year == [line["amount_usd_per_year"] for line in lines]
    month = [amounts[1] for _, amounts in rows]
    # Monthly amounts add up: the column sums to the monthly budget (largest remainder).
    assert sum(month) == per_month(plan.budget)
    assert all(abs(m - y / 12) < 1 for m, y in zip(month, year, strict=True))
    assert sum(year) == plan.budget


@pytest.mark.parametrize("repository", sorted(BUILT_USAGE))
def test_repository_issue_table_equals_the_data_block(repository: str) -> None:
    """A repository table row shows its part (= data block), per month, and the org amount."""
    plan = built_plan()
    body = render_repository_issue(plan, realistic_context(repository))
    org = {line.url: line.amount for line in plan.lines}
    rows, lines = _rows(body), _data_lines(body)
    assert [url for url, _ in rows] == [line["url"] for line in lines]
    for (url, (part, month, whole)), line in zip(rows, lines, strict=True):
        assert (part, whole) == (line["amount_usd_per_year"], org[url])
        assert abs(month - part / 12) < 1
    assert sum(month for _, (_, month, _) in rows) == per_month(sum(p for _, (p, _, _) in rows))
    data = parse_data_block(body)
    assert data is not None
    total = sum(part for _, (part, _, _) in rows)
    assert data["repository_amount"] == total
    assert f"is **\\${total:,}** a year" in body


@pytest.mark.parametrize("estimate", [1, 4])
def test_no_sentence_is_said_twice(estimate: int) -> None:
    """The estimate and a set budget are said once; planner notes do not repeat them."""
    for plan in (built_plan(estimate=estimate), built_plan(budget=60000, estimate=estimate)):
        assert plan.notes  # the planner does write them; the renderer must not repeat them
        for body in (
            render_plan_issue(plan, realistic_context()),
            render_repository_issue(plan, realistic_context("acme/api")),
        ):
            assert "is an estimate" not in body
            assert "the budget is set by" not in body.lower()
            assert body.count("Set `developers` in") == 1


def test_notes_are_sentences() -> None:
    """Notes the planner writes as clauses show as capitalised sentences."""
    body = render_plan_issue(built_plan(min_amount=300), realistic_context())
    notes = body.split("**Notes**\n\n")[1].split("\n\n")[0]
    assert notes.startswith("- ")
    for note in notes.split("\n"):
        assert not note[2].islower(), note
        assert note.endswith("."), note


def _synthetic(
    count: int,
) -> tuple[dict[str, list[Dependency]], dict[tuple[str, str], PackageFunding]]:
    """`count` recipients with five packages each over 300 repositories."""
    usage: dict[str, list[Dependency]] = {}
    funding: dict[tuple[str, str], PackageFunding] = {}
    for i in range(count):
        handle = f"maintainer-with-a-long-handle-{i:05d}"
        channel = FundingChannel("github", f"https://github.com/sponsors/{handle}", handle, "t")
        for j in range(5):
            name = f"package-with-a-rather-long-name-{i:05d}-{j}"
            repo = f"acme/repository-{(i + j) % 300:03d}"
            usage.setdefault(repo, []).append(Dependency("npm", name, None, "runtime", True, "m"))
            funding[("npm", name)] = PackageFunding("npm", name, None, (channel,), 0.0)
    return usage, funding


@pytest.mark.parametrize("count", [1, 10, 100, 5000])
def test_bodies_stay_under_the_limit(count: int) -> None:
    """Plan and repository issues of 1 to 5,000 recipients fit GitHub's 65,536 characters."""
    usage, funding = _synthetic(count)
    config = replace(default_config(), developers=count, min_amount=1, max_share=1.0)
    plan = build_plan(usage, funding, config, resolve_developers(config, None, ""), owner="acme")
    assert len(plan.lines) == count
    ctx = IssueContext("acme", None, "https://github.com/acme/.github/issues/1")
    bodies = [render_plan_issue(plan, ctx)]
    bodies.append(render_repository_issue(plan, replace(ctx, repository="acme/repository-000")))
    for body in bodies:
        assert body_length(body) <= MAX_BODY
        assert_harmless(body)
        assert_no_inline_math(body)
        assert parse_data_block(body) is not None


EXPRESS = ("open_collective", "https://opencollective.com/express", "express")
VITE = ("open_collective", "https://opencollective.com/vite", "vite")


@pytest.mark.parametrize(
    ("package", "channel", "expected"),
    [
        ("npm:cookie-parser", EXPRESS, r"\| \+\$\d+ a year \(\$857 → \$[\d,]+\) \|"),
        ("npm:vite", VITE, r"\| new recipient: \$[\d,]+ a year \|"),
    ],
    ids=["existing-recipient", "new-recipient"],
)
def test_pull_request_comment_tells_new_from_existing(
    package: str, channel: tuple[str, str, str | None], expected: str
) -> None:
    """An addition to an existing recipient shows its change; a new one says it is new."""
    before, after = built_plan(), built_plan(extra={package: (channel,)})
    usage, funding = built_inputs({package: (channel,)})
    added = [dep for dep in usage["acme/web"] if f"{dep.ecosystem}:{dep.name}" == package]
    additions = describe_additions(added, funding, before, after, default_config())
    body = render_pull_request_comment("acme/web#7", additions)
    assert re.search(expected, body), body
    assert "**1 dependency** whose maintainers accept funding" in body
    (data,) = additions
    recipient = f"open_collective:{channel[2]}"
    assert data.recipient == recipient
    assert data.amount_after == next(x.amount for x in after.lines if x.recipient == recipient)
    was = [x.amount for x in before.lines if x.recipient == recipient]
    assert data.amount_before == (was[0] if was else None)


def test_plan_issue_says_what_is_funded_elsewhere() -> None:
    """Finance reads how much goes to recipients funded elsewhere and how much is left."""
    plan = built_plan()
    body = render_plan_issue(plan, realistic_context())
    elsewhere = sum(line.amount for line in plan.lines if line.funded_elsewhere)
    assert elsewhere > 0
    rest = plan.budget - elsewhere
    assert (
        f"Of this, ${elsewhere:,} a year goes to 1 recipient you already fund elsewhere; "
        f"the other ${rest:,} a year is paid through this plan."
    ) in body
    assert "tidelift" not in body.split("```csv\n")[1].split("```")[0]


@pytest.mark.parametrize("repository", sorted(BUILT_USAGE))
def test_repository_summary_never_counts_zero(repository: str) -> None:
    """No `0 dependencies have…` or `reach 0`: absent things are not counted out loud."""
    body = render_repository_issue(built_plan(), realistic_context(repository))
    summary = body.split("\n\n")[1]
    assert not re.search(r"\b0 (dependenc|recipient)", summary)
    assert summary.startswith("This repository's part of [the organisation's plan](")


@pytest.mark.parametrize(
    ("per_developer", "expected"),
    [
        (2000, "**\\$8,000** a year, $2,000 for each of an estimated 4 developers (distinct"),
        (
            500,
            "**\\$2,000** a year, $500 for each of an estimated 4 developers (distinct human"
            " commit authors in the last 90 days), where the Pledge asks $2,000, to",
        ),
    ],
)
def test_summary_warns_below_the_pledge_minimum(per_developer: int, expected: str) -> None:
    """An OSPO sees at once when the plan gives less per developer than the Pledge asks."""
    body = render_plan_issue(built_plan(per_developer=per_developer), realistic_context())
    assert expected in body.split("\n\n")[1]
    assert ("where the Pledge asks" in body) is (per_developer < 2000)


def test_long_plan_folds_only_what_the_table_shows() -> None:
    """With 500 recipients: the full package lists cover the 100 table rows only, and the
    pointer to comment commands is a paragraph of its own, not part of the last list item."""
    usage, funding = _synthetic(500)
    config = replace(default_config(), developers=500, min_amount=1, max_share=1.0)
    plan = build_plan(usage, funding, config, resolve_developers(config, None, ""), owner="acme")
    body = render_plan_issue(plan, IssueContext("acme", None, None))
    assert "All packages of the 100 recipients with more than three" in body
    assert "…and 400 more recipients receiving" in body
    assert "-->\n\nFor the other 470 recipients, comment" in body


@pytest.mark.parametrize(("per_developer", "meets"), [(2000, True), (3000, True), (500, False)])
def test_pledge_post_claims_the_pledge_only_when_met(per_developer: int, meets: bool) -> None:
    """The post says `as the Pledge asks` only when it paid $2,000 per developer or more."""
    post = pledge_post(built_plan(per_developer=per_developer), year=2026, organisation="Acme")
    assert ("asks of its members" in post) is meets
    assert ("asks its members for $2,000 per developer" in post) is not meets
    assert "2 dependencies we use had no known way to receive money." in post


@pytest.mark.parametrize("owner", ["acme", "Contoso-Labs", HOSTILE])
def test_how_to_change_sample_is_a_valid_configuration(owner: str) -> None:
    """The YAML sample in every issue loads and validates: each key exists in default.yml."""
    body = render_plan_issue(built_plan(), IssueContext(owner, None, None))
    sample = body.split("```yaml\n")[1].split("```")[0]
    config = validate(yaml.safe_load(sample), ".github/fundbot.yml")
    expected = f"npm:@{owner}/*" if owner != HOSTILE else "npm:@your-org/*"
    assert config.exclude == (expected,)
    assert config.developers == 25
