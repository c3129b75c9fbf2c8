"""Files for whoever pays: GitHub Sponsors CSV, plan CSV/JSON, the Open Source Pledge report."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from typing import Any, Final, Literal

from fundbot.model import Plan
from fundbot.render.markdown import escape, github_handle, table, user_link
from fundbot.render.text import (
    PLEDGE_MINIMUM,
    PLEDGE_URL,
    money,
    per_month,
    platform_name,
    plural,
    strong_money,
)

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
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _cell(value: str) -> str:
    """A text cell a spreadsheet will show rather than evaluate."""
    value = " ".join(value.split())
    return "'" + value if value.startswith(_FORMULA_START) else value


def sponsors_csv(plan: Plan, frequency: Literal["monthly", "one-time"]) -> str:
    """GitHub Sponsors bulk CSV: one row per GitHub-sponsored maintainer.

    Monthly amounts are the yearly amount / 12 rounded to whole dollars, halves up, and at
    least $1 (GitHub's minimum); one-time amounts are the yearly amount. Lines funded
    elsewhere and handles that are not valid GitHub logins are left out.
    """
    totals: dict[str, int] = {}
    names: dict[str, str] = {}
    for line in plan.lines:
        handle = github_handle(line.handle)
        if line.platform != "github" or line.funded_elsewhere or handle is None:
            continue
        names.setdefault(handle.lower(), handle)
        totals[handle.lower()] = totals.get(handle.lower(), 0) + line.amount
    rows = []
    for key, yearly in totals.items():
        amount = max(1, per_month(yearly)) if frequency == "monthly" else max(1, yearly)
        rows.append((names[key], amount))
    return _csv(SPONSORS_HEADER, rows)


def plan_csv(plan: Plan) -> str:
    """Every plan line, one row each, packages and repositories space-separated."""
    rows = [
        (
            _cell(line.recipient),
            _cell(line.platform),
            _cell(line.url),
            _cell(line.handle or ""),
            line.amount,
            per_month(line.amount),
            "yes" if line.funded_elsewhere else "no",
            _cell(" ".join(line.packages)),
            _cell(" ".join(line.repositories)),
        )
        for line in plan.lines
    ]
    return _csv(PLAN_CSV_HEADER, rows)


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
        "unfunded": [asdict(u) | {"repositories": list(u.repositories)} for u in plan.unfunded],
        # `kind` is the closed set (model.ExclusionKind) for programs; `reason` is for people.
        "excluded": [
            {"package": e.package, "kind": e.kind, "reason": e.reason} for e in plan.excluded
        ],
    }
    found = [asdict(e) for e in plan.errors] if errors is None else errors
    return {"plan": body, "dependencies": dependencies or [], "errors": found}


def pledge_report(
    plan: Plan, *, year: int, url: str, report_date: str, paid: int | None = None
) -> dict[str, Any]:
    """The `annualReports` entry of an Open Source Pledge member file.

    `paid` is what was actually paid; without it the plan's total is reported.
    """
    date.fromisoformat(report_date)  # a malformed date fails here, not on the Pledge's side
    return {
        "url": url,
        "year": year,
        "reportDate": report_date,
        "averageNumberOfDevs": plan.developers,
        "usdAmountPaid": sum(line.amount for line in plan.lines) if paid is None else paid,
    }


def pledge_post(plan: Plan, *, year: int, organisation: str) -> str:
    """A Markdown draft of the itemised blog post the Pledge asks members to publish."""
    org = escape(organisation)
    total = sum(line.amount for line in plan.lines)
    rows = [
        [
            user_link(line.platform, line.handle, line.url),
            escape(platform_name(line.platform)),
            money(line.amount),
            ", ".join(escape(p, limit=80) for p in line.packages[:5])
            + (f" and {len(line.packages) - 5:,} more" if len(line.packages) > 5 else ""),
        ]
        for line in plan.lines
    ]
    listing = (
        table(["Recipient", "Platform", "Amount", "For"], rows)
        if rows
        else "*(no payments this year)*"
    )
    return "\n\n".join(
        [
            f"# {org} and the Open Source Pledge in {year}",
            f"In {year}, {org} paid {strong_money(total)} to the people who maintain the open "
            f"source we depend on: {_per_developer(plan, total)}{_against_pledge(plan, total)}.",
            "## Where the money went",
            listing,
            "## How we chose",
            "We listed the dependencies of every repository we maintain and found where each "
            "project accepts money. Each dependency counted by how we use it (runtime "
            "dependencies more than development tools, direct ones more than transitive ones), "
            "each recipient received its share of that weight, and no single recipient "
            "received more than a fixed share of the total." + _unfunded(plan),
        ]
    )


def _against_pledge(plan: Plan, total: int) -> str:
    """`, as the Pledge asks…` only when the money per developer meets the Pledge's minimum."""
    pledge = f"[Open Source Pledge]({PLEDGE_URL})"
    if plan.developers and total >= plan.developers * PLEDGE_MINIMUM:
        return f", as the {pledge} asks of its members"
    return f", where the {pledge} asks its members for {money(PLEDGE_MINIMUM)} per developer"


def _unfunded(plan: Plan) -> str:
    if not plan.unfunded:
        return ""
    count = plural(len(plan.unfunded), "dependency", "dependencies")
    return f" {count} we use had no known way to receive money."


def _per_developer(plan: Plan, total: int) -> str:
    """`$2,000 for each of our 10 developers`, or the average when the total differs."""
    developers = plural(plan.developers, "developer")
    if total == plan.developers * plan.per_developer:
        return f"{money(plan.per_developer)} for each of our {developers}"
    average = money(total / plan.developers) if plan.developers else money(total)
    return f"{average} on average for each of our {developers}"
