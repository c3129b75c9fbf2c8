"""The Open Source Pledge report: the member file's `annualReports` entry and the itemised
post. Both report money that moved (the ledger), never the plan; with nothing paid the post
is a draft in the future tense.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final
from urllib.parse import urlsplit

from fundbot.ledger.ledger_csv import parse_day
from fundbot.ledger.recipients import split_recipient
from fundbot.model import Plan, PlanLine
from fundbot.render.markdown import escape, table, user_link
from fundbot.render.text import (
    PLEDGE_MINIMUM,
    PLEDGE_URL,
    money,
    platform_name,
    strong_money,
)
from fundbot.words import plural

NO_URL_NOTE: Final = (
    "The Pledge entry is not shown: it needs `url`, the address of the published report. "
    "Pass --report-url URL, or set `pledge.report_url` in .github/fundbot.yml."
)


def pledge_report(
    plan: Plan, *, year: int, url: str, report_date: str, paid: int | None = None
) -> dict[str, Any]:
    """The `annualReports` entry of an Open Source Pledge member file.

    `usdAmountPaid` is what the ledger says was paid in `year` (in the plan or outside it),
    0 when nothing is recorded; `paid` overrides it. `year` is a string, as the Pledge's
    schema (`memberReportSchema`) has it.
    """
    datetime.date.fromisoformat(report_date)  # a malformed date fails here, not at the Pledge
    return {
        "url": url,
        "year": str(year),
        "reportDate": report_date,
        "averageNumberOfDevs": plan.developers,
        "usdAmountPaid": plan.paid_usd if paid is None else paid,
    }


def report_problems(entry: Mapping[str, Any]) -> list[str]:
    """What the Pledge's `memberReportSchema` would reject in `entry`; [] when valid.

    url: a URL; year: a string; reportDate: a date; averageNumberOfDevs and usdAmountPaid:
    non-negative numbers.
    """
    problems = []
    url = entry.get("url")
    if not isinstance(url, str) or not _is_url(url):
        problems.append(f"url {url!r} is not an absolute http(s) URL")
    if not isinstance(entry.get("year"), str) or not str(entry["year"]).strip():
        problems.append('year must be a string such as "2026"')
    date = entry.get("reportDate")
    if not isinstance(date, str) or not _is_date(date):
        problems.append(f"reportDate {date!r} is not a YYYY-MM-DD date")
    for key in ("averageNumberOfDevs", "usdAmountPaid"):
        value = entry.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            problems.append(f"{key} {value!r} is not a non-negative number")
    return problems


def _is_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in text


def _is_date(text: str) -> bool:
    try:
        parse_day(text)
    except ValueError:
        return False
    return True


def next_report_due(last_report_date: str) -> datetime.date:
    """12 months after the last report (29 February falls on the 28th)."""
    last = datetime.date.fromisoformat(last_report_date)
    day = min(last.day, calendar.monthrange(last.year + 1, last.month)[1])
    return datetime.date(last.year + 1, last.month, day)


def report_due_note(last_report_date: str | None, today: datetime.date) -> str | None:
    """When the next Pledge report is due (12 months after `pledge.last_report_date`, the
    Pledge's rule), as a note for the plan issue and the command line; None without the key."""
    if not last_report_date:
        return None
    due = next_report_due(last_report_date)
    rule = f"12 months after the last one, {last_report_date}"
    if due < today:
        return f"the Open Source Pledge report was due by {due.isoformat()} ({rule}): it is late"
    return f"the next Open Source Pledge report is due by {due.isoformat()} ({rule})"


def pledge_post(plan: Plan, *, year: int, organisation: str) -> str:
    """The itemised post the Pledge asks members to publish, from the ledger.

    Nothing paid: a draft saying what is planned, in the future tense. Otherwise what was
    paid, recipient by recipient, then what is planned and not yet paid, labelled so.
    """
    org = escape(organisation)
    if plan.paid_usd <= 0:
        return _draft(plan, year, org)
    paid_rows = _paid_rows(plan)
    parts = [
        f"# {org} and the Open Source Pledge in {year}",
        f"In {year}, {org} paid {strong_money(plan.paid_usd)} to the people who maintain the "
        f"open source we depend on: {_per_developer(plan, plan.paid_usd)}"
        f"{_against_pledge(plan, plan.paid_usd)}.",
        "## Where the money went",
        table(["Recipient", "Platform", "Amount"], paid_rows),
    ]
    unpaid = [line for line in plan.lines if line.remaining_usd > 0]
    if unpaid:
        parts += [
            "## Planned, not yet paid",
            f"Planned for {year} and not paid yet (not counted above): "
            f"{strong_money(sum(line.remaining_usd for line in unpaid))}.",
            table(
                ["Recipient", "Platform", "Planned, not yet paid", "For"],
                [_line_cells(line, line.remaining_usd) for line in unpaid],
            ),
        ]
    parts += ["## How we chose", _how_we_chose(plan, future=False)]
    return "\n\n".join(parts)


def _draft(plan: Plan, year: int, org: str) -> str:
    planned = sum(line.amount for line in plan.lines)
    listing = (
        table(
            ["Recipient", "Platform", "Planned", "For"],
            [_line_cells(line, line.amount) for line in plan.lines],
        )
        if plan.lines
        else "*(no recipient planned yet)*"
    )
    return "\n\n".join(
        [
            f"# {org} and the Open Source Pledge in {year}",
            f"*Draft: no payment for {year} is recorded yet, so this post says what {org} "
            "plans to pay. Publish it once the payments are made and recorded.*",
            f"In {year}, {org} will pay {strong_money(planned)} to the people who maintain "
            f"the open source we depend on: {_per_developer(plan, planned)}"
            f"{_against_pledge(plan, planned)}.",
            "## Where the money will go",
            listing,
            "## How we chose",
            _how_we_chose(plan, future=True),
        ]
    )


def _paid_rows(plan: Plan) -> list[list[str]]:
    """One row per recipient and platform, largest first; reconstructed amounts marked."""
    totals: dict[tuple[str, str], Decimal] = {}
    rebuilt: set[tuple[str, str]] = set()
    for payment in plan.payments:
        key = (payment.recipient, payment.platform)
        totals[key] = totals.get(key, Decimal(0)) + payment.amount_usd
        if payment.reconstructed:
            rebuilt.add(key)
    rows = []
    for (recipient, platform), amount in sorted(totals.items(), key=lambda i: (-i[1], i[0])):
        kind, handle, url = split_recipient(recipient)
        cell = money(float(amount))
        if (recipient, platform) in rebuilt:
            cell += " (reconstructed from GitHub Sponsors)"
        rows.append([user_link(kind, handle, url), escape(platform_name(platform)), cell])
    return rows


def _line_cells(line: PlanLine, amount: int) -> list[str]:
    return [
        user_link(line.platform, line.handle, line.url),
        escape(platform_name(line.platform)),
        money(amount),
        ", ".join(escape(p, limit=80) for p in line.packages[:5])
        + (f" and {len(line.packages) - 5:,} more" if len(line.packages) > 5 else ""),
    ]


def _how_we_chose(plan: Plan, *, future: bool) -> str:
    receives = "will receive" if future else "received"
    text = (
        "We listed the dependencies of every repository we maintain and found where each "
        "project accepts money. Each dependency counted by how we use it (runtime "
        "dependencies more than development tools, direct ones more than transitive ones), "
        f"each recipient {receives} its share of that weight, and no single recipient "
        f"{receives} more than a fixed share of the total."
    )
    # Checked and without a channel is said as such; unchecked never reads as unfunded.
    if plan.unfunded:
        count = plural(len(plan.unfunded), "dependency", "dependencies")
        text += f" {count} we use had no known way to receive money."
    held = plan.held_back
    if held.packages:
        count = plural(held.packages, "dependency", "dependencies")
        text += (
            f" We could not yet check whether {count} accept money, so we set"
            f" {strong_money(held.amount)} aside for them until they can be checked."
        )
    return text


def _against_pledge(plan: Plan, total: int) -> str:
    pledge = f"[Open Source Pledge]({PLEDGE_URL})"
    if plan.developers and total >= plan.developers * PLEDGE_MINIMUM:
        return f", as the {pledge} asks of its members"
    return f", where the {pledge} asks its members for {money(PLEDGE_MINIMUM)} per developer"


def _per_developer(plan: Plan, total: int) -> str:
    developers = plural(plan.developers, "developer")
    if total == plan.developers * plan.per_developer:
        return f"{money(plan.per_developer)} for each of our {developers}"
    average = money(total / plan.developers) if plan.developers else money(total)
    return f"{average} on average for each of our {developers}"
