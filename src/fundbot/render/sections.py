"""The sections an issue is made of: summary, table, folded lists, how to change the plan."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from fundbot.model import (
    TO_CONFIRM,
    Because,
    Plan,
    PlanLine,
    UnfundedPackage,
    unconfirmed_account,
)
from fundbot.render.context import IssueContext, state_ids
from fundbot.render.exports import plan_csv, sponsors_csv
from fundbot.render.markdown import (
    bullet_list,
    code,
    details,
    escape,
    escape_with_code,
    first_few,
    github_handle,
    link,
    table,
    user_link,
)
from fundbot.render.text import (
    CONFIG_SAMPLE,
    DEVELOPERS_FIX,
    MORE_RECIPIENTS,
    PLEDGE_MINIMUM,
    PLEDGE_URL,
    SETTINGS_WHERE,
    coverage_sentence,
    money,
    monthly_amounts,
    platform_name,
    strong_money,
)
from fundbot.words import plural

# Rows shown in a table; the rest are summed up in one sentence (the CSV export has all).
TABLE_ROWS: Final = 100
LIST_ITEMS: Final = 200
PACKAGES_PER_RECIPIENT: Final = 100

# A file longer than this would crowd out the rest of the issue (65,536 characters in all).
MAX_FILE_IN_ISSUE: Final = 12_000


def dependencies(count: int) -> str:
    return plural(count, "dependency", "dependencies")


def developers_phrase(plan: Plan) -> str:
    """`25 developers (configured: …)` or `an estimated 12 developers (…)`."""
    count = plural(plan.developers, "developer")
    method = f" ({escape_with_code(plan.developers_method)})" if plan.developers_method else ""
    if plan.developers_source == "configured":
        return f"{count}, as configured{method}"
    return f"an estimated {count}{method}"


def budget_phrase(plan: Plan) -> str:
    """`**$50,000** a year, $2,000 for each of 25 developers…`, or the `budget` setting; says
    when that is less per developer than the Pledge asks."""
    pledge = money(PLEDGE_MINIMUM)
    if plan.budget == plan.developers * plan.per_developer:
        how = f"{money(plan.per_developer)} for each of {developers_phrase(plan)}"
        if plan.per_developer < PLEDGE_MINIMUM:
            how += f", where the Pledge asks {pledge}"
    else:
        each = plan.budget // max(1, plan.developers)
        how = f"as set by `budget`, for {developers_phrase(plan)}"
        if each < PLEDGE_MINIMUM:
            how += f", only {money(each)} each where the Pledge asks {pledge}"
    return f"{strong_money(plan.budget)} a year, {how},"


def have(count: int) -> str:
    """`1 dependency has`, `3 dependencies have`."""
    return f"{dependencies(count)} {'has' if count == 1 else 'have'}"


def plan_summary(plan: Plan) -> str:
    """The plan issue's one-sentence summary."""
    recipients = plural(len(plan.lines), "recipient")
    unfunded = f"; {have(len(plan.unfunded))} no known funding channel" if plan.unfunded else ""
    if not plan.lines:
        return (
            f"Following the [Open Source Pledge]({PLEDGE_URL}), fundbot would give "
            f"{budget_phrase(plan)} but has not found any dependency that accepts money "
            f"yet{unfunded}."
        )
    return (
        f"Following the [Open Source Pledge]({PLEDGE_URL}), fundbot suggests giving "
        f"{budget_phrase(plan)} to **{recipients}** covering "
        f"**{dependencies(plan.dependencies_covered)}**{unfunded}."
    )


def held_back_sentence(plan: Plan) -> str:
    """Coverage, first thing: how much of the dependency weight was checked, and what is
    held back for the rest (empty when everything was checked)."""
    if not plan.held_back.packages:
        return ""
    sentence = escape(coverage_sentence(plan), limit=2000)
    return f"**Coverage:** {sentence[0].upper()}{sentence[1:]}."


def elsewhere_sentence(plan: Plan, ctx: IssueContext) -> str:
    """For whoever pays: how much of the budget goes to recipients already funded elsewhere."""
    marked = state_ids(ctx.state, "funded_elsewhere")
    paid = [line for line in plan.lines if line.funded_elsewhere or line.recipient in marked]
    if not paid:
        return ""
    amount = sum(line.amount for line in paid)
    return (
        f"Of this, {money(amount)} a year goes to {plural(len(paid), 'recipient')} you already "
        f"fund elsewhere; the other {money(plan.budget - amount)} a year is paid through this "
        "plan."
    )


def estimate_hint(plan: Plan, ctx: IssueContext) -> str:
    """How to replace an estimated developer count with the real one (empty if configured)."""
    if plan.developers_source == "configured":
        return ""
    hint = DEVELOPERS_FIX.format(config=code(ctx.config_file))
    if plan.budget != plan.developers * plan.per_developer:
        # With `budget` set the count does not change the amount, only what it is measured by.
        hint = hint.replace(
            " for an exact budget.", f": the Pledge asks {money(PLEDGE_MINIMUM)} a year for each."
        )
    return hint


