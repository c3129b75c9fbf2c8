"""Planned against paid: each plan line's payments in the plan's year, and the rest.

Money is never moved between recipients: an overpaid line stays overpaid, the others keep
what they still need.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from fundbot.model import Payment, Plan


def whole_usd(amount: Decimal) -> int:
    """Whole dollars, halves up: the unit plans are written in."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def year_payments(payments: Iterable[Payment], year: int) -> list[Payment]:
    """The payments dated in `year`, oldest first (ties by reference, for stable output)."""
    found = [p for p in payments if p.date.startswith(f"{year:04d}-")]
    return sorted(found, key=lambda p: (p.date, p.recipient, p.reference))


def months_left(year: int, today: datetime.date) -> int:
    """Months of `year` still to come, the current one included (1 once it is over)."""
    if year > today.year:
        return 12
    if year < today.year:
        return 1
    return 13 - today.month


def reconcile(
    plan: Plan, payments: Iterable[Payment], year: int, *, today: datetime.date | None = None
) -> Plan:
    """The plan with `paid_usd` on each line and in total, for the payments of `year`."""
    mine = year_payments(payments, year)
    by_recipient: dict[str, Decimal] = {}
    for payment in mine:
        by_recipient[payment.recipient] = (
            by_recipient.get(payment.recipient, Decimal(0)) + payment.amount_usd
        )
    # Both sides are canonical ids already (recipient_id for lines, recipient_key for the
    # ledger: handles case-folded, URLs normalised with their paths' case kept), so they are
    # compared as they are; folding one side again would lose `url:…/Donate`.
    listed = {line.recipient for line in plan.lines}
    lines = tuple(
        replace(line, paid_usd=max(0, whole_usd(by_recipient.get(line.recipient, Decimal(0)))))
        for line in plan.lines
    )
    outside = sum((p.amount_usd for p in mine if p.recipient not in listed), Decimal(0))
    total = sum((p.amount_usd for p in mine), Decimal(0))
    return replace(
        plan,
        lines=lines,
        paid_known=True,
        paid_year=year,
        paid_usd=max(0, whole_usd(total)),
        payments_outside_plan=max(0, whole_usd(outside)),
        payments=tuple(mine),
        months_left=months_left(year, today or datetime.date.today()),
    )
