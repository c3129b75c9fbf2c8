"""The repository issue and the organisation plan issue."""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from fundbot.model import Plan, PlanLine
from fundbot.render import paid, problems, sections
from fundbot.render.commands import commands_section
from fundbot.render.context import IssueContext
from fundbot.render.data_block import Kind, fit_data, marker, plan_data
from fundbot.render.markdown import escape, first_few, fit_body, link, table
from fundbot.render.private import hide_private, hide_skipped
from fundbot.render.text import NO_LINES, money, monthly_amounts, platform_name, strong_money
from fundbot.words import plural

__all__ = [
    "IssueContext",
    "issue_title",
    "render_plan_issue",
    "render_repository_issue",
    "repository_lines",
]

# The defaults of `issue_title` and `plan_issue_title` in config/default.yml.
TITLES: Final[dict[str, str]] = {
    "repository": "Funding the open source this repository uses",
    "plan": "Open Source Pledge: our funding plan",
    "pull-request": "Funding for {scope}",
}


def issue_title(kind: Kind, scope: str) -> str:
    """The title of fundbot's issue (titles are for people; fundbot finds issues by marker)."""
    flat = " ".join(scope.split())[:100]
    return TITLES[kind].format(scope=flat)


def render_plan_issue(plan: Plan, ctx: IssueContext) -> str:
    """The organisation's plan: every recipient, what was left out, what went wrong.

    With `ctx.privacy` (a public plan repository) private repositories, and packages only
    they use, are folded into "private repositories (N)" everywhere, files and data block
    included; every amount stays as it is."""
    if ctx.privacy is not None:
        plan = hide_private(plan, ctx.privacy)
        ctx = replace(ctx, skipped_repositories=hide_skipped(ctx.skipped_repositories, ctx.privacy))
    parts = [
        marker("plan", ctx.owner),
        sections.held_back_sentence(plan),
        sections.plan_summary(plan),
        paid.progress(plan),
        sections.elsewhere_sentence(plan, ctx),
        sections.estimate_hint(plan, ctx),
        sections.notes(plan),
        (paid.paid_table(plan, ctx) if plan.paid_known else sections.plan_table(plan, ctx))
        or NO_LINES,
        paid.overpaid_note(plan),
        paid.outside_plan(plan),
        problems.config_problems(ctx.config_problems),
        problems.unreadable_files(plan.errors),
        commands_section(plan.lines, ctx.state) if ctx.interactive else "",
        sections.payment_files(plan, ctx),
        sections.how_to_change(ctx, in_plan_issue=True, sponsors=sections.on_sponsors(plan.lines)),
        sections.unfunded_section(plan),
        sections.excluded_section(plan),
        problems.skipped_repositories(ctx.skipped_repositories),
        sections.all_packages(plan.lines),
        sections.why_amounts(plan.lines),
    ]
    return fit_body(parts, tail=fit_data(plan_data(plan, state=ctx.state)))


def repository_lines(plan: Plan, repository: str) -> tuple[PlanLine, ...]:
    """The plan lines this repository's dependencies reach, with its attributed amount."""
    lines = []
    for line in plan.lines:
        if repository not in line.repositories:
            continue
        mine = next((a for a in line.attribution if a.repository == repository), None)
        part = mine.amount if mine is not None else 0
        # A plan built before attributions listed packages has none: keep the line's.
        packages = mine.packages if mine is not None and mine.packages else line.packages
        lines.append((part, replace(line, packages=packages)))
    lines.sort(key=lambda item: (-item[0], item[1].recipient))
    return tuple(replace(line, amount=part) for part, line in lines)


def render_repository_issue(plan: Plan, ctx: IssueContext) -> str:
    """One repository's part of the organisation's plan, with a link to the whole plan."""
    repository = ctx.repository or ""
    lines = repository_lines(plan, repository)
    org_amounts = {line.recipient: line.amount for line in plan.lines}
    view = replace(plan, lines=lines)
    parts = [
        marker("repository", repository),
        sections.held_back_sentence(plan),
        _repository_summary(plan, lines, ctx),
        sections.estimate_hint(plan, ctx),
        _repository_table(lines, org_amounts, ctx) or NO_LINES,
        problems.config_problems(ctx.config_problems),
        problems.unreadable_files(problems.repository_errors(plan.errors, repository)),
        (
            commands_section(lines, ctx.state, per_recipient=False, note=_elsewhere_note(ctx))
            if ctx.interactive
            else ""
        ),
        sections.how_to_change(ctx, in_plan_issue=False, sponsors=sections.on_sponsors(lines)),
        sections.unfunded_section(plan, repository),
        sections.all_packages(lines),
        sections.why_amounts(lines),
    ]
    data = plan_data(view, state=ctx.state)
    data.update(
        scope=repository,
        organisation_budget=plan.budget,
        repository_amount=sum(line.amount for line in lines),
    )
    return fit_body(parts, tail=fit_data(data))


def _elsewhere_note(ctx: IssueContext) -> str:
    where = link("the organisation's plan issue", ctx.plan_issue_url)
    return f"Recipients are excluded or marked as funded elsewhere in {where}."


def _repository_summary(plan: Plan, lines: tuple[PlanLine, ...], ctx: IssueContext) -> str:
    """Its part first (what the engineer asks), then the whole plan it belongs to."""
    unfunded = sum(1 for u in plan.unfunded if ctx.repository in u.repositories)
    asking = (
        f" It also uses {sections.dependencies(unfunded)} with no known funding channel."
        if unfunded
        else ""
    )
    if not plan.lines:
        start = link("The organisation's plan", ctx.plan_issue_url)
        return (
            f"{start} would give {sections.budget_phrase(plan)} but has no recipient yet: "
            f"fundbot has not found any dependency that accepts money.{asking}"
        )
    org_plan = link("the organisation's plan", ctx.plan_issue_url)
    whole = (
        f"The whole plan gives {sections.budget_phrase(plan)} to "
        f"{plural(len(plan.lines), 'recipient')} covering "
        f"{sections.dependencies(plan.dependencies_covered)}."
    )
    if not lines:
        none = f"None of this repository's dependencies receives a share of {org_plan}."
        return f"{none}{asking} {whole}"
    return (
        f"This repository's part of {org_plan} is "
        f"{strong_money(sum(line.amount for line in lines))} a year, to "
        f"**{plural(len(lines), 'recipient')}** its dependencies reach.{asking} {whole}"
    )


def _repository_table(
    lines: tuple[PlanLine, ...], org_amounts: dict[str, int], ctx: IssueContext
) -> str:
    if not lines:
        return ""
    header = ["Recipient", "Platform", "This repository, per year", "Per month"]
    header += ["Organisation, per year", "Packages used here"]
    monthly = monthly_amounts(lines)
    rows = [
        [
            sections.recipient_label(line, ctx),
            escape(platform_name(line.platform)),
            money(line.amount),
            money(monthly[line.recipient]),
            money(org_amounts.get(line.recipient, line.amount)),
            first_few([escape(p, limit=80) for p in line.packages]) or "—",
        ]
        for line in lines[: sections.TABLE_ROWS]
    ]
    return table(header, rows) + sections.more_rows(lines[sections.TABLE_ROWS :])
