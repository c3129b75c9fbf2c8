"""Who receives and how much: recipients from channels, then floor, cap, limit, exact sums."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from fundbot.links.urls import normalize_url
from fundbot.model import FundingChannel, PackageFunding
from fundbot.words import plural


@dataclass(frozen=True, slots=True)
class Recipient:
    """Packages sharing one funding channel identity, before allocation."""

    id: str
    channel: FundingChannel
    packages: tuple[str, ...]  # heaviest first
    # Exact, over the plan's common weight denominator: allocation needs only proportions.
    weight: Fraction


def preferred_channel(info: PackageFunding | None, order: Sequence[str]) -> FundingChannel | None:
    """The channel on the most preferred platform; on one platform, the maintainers' first."""
    if info is None:
        return None
    rank = {platform: i for i, platform in enumerate(order)}
    usable = [c for c in info.channels if c.platform in rank]
    return min(usable, key=lambda c: rank[c.platform], default=None)


def recipient_id(channel: FundingChannel) -> str:
    """`platform:handle` (handles are case-insensitive), else `url:<normalised url>`."""
    if channel.handle:
        return f"{channel.platform}:{channel.handle.casefold()}"
    return "url:" + (normalize_url(channel.url) or channel.url)


def group_recipients(
    chosen: Mapping[str, FundingChannel],
    weights: Mapping[str, Mapping[str, int]],
    order: Sequence[str],
) -> dict[str, Recipient]:
    """Packages whose chosen channels name the same recipient, grouped; weights summed."""
    # Whole numerators over one common denominator (plan.build.Weights): integer sums.
    totals = {pkg: sum(weights[pkg].values()) for pkg in chosen}
    grouped: dict[str, list[str]] = {}
    for pkg in sorted(chosen):
        grouped.setdefault(recipient_id(chosen[pkg]), []).append(pkg)
    rank = {platform: i for i, platform in enumerate(order)}
    recipients: dict[str, Recipient] = {}
    for rid, pkgs in grouped.items():
        # Packages may name one recipient with different URLs: show the same one every time.
        channel = min(
            (chosen[p] for p in pkgs), key=lambda c: (rank[c.platform], c.url, c.handle or "")
        )
        ordered = tuple(sorted(pkgs, key=lambda p: (-totals[p], p)))
        recipients[rid] = Recipient(rid, channel, ordered, Fraction(sum(totals[p] for p in pkgs)))
    return recipients


@dataclass(frozen=True, slots=True)
class Allocation:
    """Whole amounts for the recipients kept, and who was left out by which rule."""

    amounts: dict[str, int]  # recipient id → whole units per year; sums to the budget
    below_minimum: tuple[str, ...] = ()  # left out: would have got less than min_amount
    beyond_limit: tuple[str, ...] = ()  # left out: past max_recipients
    notes: tuple[str, ...] = ()


def exact(value: float | Fraction) -> Fraction:
    """A float as the decimal it was written as (0.2 is 1/5, not 0.2000000000000000111)."""
    if isinstance(value, (Fraction, int)):
        return Fraction(value)  # already exact: weights stay rationals to the end
    return Fraction(repr(float(value)))


def largest_remainder(total: int, shares: Mapping[str, Fraction]) -> dict[str, int]:
    """Whole parts of `shares` (which sum exactly to `total`), remainders to the largest first.

    Ties go to the smaller id, so the result never depends on the mapping's order.
    """
    floors = {key: math.floor(share) for key, share in shares.items()}
    left = total - sum(floors.values())
    order = sorted(shares, key=lambda key: (-(shares[key] - floors[key]), key))
    for key in order[:left]:
        floors[key] += 1
    return floors


