"""Unknown is not unfunded: the share of the budget held back for unchecked packages (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from fractions import Fraction

from fundbot.model import HeldBack, UnfundedPackage, unchecked_label


def as_fraction(weight: float | Fraction) -> Fraction:
    """A weight exactly: floats as the decimal they print as, Fractions as they are."""
    if isinstance(weight, Fraction):
        return weight
    return Fraction(repr(float(weight)))


def hold_back(
    budget: int, checked: Iterable[float | Fraction], unchecked: Sequence[UnfundedPackage]
) -> HeldBack:
    """`budget x U / W` in whole units (halves up), U the unchecked weight, W all weight.

    `checked` are the weights of the packages that were looked up (funded or not); the rest
    of the budget is what the plan allocates, so lines + held back = budget exactly.
    """
    unknown = sum((as_fraction(u.weight) for u in unchecked), Fraction(0))
    total = unknown + sum((as_fraction(w) for w in checked), Fraction(0))
    if not unchecked or total <= 0:
        return HeldBack()
    share = Fraction(max(budget, 0)) * unknown / total
    amount = int(share + Fraction(1, 2))  # round half up, exactly
    reasons = Counter(unchecked_label(u.reason) for u in unchecked)
    ranked = tuple(sorted(reasons.items(), key=lambda item: (-item[1], item[0])))
    return HeldBack(amount, len(unchecked), ranked, float(1 - unknown / total))
