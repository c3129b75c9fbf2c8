"""GitHub Sponsors payments rebuilt by the Pledge reporter's billing rules."""

from __future__ import annotations

import datetime
from decimal import Decimal

from fundbot.ledger.sponsors import Activity, reconstruct, without_recorded
from fundbot.model import Payment

D = datetime.date


def node(
    action: str, day: str, login: str, cents: int, one_time: bool = False
) -> dict[str, object]:
    """A `sponsorsActivities` node as GitHub's GraphQL API returns it."""
    return {
        "action": action,
        "timestamp": f"{day}T10:11:12Z",
        "sponsorable": {"login": login},
        "sponsorsTier": {"monthlyPriceInCents": cents, "isOneTime": one_time},
    }


def rebuilt(*nodes: dict[str, object], until: str) -> list[tuple[str, str, Decimal]]:
    activities = [a for n in nodes if (a := Activity.from_node(n)) is not None]
    return [
        (p.date, p.recipient, p.amount_usd) for p in reconstruct(activities, D.fromisoformat(until))
    ]


def test_monthly_sponsorships_bill_on_the_first_ones_day() -> None:
    """hynek from 10 Jan; pallets from 25 Feb bills at once, then on the 10th like hynek."""
    got = rebuilt(
        node("NEW_SPONSORSHIP", "2026-01-10", "hynek", 10000),
        node("NEW_SPONSORSHIP", "2026-02-25", "pallets", 2500),
        until="2026-04-30",
    )
    assert got == [
        ("2026-01-10", "github:hynek", Decimal(100)),
        ("2026-02-10", "github:hynek", Decimal(100)),
        ("2026-02-25", "github:pallets", Decimal(25)),
        ("2026-03-10", "github:hynek", Decimal(100)),
        ("2026-03-10", "github:pallets", Decimal(25)),
        ("2026-04-10", "github:hynek", Decimal(100)),
        ("2026-04-10", "github:pallets", Decimal(25)),
    ]


def test_one_time_tier_change_cancellation_and_refund() -> None:
    got = rebuilt(
        node("NEW_SPONSORSHIP", "2026-01-05", "hynek", 5000),
        node("NEW_SPONSORSHIP", "2026-01-20", "tiangolo", 20000, one_time=True),
        node("TIER_CHANGE", "2026-02-01", "hynek", 7500),
        node("REFUND", "2026-02-07", "hynek", 7500),
        node("CANCELLED_SPONSORSHIP", "2026-03-01", "hynek", 7500),
        until="2026-05-31",
    )
    assert got == [
        ("2026-01-05", "github:hynek", Decimal(50)),
        ("2026-01-20", "github:tiangolo", Decimal(200)),
        ("2026-02-05", "github:hynek", Decimal(75)),
        ("2026-02-07", "github:hynek", Decimal(-75)),
    ]


def test_reconstructed_payments_are_labelled() -> None:
    activities = [Activity.from_node(node("NEW_SPONSORSHIP", "2026-01-10", "hynek", 100))]
    (payment,) = reconstruct([a for a in activities if a], D(2026, 1, 31))
    assert payment.reconstructed
    assert "reconstructed" in payment.note
    assert "reconstructed" in payment.source


def test_never_counted_twice_with_a_ledger_row() -> None:
    """Same reference, or a recorded GitHub payment to the account in that month: left out."""
    activities = [
        a
        for a in (
            Activity.from_node(node("NEW_SPONSORSHIP", "2026-01-10", "hynek", 10000)),
            Activity.from_node(node("NEW_SPONSORSHIP", "2026-01-12", "pallets", 1000)),
        )
        if a
    ]
    rebuilt_ = reconstruct(activities, D(2026, 3, 31))
    imported = Payment(
        date="2026-02-10",
        recipient="github:hynek",
        amount=Decimal(100),
        currency="USD",
        amount_usd=Decimal(100),
        platform="github",
        reference="ch_3N5DWnEQsq43iHhX1Svht2g7",
    )
    same_ref = rebuilt_[0]  # 2026-01-10 hynek, recorded by hand with the same reference
    kept = without_recorded(rebuilt_, [imported, same_ref])
    assert [(p.date, p.recipient) for p in kept] == [
        ("2026-01-12", "github:pallets"),
        ("2026-02-10", "github:pallets"),  # billed on the account's day, the 10th
        ("2026-03-10", "github:hynek"),
        ("2026-03-10", "github:pallets"),
    ]


def test_a_node_missing_fields_is_skipped() -> None:
    assert Activity.from_node({"action": "NEW_SPONSORSHIP"}) is None


def test_a_sponsorship_without_a_tier_is_skipped_as_the_reporter_does() -> None:
    """The reporter's `except TypeError: continue`: no charge, and no billing day fixed, so
    pallets (25 Feb) stays the account's billing day."""
    tierless = node("NEW_SPONSORSHIP", "2026-02-03", "hynek", 0) | {"sponsorsTier": None}
    got = rebuilt(
        tierless,
        node("TIER_CHANGE", "2026-02-04", "hynek", 0) | {"sponsorsTier": None},
        node("NEW_SPONSORSHIP", "2026-02-25", "pallets", 2500),
        until="2026-03-31",
    )
    assert got == [
        ("2026-02-25", "github:pallets", Decimal(25)),
        ("2026-03-25", "github:pallets", Decimal(25)),
    ]


def test_pending_changes_and_matching_events_change_nothing() -> None:
    got = rebuilt(
        node("NEW_SPONSORSHIP", "2026-01-10", "hynek", 1000),
        node("PENDING_CHANGE", "2026-01-20", "hynek", 5000),
        node("SPONSOR_MATCH_DISABLED", "2026-01-21", "hynek", 5000),
        until="2026-02-28",
    )
    assert [amount for _, _, amount in got] == [Decimal(10), Decimal(10)]