# Planner notes that only restate the summary (the estimate, a set `budget`): not repeated.
_SAID_IN_SUMMARY: Final = re.compile(
    r"(the budget is set by `budget`|[\d,]+ developers? is an estimate)", re.IGNORECASE
)


def notes(plan: Plan) -> str:
    """The planner's notes (rules that could not all hold) as sentences, minus repetitions."""
    kept = [n.strip() for n in plan.notes if n.strip() and not _SAID_IN_SUMMARY.match(n.strip())]
    if not kept:
        return ""
    sentences = [escape_with_code(_sentence(n)) for n in kept]
    return "**Notes**\n\n" + bullet_list(sentences, limit=20)


def _sentence(note: str) -> str:
    """`the budget is…` → `The budget is….`: the planner writes clauses, people read sentences."""
    note = note[:1].upper() + note[1:]
    return note if note.endswith((".", "!", "?", "…")) else note + "."


def recipient_label(line: PlanLine, ctx: IssueContext) -> str:
    """The recipient linked to where to pay, marked when it is funded elsewhere."""
    label = user_link(line.platform, line.handle, line.url)
    if unconfirmed_account(line.platform, line.handle, line.url):
        label += f" *({TO_CONFIRM})*"
    if line.funded_elsewhere or line.recipient in state_ids(ctx.state, "funded_elsewhere"):
        label += " *(funded elsewhere)*"
    return label


def packages_cell(packages: Sequence[str]) -> str:
    return first_few([escape(p, limit=80) for p in packages]) or "—"


def plan_table(plan: Plan, ctx: IssueContext) -> str:
    """Recipient, platform, per year, per month, packages, repositories; the rest summed."""
    if not plan.lines:
        return ""
    header = ["Recipient", "Platform", "Per year", "Per month", "Packages", "Repositories"]
    monthly = monthly_amounts(plan.lines)
    rows = [
        [
            recipient_label(line, ctx),
            escape(platform_name(line.platform)),
            money(line.amount),
            money(monthly[line.recipient]),
            packages_cell(line.packages),
            first_few([escape(r, limit=100) for r in line.repositories]) or "—",
        ]
        for line in plan.lines[:TABLE_ROWS]
    ]
    return table(header, rows) + more_rows(plan.lines[TABLE_ROWS:])


def more_rows(rest: Sequence[PlanLine]) -> str:
    if not rest:
        return ""
    amount = money(sum(line.amount for line in rest))
    return "\n\n" + MORE_RECIPIENTS.format(count=len(rest), amount=amount)


def all_packages(lines: Sequence[PlanLine]) -> str:
    """Every recipient's full package list, folded, when the table had to shorten one."""
    # Only the rows the table shows; the rest are in no table and in the CSV export.
    long = [line for line in lines[:TABLE_ROWS] if len(line.packages) > 3]
    if not long:
        return ""
    items = [
        f"{user_link(line.platform, line.handle, line.url)}: "
        + first_few([escape(p, limit=80) for p in line.packages], PACKAGES_PER_RECIPIENT)
        for line in long
    ]
    summary = f"All packages of the {plural(len(long), 'recipient')} with more than three"
    return details(summary, bullet_list(items, limit=LIST_ITEMS))


def because_text(because: Because) -> str:
    """`npm:ansi-styles via release-it (dev), 40%`: where a line's weight comes from."""
    via = f" via {because.via.partition(':')[2] or because.via}" if because.via else ""
    return f"{because.package}{via} ({because.scope}), {because.share:.0%}"


def why_amounts(lines: Sequence[PlanLine]) -> str:
    """Each shown recipient's largest contributions, folded: why the plan gives what it gives."""
    shown = [line for line in lines[:TABLE_ROWS] if line.because]
    if not shown:
        return ""
    items = [
        f"{user_link(line.platform, line.handle, line.url)}: "
        + "; ".join(escape(because_text(b), limit=200) for b in line.because)
        for line in shown
    ]
    summary = "Why these amounts: the largest contributions to each recipient's weight"
    return details(summary, bullet_list(items, limit=LIST_ITEMS))


def unfunded_section(plan: Plan, repository: str | None = None) -> str:
    """Dependencies without a funding channel, most used first: who to ask for a FUNDING.yml;
    then those whose lookup failed, which the next run tries again."""
    everything = plan.unfunded + plan.unchecked
    mine = [u for u in everything if repository is None or repository in u.repositories]
    unfunded = [u for u in mine if not u.unchecked]
    unchecked = [u for u in mine if u.unchecked]
    return "\n\n".join(
        part for part in (_asking(unfunded, repository), _unchecked(unchecked)) if part
    )


