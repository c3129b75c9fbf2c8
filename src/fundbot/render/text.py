"""User-facing sentences and names used by the renderers, kept in one place."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Final

from fundbot.config import SETTINGS_PATH
from fundbot.links.platforms import display_name
from fundbot.model import Plan, PlanLine
from fundbot.words import plural

PLEDGE_URL: Final = "https://opensourcepledge.com/"
# The Open Source Pledge asks at least this much per developer per year (USD).
PLEDGE_MINIMUM: Final = 2000

TRUNCATED_NOTE: Final = (
    "**This text was cut to stay under GitHub's limit of {limit:,} characters** "
    "({omitted} left out). Run `fundbot scan --format markdown` or `--format csv` "
    "on a checkout for the full plan."
)
MORE_RECIPIENTS: Final = (
    "…and {count:,} more recipients receiving {amount} a year in total; "
    "run `fundbot scan --format csv` for the full list."
)
NO_LINES: Final = (
    "There is nothing to pay here yet: no dependency fundbot found accepts money through a "
    "channel it knows. Maintainers without one may welcome a FUNDING.yml."
)
PR_NO_LONGER: Final = "This pull request no longer adds any dependency that accepts funding."
PR_UPDATED: Final = "fundbot updates this comment when the pull request changes."
UNREADABLE_FIX: Final = (
    "Fix the file so that its own tool can read it, or add its folder to `ignore_paths` in "
    f"`{SETTINGS_PATH}` if it is not a real dependency file (a test fixture, an example)."
)
CONFIG_FIX: Final = (
    "fundbot used its defaults for these settings. Fix them and push to the default branch: "
    "fundbot rescans on every change to the configuration."
)
DEVELOPERS_FIX: Final = (
    "Set `developers` in {config} of the organisation's `.github` repository to the number "
    "of full-time developers for an exact budget."
)
# Where the plan's settings come from (fundbot reads them from the organisation's `.github`
# repository only; a repository's own file changes only what fundbot does in that repository).
SETTINGS_WHERE: Final = (
    "The plan follows the organisation's settings: add or edit {config} in the organisation's "
    "`.github` repository. A repository's own {config} only changes what fundbot does there "
    "(`ignore_paths`, `repository_issues`, `min_fundable`, `issue_title`, `labels`, "
    "`pull_request_comments`)."
)

# The sample shown under "How to change this plan"; keys as in config/default.yml.
CONFIG_SAMPLE: Final = """\
# {config}: every key is optional; fundbot's default.yml lists them all
developers: 25          # full-time developers (unset: estimated from commit authors)
per_developer: 2000     # USD a year per developer (the Open Source Pledge minimum)
# budget: 60000         # or a yearly budget (replaces developers x per_developer)
min_amount: 100         # recipients that would get less are dropped, their share shared out
max_share: 0.2          # no recipient gets more than this share of the budget
scope_weights:          # how much a use in each scope counts (runtime 1.0, others 0.5)
  dev: 0.5
transitive_weight: 0.25 # a transitive use counts this much of a direct one
exclude:                # globs over `ecosystem:name`, repository URLs and recipient ids
  - "npm:@{owner}/*"
sponsors_frequency: monthly  # or one-time: how the GitHub Sponsors CSV is sized
"""


def money(amount: int | float) -> str:
    """`$1,234`: whole US dollars, thousands separated."""
    return f"${round(amount):,}"


def strong_money(amount: int | float) -> str:
    """`**\\$1,234**`: bold, with the `$` escaped because it follows a non-space character.

    GitHub reads `$…$` as inline math when the closing `$` follows a non-space character;
    every `$` fundbot writes after one (`**`, `(`, `+`) is escaped so none can close math.
    """
    return f"**\\{money(amount)}**"


def per_month(amount_per_year: int) -> int:
    """A yearly amount as whole dollars a month, halves rounded up (never below 0)."""
    value = (Decimal(amount_per_year) / 12).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(0, int(value))


def platform_name(platform: str) -> str:
    """The platform as a person calls it (from config/platforms.yml; unknown ids titled)."""
    name = display_name(platform)
    return name if name != platform else platform.replace("_", " ").title()


def checked_percent(share: float, anything_unchecked: bool) -> int:
    """The checked share as a whole percent, rounded down while anything is unchecked (so
    99.7% never reads as 100%)."""
    percent = share * 100
    return min(99, int(percent)) if anything_unchecked else round(percent)


def coverage_sentence(plan: Plan) -> str:
    """The one sentence every output leads with, e.g. `checked 96% of dependency weight;
    $1,200 held back until 41 packages can be checked: crates.io unreachable (39), GitHub
    not consulted (2)`."""
    held = plan.held_back
    percent = checked_percent(held.checked_share, held.packages > 0)
    if not held.packages:
        return f"checked {percent}% of dependency weight; nothing held back"
    reasons = ", ".join(f"{label} ({count:,})" for label, count in held.reasons)
    return (
        f"checked {percent}% of dependency weight; {money(held.amount)} held back until "
        f"{plural(held.packages, 'package')} can be checked: {reasons}"
    )


def monthly_amounts(lines: Sequence[PlanLine]) -> dict[str, int]:
    """Recipient id → whole units a month, summing to the yearly total / 12 (halves up):
    each line's twelfth rounded down, the units left to the largest remainders (ties to the
    smaller id), so the per-month column adds up to the monthly budget."""
    shares = {line.recipient: Fraction(line.amount, 12) for line in lines}
    total = sum((line.amount for line in lines), 0)
    target = int(Fraction(total, 12) + Fraction(1, 2))
    out = {rid: math.floor(share) for rid, share in shares.items()}
    left = target - sum(out.values())
    by_remainder = sorted(shares, key=lambda rid: (-(shares[rid] - out[rid]), rid))
    for rid in by_remainder[: max(0, left)]:
        out[rid] += 1
    return out
