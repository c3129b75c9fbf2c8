"""Files for whoever pays: GitHub Sponsors CSV, plan CSV/JSON, the Open Source Pledge report."""

from __future__ import annotations

from dataclasses import asdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final, Literal

from fundbot.model import Plan
from fundbot.render.markdown import github_handle

# The Pledge report moved to render/pledge.py; imported from here by older callers.
from fundbot.render.pledge import pledge_post as pledge_post
from fundbot.render.pledge import pledge_report as pledge_report
from fundbot.render.text import (
    coverage_sentence,
    monthly_amounts,
)
from fundbot.safe_text import spreadsheet_cell, write_csv

SPONSORS_HEADER: Final = ("Maintainer username", "Sponsorship amount in USD")
PLAN_CSV_HEADER: Final = (
    "recipient",
    "platform",
    "url",
    "handle",
    "amount_usd_per_year",
    "amount_usd_per_month",
    "funded_elsewhere",
    "packages",
    "repositories",
)


def sponsors_csv(plan: Plan, frequency: Literal["monthly", "one-time"]) -> str:
    """GitHub Sponsors bulk CSV: one row per GitHub-sponsored maintainer.

    Monthly amounts are the plan's per-month column (largest remainder, so they add up to the
    monthly budget), at least $1 (GitHub's minimum); one-time amounts are the yearly amount.
    Lines funded elsewhere and handles that are not valid GitHub logins are left out.

    With the year's payments known (`plan.paid_known`) only what remains is offered: a
    one-time amount of the remainder, or the remainder spread over the months left.
    """
    monthly = monthly_amounts(plan.lines)
    owed: dict[str, int] = {}  # handle (lower) -> USD still to give
    names: dict[str, str] = {}  # handle (lower) -> as first written
    for line in plan.lines:
        handle = github_handle(line.handle)
        due = line.remaining_usd if plan.paid_known else line.amount
        if line.platform != "github" or line.funded_elsewhere or handle is None or due <= 0:
            continue
        if frequency == "monthly" and not plan.paid_known:
            due = monthly[line.recipient]  # the plan's per-month column: the upload matches it
        key = handle.lower()
        names.setdefault(key, handle)
        owed[key] = owed.get(key, 0) + due

    def amount(total: int) -> int:
        if frequency == "monthly" and plan.paid_known:
            # The remainder spread over the months left (twelve: the plan's per-month rule).
            months = Decimal(max(1, plan.months_left))
            total = int((total / months).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return max(1, total)  # GitHub's minimum

    rows = [(names[key], amount(total)) for key, total in owed.items()]
    return write_csv(SPONSORS_HEADER, rows)


def plan_csv(plan: Plan) -> str:
    """Every plan line, one row each, packages and repositories space-separated."""
    monthly = monthly_amounts(plan.lines)
    rows = [
        (
            spreadsheet_cell(line.recipient),
            spreadsheet_cell(line.platform),
            spreadsheet_cell(line.url),
            spreadsheet_cell(line.handle or ""),
            line.amount,
            monthly[line.recipient],
            "yes" if line.funded_elsewhere else "no",
            spreadsheet_cell(" ".join(line.packages)),
            spreadsheet_cell(" ".join(line.repositories)),
        )
        for line in plan.lines
    ]
    return write_csv(PLAN_CSV_HEADER, rows)


def plan_json(
    plan: Plan,
    dependencies: list[dict[str, Any]] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The CLI's JSON form: the plan, the dependencies found and the errors met."""
    lines = [
        {
            "recipient": line.recipient,
            "platform": line.platform,
            "url": line.url,
            "handle": line.handle,
            "amount_usd_per_year": line.amount,
            "weight": line.weight,
            "packages": list(line.packages),
            "repositories": list(line.repositories),
            "attribution": {a.repository: a.amount for a in line.attribution},
            "funded_elsewhere": line.funded_elsewhere,
            # The largest contributions to the weight: which package, through which direct
            # dependency (null: the package itself is direct), and its share of the weight.
            "because": [asdict(b) for b in line.because],
        }
        for line in plan.lines
    ]
    body = {
        "budget": plan.budget,
        "developers": plan.developers,
        "developers_source": plan.developers_source,
        "developers_method": plan.developers_method,
        "per_developer": plan.per_developer,
        "currency": plan.currency,
        "fingerprint": plan.fingerprint,
        "dependencies_covered": plan.dependencies_covered,
        "notes": list(plan.notes),
        "lines": lines,
        # Only packages that were checked and have no channel; unknown is not unfunded.
        # (`unchecked_kind` is None for them: a checked package has no failure to name.)
        "unfunded": [
            {k: v for k, v in asdict(u).items() if k != "unchecked_kind"}
            | {"repositories": list(u.repositories)}
            for u in plan.unfunded
        ],
        "unchecked": [
            {
                "package": u.package,
                "reason": u.label,
                "detail": u.reason,
                "weight": u.weight,
                "repositories": list(u.repositories),
            }
            for u in plan.unchecked
        ],
        "held_back": {
            "amount_usd_per_year": plan.held_back.amount,
            "packages": plan.held_back.packages,
            "reasons": dict(plan.held_back.reasons),
        },
        "coverage": coverage_sentence(plan),
        # `kind` is the closed set (model.ExclusionKind) for programs; `reason` is for people.
        "excluded": [
            {"package": e.package, "kind": e.kind, "reason": e.reason} for e in plan.excluded
        ],
    }
    if plan.paid_known:
        body.update(paid_json(plan))
        for entry, line in zip(lines, plan.lines, strict=True):
            entry.update(paid_usd=line.paid_usd, remaining_usd=line.remaining_usd)
    found = [asdict(e) for e in plan.errors] if errors is None else errors
    return {"plan": body, "dependencies": dependencies or [], "errors": found}


def paid_json(plan: Plan) -> dict[str, Any]:
    """Planned against paid for the JSON form: totals and the year's payments."""
    return {
        "paid_year": plan.paid_year,
        "paid_usd": plan.paid_usd,
        "payments_outside_plan": plan.payments_outside_plan,
        "remaining_usd": sum(line.remaining_usd for line in plan.lines),
        "payments": [
            {
                "date": p.date,
                "recipient": p.recipient,
                "amount": str(p.amount),
                "currency": p.currency,
                "amount_usd": str(p.amount_usd),
                "platform": p.platform,
                "reference": p.reference,
                "note": p.note,
                "source": p.source,
                "reconstructed": p.reconstructed,
            }
            for p in plan.payments
        ],
    }