def allocate(
    weights: Mapping[str, float | Fraction],
    budget: int,
    *,
    min_amount: int,
    max_share: float,
    max_recipients: int | None = None,
    currency: str = "USD",
) -> Allocation:
    """Proportional to weight, with min_amount, max_share and max_recipients (see DESIGN §4)."""
    ranked = sorted((r for r, w in weights.items() if w > 0), key=lambda r: (-weights[r], r))
    notes: list[str] = []
    if budget <= 0 or not ranked:
        if ranked:
            notes.append(f"the budget is {currency} 0: nothing to allocate")
        return Allocation(amounts={}, notes=tuple(notes))
    beyond: tuple[str, ...] = ()
    if max_recipients is not None and len(ranked) > max_recipients:
        ranked, beyond = ranked[:max_recipients], tuple(ranked[max_recipients:])
        notes.append(
            f"`max_recipients` is {max_recipients}: {plural(len(beyond), 'lighter recipient')}"
            " left out"
        )
    fill = _WaterFill([exact(weights[r]) for r in ranked], budget, exact(max_share))
    kept = fill.largest_feasible(min_amount)
    below = tuple(ranked[kept:])
    if below:
        notes.append(
            f"{plural(len(below), 'recipient')} would get less than `min_amount`"
            f" ({currency} {min_amount}) and {'was' if len(below) == 1 else 'were'} left out;"
            " their share went to the others"
        )
    if fill.lightest(kept) < min_amount:
        notes.append(
            f"the budget ({currency} {budget}) is less than `min_amount` ({currency}"
            f" {min_amount}): all of it goes to the heaviest recipient"
        )
    elif fill.cap_raised(kept):
        notes.append(
            f"only {plural(kept, 'recipient')}: no one can stay within"
            f" `max_share` ({max_share:g} of the budget), so the cap rises to an equal split"
        )
    shares = dict(zip(ranked[:kept], fill.shares(kept), strict=True))
    amounts = largest_remainder(budget, shares)
    return Allocation(amounts=amounts, below_minimum=below, beyond_limit=beyond, notes=tuple(notes))


def attribute(amount: int, weights: Mapping[str, float | Fraction | int]) -> dict[str, int]:
    """Split a line's amount by each repository's weight, exactly, largest remainder."""
    by_key = {key: exact(weight) for key, weight in weights.items()}
    total = sum(by_key.values(), Fraction(0))
    if total <= 0:
        return {}
    return largest_remainder(amount, {key: amount * w / total for key, w in by_key.items()})


class _WaterFill:
    """Exact proportional shares of the `p` heaviest recipients under a cap, for any `p`."""

    def __init__(self, weights: Sequence[Fraction], budget: int, max_share: Fraction) -> None:
        self.weights = weights  # heaviest first
        self.budget = budget
        self.max_share = max_share
        self.prefix = [Fraction(0)]
        for weight in weights:
            self.prefix.append(self.prefix[-1] + weight)

    def cap(self, p: int) -> Fraction:
        # Fewer than 1/max_share recipients cannot absorb the budget under the cap.
        return max(self.max_share * self.budget, Fraction(self.budget, p))

    def cap_raised(self, p: int) -> bool:
        return Fraction(self.budget, p) > self.max_share * self.budget

    def _capped(self, p: int) -> tuple[int, Fraction]:
        """How many of the heaviest hit the cap, and the budget left for the others."""
        cap, left, i = self.cap(p), Fraction(self.budget), 0
        # Capping the heaviest raises everyone else's share, so walk down until one fits;
        # at most 1/max_share + 1 steps, since each capped recipient takes a cap's worth.
        while i < p - 1 and left * self.weights[i] > cap * (self.prefix[p] - self.prefix[i]):
            left -= cap
            i += 1
        return i, left

    def lightest(self, p: int) -> Fraction:
        """The exact share of the lightest of the `p` heaviest recipients."""
        i, left = self._capped(p)
        return left * self.weights[p - 1] / (self.prefix[p] - self.prefix[i])

    def largest_feasible(self, min_amount: int) -> int:
        """The most recipients such that even the lightest gets min_amount (at least 1).

        Fewer recipients never give the lightest less, so the answer is found by bisection.
        """
        low, high = 1, len(self.weights)
        while low < high:
            mid = (low + high + 1) // 2
            if self.lightest(mid) >= min_amount:
                low = mid
            else:
                high = mid - 1
        return low

    def shares(self, p: int) -> list[Fraction]:
        i, left = self._capped(p)
        rest = self.prefix[p] - self.prefix[i]
        cap = self.cap(p)
        return [cap] * i + [left * w / rest for w in self.weights[i:p]]
