"""Planned against paid in the plan issue: the year's progress, per recipient and in total,
and the payments to recipients outside the plan."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from fundbot.ledger.recipients import split_recipient
from fundbot.model import Plan, PlanLine
from fundbot.render import sections
from fundbot.render.context import IssueContext
from fundbot.render.markdown import bullet_list, details, escape, first_few, table, user_link
from fundbot.render.text import money, platform_name
from fundbot.words import plural

BAR_CELLS: Final = 20


def percent(paid: int, of: int) -> int:
    """Whole percent, halves up; 100 when nothing was planned and something was paid."""
    if of <= 0:
        return 100 if paid > 0 else 0
    return int((Decimal(paid) * 100 / of).to_integral_value(rounding="ROUND_HALF_UP"))


def progress(plan: Plan) -> str:
    """`$6,400 of $24,000 paid, 27%` under a bar of the year; empty without a ledger."""
    if not plan.paid_known:
        return ""
    share = percent(plan.paid_usd, plan.budget)
    filled = min(BAR_CELLS, share * BAR_CELLS // 100)
    bar = "█" * filled + "░" * (BAR_CELLS - filled)
    year = f" in {plan.paid_year}" if plan.paid_year else ""
    outside = (
        f", of which {money(plan.payments_outside_plan)} went to recipients outside the plan"
        if plan.payments_outside_plan
        else ""
    )
    return (
        f"**Paid{year}:** `{bar}` {money(plan.paid_usd)} of {money(plan.budget)} paid, "
        f"{share}%{outside}."
    )


def remaining_cell(line: PlanLine) -> str:
    if line.overpaid_usd:
        return f"{money(0)} (overpaid by {money(line.overpaid_usd)})"
    return money(line.remaining_usd)


def paid_table(plan: Plan, ctx: IssueContext) -> str:
    """Recipient, platform, planned, paid, remaining, packages; a total row."""
    if not plan.lines:
        return ""
    header = ["Recipient", "Platform", "Planned", "Paid", "Remaining", "Packages"]
    shown = plan.lines[: sections.TABLE_ROWS]
    rows = [
        [
            sections.recipient_label(line, ctx),
            escape(platform_name(line.platform)),
            money(line.amount),
            money(line.paid_usd),
            remaining_cell(line),
            sections.packages_cell(line.packages),
        ]
        for line in shown
    ]
    planned = sum(line.amount for line in plan.lines)
    paid = sum(line.paid_usd for line in plan.lines)
    remaining = sum(line.remaining_usd for line in plan.lines)
    rows.append(["**Total**", "", money(planned), money(paid), money(remaining), ""])
    return table(header, rows) + sections.more_rows(plan.lines[sections.TABLE_ROWS :])


def outside_plan(plan: Plan) -> str:
    """Payments to recipients the plan does not list: they count toward the Pledge only."""
    if not plan.payments_outside_plan:
        return ""
    listed = {line.recipient for line in plan.lines}
    totals: dict[tuple[str, str], Decimal] = {}
    for payment in plan.payments:
        if payment.recipient not in listed:
            key = (payment.recipient, payment.platform)
            totals[key] = totals.get(key, Decimal(0)) + payment.amount_usd
    items = []
    for (recipient, platform), amount in sorted(totals.items(), key=lambda i: (-i[1], i[0])):
        kind, handle, url = split_recipient(recipient)
        items.append(
            f"{user_link(kind, handle, url)} ({escape(platform_name(platform))}): "
            f"{money(float(amount))}"
        )
    summary = (
        # Escaped: after `<summary>` a `$` could close inline math.
        f"\\{money(plan.payments_outside_plan)} paid to "
        f"{plural(len(totals), 'recipient')} outside the plan"
    )
    intro = (
        "These count toward the Pledge but toward no line of the plan: the plan's amounts "
        "stay as they are.\n\n"
    )
    return details(summary, intro + bullet_list(items, limit=sections.LIST_ITEMS))


def overpaid_note(plan: Plan) -> str:
    """Recipients paid more than their line; the others keep what they still need."""
    over = [line for line in plan.lines if line.overpaid_usd]
    if not over:
        return ""
    names = first_few([user_link(o.platform, o.handle, o.url) for o in over], 5)
    return (
        f"Paid more than planned: {names}. The extra is not taken from the other recipients; "
        "their remaining amounts are unchanged."
    )
