"""Planned against paid: a year across two platforms, one payment outside the plan, one
recipient overpaid; money never moved between recipients."""

from __future__ import annotations

import datetime
from dataclasses import replace
from pathlib import Path

from fundbot.ledger.local import read_ledger
from fundbot.ledger.reconcile import months_left, reconcile
from fundbot.model import Plan
from fundbot.render.exports import plan_json, sponsors_csv
from tests.render.plans import realistic_plan

LEDGER = Path(__file__).parent.parent / "fixtures" / "payments" / "ledger"
TODAY = datetime.date(2026, 10, 15)


def paid_plan() -> Plan:
    return reconcile(realistic_plan(), read_ledger(LEDGER).payments, 2026, today=TODAY)


def test_each_line_gets_paid_and_remaining_for_the_year() -> None:
    plan = paid_plan()
    got = {line.recipient: (line.amount, line.paid_usd, line.remaining_usd) for line in plan.lines}
    assert got == {
        "github:sindresorhus": (4000, 2000, 2000),  # December 2025 does not count for 2026
        "open_collective:express": (4000, 1500, 2500),
        "github:pallets": (3200, 3500, 0),  # overpaid: never negative
        "tidelift:pypi-requests": (2800, 0, 2800),
        "liberapay:rust-lang": (4000, 0, 4000),
        "url:https://example.org/donate": (2000, 0, 2000),
    }
    (pallets,) = [line for line in plan.lines if line.recipient == "github:pallets"]
    assert pallets.overpaid_usd == 300


def test_payments_outside_the_plan_count_toward_the_total_not_a_line() -> None:
    plan = paid_plan()
    assert plan.payments_outside_plan == 1080
    assert plan.paid_usd == 2000 + 1500 + 3500 + 1080
    assert sum(line.paid_usd for line in plan.lines) == plan.paid_usd - 1080
    assert {p.platform for p in plan.payments} == {"github", "open_collective", "custom"}


def test_an_overpaid_line_takes_nothing_from_the_others() -> None:
    """The others' remaining is their line minus their own payments, whatever pallets got."""
    plan = paid_plan()
    assert sum(line.remaining_usd for line in plan.lines) == (
        sum(line.amount for line in plan.lines) - 2000 - 1500 - 3200
    )
    assert [line.amount for line in plan.lines] == [line.amount for line in realistic_plan().lines]


def test_another_year_counts_only_its_own_payments() -> None:
    plan = reconcile(realistic_plan(), read_ledger(LEDGER).payments, 2025, today=TODAY)
    assert plan.paid_usd == 500
    assert plan.paid_year == 2025


def test_sponsors_csv_offers_only_what_remains_over_the_months_left() -> None:
    """October: three months left; sindresorhus still needs $2,000, pallets nothing."""
    plan = paid_plan()
    assert plan.months_left == 3
    assert sponsors_csv(plan, "monthly").splitlines()[1:] == ["sindresorhus,667"]
    assert sponsors_csv(plan, "one-time").splitlines()[1:] == ["sindresorhus,2000"]
    # Without a ledger the plan's own per-month column (largest remainder, issue 11).
    assert sponsors_csv(realistic_plan(), "monthly").splitlines()[1:] == [
        "sindresorhus,334",
        "pallets,267",
    ]


def test_months_left() -> None:
    assert months_left(2026, datetime.date(2026, 1, 5)) == 12
    assert months_left(2026, datetime.date(2026, 12, 5)) == 1
    assert months_left(2027, datetime.date(2026, 12, 5)) == 12
    assert months_left(2025, datetime.date(2026, 12, 5)) == 1


def test_plan_json_carries_paid_and_remaining() -> None:
    body = plan_json(paid_plan())["plan"]
    assert body["paid_usd"] == 8080
    assert body["payments_outside_plan"] == 1080
    (pallets,) = [line for line in body["lines"] if line["recipient"] == "github:pallets"]
    assert (pallets["paid_usd"], pallets["remaining_usd"]) == (3500, 0)
    assert len(body["payments"]) == 4
    # Without a ledger the JSON is as it was: no paid keys claiming $0.
    assert "paid_usd" not in plan_json(replace(realistic_plan()))["plan"]


def test_a_url_recipient_with_capitals_meets_its_line() -> None:
    """Ids are compared as written: a URL keeps its path's case on both sides, so a payment
    to `…/Donate` counts on the `…/Donate` line, not nowhere."""
    base = realistic_plan()
    donate = "url:https://example.org/Donate"
    lines = tuple(
        replace(line, recipient=donate) if line.recipient.startswith("url:") else line
        for line in base.lines
    )
    (payment,) = [p for p in read_ledger(LEDGER).payments if p.platform == "github"][:1]
    paid = replace(payment, recipient=donate, date="2026-03-01", amount_usd=payment.amount_usd)
    plan = reconcile(replace(base, lines=lines), [paid], 2026, today=TODAY)
    (line,) = [line for line in plan.lines if line.recipient == donate]
    assert line.paid_usd == plan.paid_usd > 0
    assert plan.payments_outside_plan == 0
