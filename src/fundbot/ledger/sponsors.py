"""GitHub Sponsors payments rebuilt from sponsorship activity, since GitHub's API has no
billing history.

The rules are those of the Open Source Pledge's own reporter
(github.com/opensourcepledge/osp-github-reporter, `report.py`, `reconstruct_payments`, read at
commit c164cb3), each day in its order: cancellations, tier changes and refunds first, then the
billing day's charges, then new sponsorships:
- a new sponsorship is charged on the day it starts; a one-time tier only then; one whose
  tier GitHub does not return is skipped (charged nothing, fixing no billing day);
- the first monthly sponsorship fixes the account's billing day of the month, and every
  monthly sponsorship is charged on that day from then on;
- a tier change changes the amount from the next billing day; a change to a one-time tier is
  one payment and the end of the monthly one;
- a cancellation stops the charges; a refund is a negative payment.
Every payment so built is marked `reconstructed`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from fundbot.model import Payment

SOURCE: Final = "GitHub Sponsors (reconstructed)"


@dataclass(frozen=True, slots=True)
class Activity:
    """One entry of `sponsorsActivities(includeAsSponsor: true)`."""

    action: str  # NEW_SPONSORSHIP, CANCELLED_SPONSORSHIP, TIER_CHANGE, REFUND, …
    day: datetime.date
    login: str  # the sponsored account
    cents: int  # the tier's monthly price (or one-time price)
    one_time: bool
    has_tier: bool = True  # False when GitHub returned no `sponsorsTier`

    @classmethod
    def from_node(cls, node: Mapping[str, Any]) -> Activity | None:
        """An activity from a GraphQL node; None when a field it needs is missing."""
        try:
            tier = node.get("sponsorsTier")
            has_tier = isinstance(tier, Mapping)
            tier = tier if isinstance(tier, Mapping) else {}
            login = str((node.get("sponsorable") or {})["login"])
            day = datetime.date.fromisoformat(str(node["timestamp"])[:10])
            return cls(
                action=str(node["action"]),
                day=day,
                login=login,
                cents=int(tier.get("monthlyPriceInCents") or 0),
                one_time=bool(tier.get("isOneTime")),
                has_tier=has_tier,
            )
        except (KeyError, TypeError, ValueError):
            return None


def reconstruct(activities: Iterable[Activity], until: datetime.date) -> list[Payment]:
    """Every payment the activities imply, from the first activity to `until` inclusive."""
    by_day: dict[datetime.date, list[Activity]] = {}
    for activity in activities:
        by_day.setdefault(activity.day, []).append(activity)
    if not by_day:
        return []
    billing = _Billing()
    day = min(by_day)
    while day <= until:
        today = by_day.get(day, [])
        billing.change(day, today)
        billing.charge(day)
        billing.start(day, today)
        day += datetime.timedelta(days=1)
    return billing.payments


class _Billing:
    """An account's sponsorships day by day: what is charged monthly, and on which day."""

    def __init__(self) -> None:
        self.payments: list[Payment] = []
        self.monthly: dict[str, int] = {}  # login -> cents charged each billing day
        self.billing_day: int | None = None

    def change(self, day: datetime.date, today: Sequence[Activity]) -> None:
        """Cancellations, tier changes and refunds, before the day's charges."""
        for activity in today:
            if activity.action != "CANCELLED_SPONSORSHIP" and not activity.has_tier:
                continue  # no price to charge or refund (the reporter would fail on it)
            if activity.action == "CANCELLED_SPONSORSHIP":
                self.monthly.pop(activity.login, None)
            elif activity.action == "TIER_CHANGE" and activity.one_time:
                self.monthly.pop(activity.login, None)
                self.payments.append(_payment(day, activity.login, activity.cents, "one-time tier"))
            elif activity.action == "TIER_CHANGE":
                self.monthly[activity.login] = activity.cents
            elif activity.action == "REFUND":
                self.payments.append(_payment(day, activity.login, -activity.cents, "refund"))
        if not self.monthly:
            self.billing_day = None

    def charge(self, day: datetime.date) -> None:
        if self.billing_day is not None and day.day == self.billing_day:
            for login, cents in self.monthly.items():
                self.payments.append(_payment(day, login, cents, "monthly sponsorship"))

    def start(self, day: datetime.date, today: Sequence[Activity]) -> None:
        """New sponsorships: charged today; a monthly one fixes the billing day if unset."""
        for activity in today:
            if activity.action != "NEW_SPONSORSHIP" or not activity.has_tier:
                # The reporter skips a new sponsorship without a tier (its TypeError branch).
                continue
            kind = "one-time sponsorship" if activity.one_time else "new sponsorship"
            self.payments.append(_payment(day, activity.login, activity.cents, kind))
            if not activity.one_time:
                self.billing_day = self.billing_day or day.day
                self.monthly[activity.login] = activity.cents


def _payment(day: datetime.date, login: str, cents: int, kind: str) -> Payment:
    amount = Decimal(cents) / 100
    iso = day.isoformat()
    return Payment(
        date=iso,
        recipient=f"github:{login.casefold()}",
        amount=amount,
        currency="USD",
        amount_usd=amount,
        platform="github",
        reference=f"github-sponsors:{login.casefold()}:{iso}:{kind}",
        note=f"{kind} (reconstructed from GitHub Sponsors activity)",
        source=SOURCE,
        reconstructed=True,
    )


def without_recorded(
    reconstructed: Sequence[Payment], recorded: Sequence[Payment]
) -> list[Payment]:
    """Reconstructed payments the ledger does not already hold.

    One is left out when a ledger row has its reference, or when the ledger records a GitHub
    payment to the same account in the same month (an imported export names GitHub's own
    transaction ids, which a reconstruction cannot know): a payment is never counted twice.
    """
    references = {p.reference for p in recorded}
    months = {
        (p.recipient, p.date[:7])
        for p in recorded
        if p.platform == "github" and not p.reconstructed
    }
    return [
        p
        for p in reconstructed
        if p.reference not in references and (p.recipient, p.date[:7]) not in months
    ]
