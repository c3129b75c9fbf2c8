"""Unknown is not unfunded: the share of the budget held back for unchecked packages (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from fractions import Fraction

from fundbot.model import HeldBack, UnfundedPackage


def hold_back(
    budget: int, checked: int, unknown: int, unchecked: Sequence[UnfundedPackage]
) -> HeldBack:
    """`budget x U / W` in whole units (halves up), U the unchecked weight, W all weight.

    `checked` and `unknown` are the weights of the packages looked up (funded or not) and of
    the unchecked ones, as whole numerators over the plan's one common denominator, so the
    share is exact; the rest of the budget is what the plan allocates, so lines + held back
    = budget exactly.
    """
    total = checked + unknown
    if not unchecked or total <= 0:
        return HeldBack()
    share = Fraction(max(budget, 0) * unknown, total)
    amount = int(share + Fraction(1, 2))  # round half up, exactly
    reasons = Counter(u.label for u in unchecked)
    ranked = tuple(sorted(reasons.items(), key=lambda item: (-item[1], item[0])))
    return HeldBack(amount, len(unchecked), ranked, float(Fraction(checked, total)))