def _unchecked(unchecked: list[UnfundedPackage]) -> str:
    if not unchecked:
        return ""
    items = [f"{escape(u.package)} — {escape(u.reason or '', limit=200)}" for u in unchecked]
    summary = f"{dependencies(len(unchecked))} could not be checked this time (not unfunded)"
    intro = (
        "Nobody knows yet whether these accept money: a registry or GitHub did not answer, "
        "or fundbot could not ask. Their share of the budget is held back, and fundbot checks "
        "them again on the next scan.\n\n"
    )
    return details(summary, intro + bullet_list(items, limit=LIST_ITEMS))


def _asking(unfunded: list[UnfundedPackage], repository: str | None) -> str:
    if not unfunded:
        return ""
    items = []
    for package in unfunded:
        item = escape(package.package)
        if package.repository:
            item += f" ({link('source', package.repository)})"
        if repository is None and package.repositories:
            item += " — used by " + first_few([escape(r) for r in package.repositories])
        items.append(item)
    summary = f"{dependencies(len(unfunded))} without a known funding channel, most used first"
    their, them = ("Its", "it") if len(unfunded) == 1 else ("Their", "them")
    intro = (
        f"{their} maintainers may not be asking for money yet; a FUNDING.yml or a "
        f"`funding` field in the package metadata would let fundbot include {them}.\n\n"
    )
    return details(summary, intro + bullet_list(items, limit=LIST_ITEMS))


def excluded_section(plan: Plan) -> str:
    """What was left out of the plan and why."""
    if not plan.excluded:
        return ""
    items = [f"{escape(e.package)} — {escape(e.reason, limit=300)}" for e in plan.excluded]
    count = len(plan.excluded)
    what = "package or recipient" if count == 1 else "packages or recipients"
    summary = f"{count:,} {what} left out of the plan"
    return details(summary, bullet_list(items, limit=LIST_ITEMS))


def how_to_change(ctx: IssueContext, *, in_plan_issue: bool, sponsors: bool) -> str:
    """Where the plan's settings live, a YAML sample of its keys, and (when some recipient is
    on GitHub Sponsors) how to pay them all at once."""
    # Inside a code block escaping would show; only keep the path from closing the block.
    config = " ".join(ctx.config_file.replace("`", "'").split())[:200]
    body = (
        SETTINGS_WHERE.format(config=code(ctx.config_file)) + "\n\n"
        "```yaml\n" + CONFIG_SAMPLE.format(config=config, owner=sample_owner(ctx.owner)) + "```"
    )
    if sponsors:
        body += "\n\n" + _how_to_pay(ctx, in_plan_issue)
    return details("How to change this plan", body)


def sample_owner(owner: str) -> str:
    """The organisation for the sample's exclude pattern; a login, else a placeholder."""
    return github_handle(owner) or "your-org"


def _how_to_pay(ctx: IssueContext, in_plan_issue: bool) -> str:
    frequency = "a monthly" if ctx.frequency == "monthly" else "a one-time"
    if in_plan_issue:
        where = "the GitHub Sponsors CSV under *Files for whoever pays* above"
    else:
        where = "the GitHub Sponsors CSV in " + link(
            "the organisation's plan issue", ctx.plan_issue_url
        )
    return (
        f"To pay every GitHub Sponsors recipient at once, upload {where} (or the output of "
        "`fundbot scan --format sponsors-csv`) on GitHub's bulk sponsorship page: it is sized "
        f"as {frequency} sponsorship (`sponsors_frequency`)."
    )


def on_sponsors(lines: Sequence[PlanLine]) -> bool:
    """Whether any line is paid through GitHub Sponsors (what the bulk CSV holds)."""
    return any(
        line.platform == "github" and not line.funded_elsewhere and github_handle(line.handle)
        for line in lines
    )


def payment_files(plan: Plan, ctx: IssueContext) -> str:
    """The files whoever pays needs, ready to copy: GitHub Sponsors bulk CSV, plan CSV.

    Each is left out, with a pointer to the command line, when it would crowd the issue."""
    if not plan.lines:
        return ""
    sponsors = sponsors_csv(plan, ctx.frequency)
    parts = []
    if sponsors.count("\n") > 1:  # more than the header
        parts.append(
            "GitHub Sponsors bulk sponsorship (save as `sponsors.csv` and upload it on "
            "GitHub's bulk sponsorship page):\n\n"
            + _file(sponsors, "`fundbot scan --format sponsors-csv`")
        )
    parts.append(
        "Every line of the plan, for a spreadsheet:\n\n"
        + _file(plan_csv(plan), "`fundbot scan --format csv`")
    )
    return details("Files for whoever pays", "\n\n".join(parts))


def _file(text: str, command: str) -> str:
    if len(text) > MAX_FILE_IN_ISSUE:
        return f"*(too long to show here: {command} writes it)*"
    return fenced(text, "csv")


def fenced(text: str, info: str) -> str:
    """A code block no line of `text` can close: the fence outgrows any backtick run."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"
