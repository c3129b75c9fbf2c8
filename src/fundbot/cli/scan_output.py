"""The terminal view of `fundbot scan`: who accepts funding, and the plan."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from urllib.parse import urlsplit

from rich.console import Console
from rich.table import Table
from rich.text import Text

from fundbot.model import (
    TO_CONFIRM,
    PackageFunding,
    Plan,
    PlanLine,
    ScanResult,
    UnfundedPackage,
    unconfirmed_account,
)
from fundbot.render.paid import percent
from fundbot.render.text import coverage_sentence, monthly_amounts
from fundbot.safe_text import printable
from fundbot.words import plural

SHOWN_PACKAGES = 3
SHOWN_URLS = 20


def _text(text: str) -> Text:
    """Rich text (never read as markup) with no control character or bidi override: names,
    URLs and errors come from registries and repositories."""
    return Text(printable(text))


def _more(items: tuple[str, ...] | list[str], shown: int = SHOWN_PACKAGES) -> str:
    head = ", ".join(items[:shown])
    return head + (f" and {len(items) - shown} more" if len(items) > shown else "")


# Wide enough for any row: output to a file or a pipe is never wrapped at 80 columns.
UNWRAPPED = 10_000


def output_console() -> Console:
    """Standard output: a terminal's own width; elsewhere `COLUMNS` when set, else as wide as
    the content needs (rich would assume 80 and fold names in the middle)."""
    console = Console(highlight=False)
    if console.is_terminal or os.environ.get("COLUMNS", "").isdigit():
        return console
    return Console(highlight=False, width=UNWRAPPED)


def recipient_label(handle: str | None, url: str) -> str:
    """`hynek`, or the link's site and path (`eslint.org/donate`) when there is no handle.

    The path is kept: two custom links on one site (two `github.com/…?sponsor=1` buttons)
    must not read as the same recipient.
    """
    if handle:
        return handle
    parts = urlsplit(url)
    label = parts.netloc.removeprefix("www.") + parts.path.rstrip("/")
    return label if parts.netloc else url


def unchecked_summary(unchecked: tuple[UnfundedPackage, ...]) -> str | None:
    """`29 packages could not be checked: crates.io unreachable (27), …`, or None; every
    failing host is named (the main ecosystem must never hide behind "and 1 more")."""
    if not unchecked:
        return None
    counts = Counter(u.label for u in unchecked)
    shown = ", ".join(f"{label} ({n:,})" for label, n in sorted(counts.items(), key=_most))
    return f"{plural(len(unchecked), 'package')} could not be checked: {shown}"


def unchecked_sentence(plan: Plan) -> str | None:
    """What could not be checked, said once: the coverage sentence when it holds the
    reasons (anything held back), else the per-reason summary; None when all was checked."""
    if plan.held_back.packages:
        return coverage_sentence(plan)
    return unchecked_summary(plan.unchecked)


def _most(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


def print_table(
    plan: Plan,
    result: ScanResult,
    funding: dict[tuple[str, str], PackageFunding],
    console: Console,
) -> None:
    """Like `npm fund` across every ecosystem, then the plan; names never read as markup."""
    console.print(_text(_first_up(coverage_sentence(plan))))
    _print_funding(result, funding, console)
    source = "configured" if plan.developers_source == "configured" else "estimated"
    console.print(_summary(plan, source))
    if plan.lines:
        _print_plan(plan, console)
    _print_notes(plan, result, console)


def _summary(plan: Plan, source: str) -> Text:
    covered = plan.dependencies_covered
    return _text(
        f"\nPlan: ${plan.budget:,} a year for {plural(plan.developers, 'developer')} "
        f"({source}: {plan.developers_method}), {plural(len(plan.lines), 'recipient')}, "
        f"{plural(covered, 'dependency')} covered, "
        f"{len(plan.unfunded):,} checked without funding, {len(plan.unchecked):,} unchecked."
    )


def _print_funding(
    result: ScanResult, funding: dict[tuple[str, str], PackageFunding], console: Console
) -> None:
    keys = sorted({d.key for d in result.dependencies if d.skip_reason is None})
    by_url: dict[str, list[str]] = defaultdict(list)
    funded = 0
    for dep_key in keys:
        info = funding.get(dep_key)
        funded += bool(info and info.channels)
        for channel in info.channels if info else ():
            by_url[channel.url].append(f"{dep_key[0]}:{dep_key[1]}")
    if not keys:
        console.print(_text("No dependencies found."))
        return
    if not by_url:
        console.print(_text(f"None of the {plural(len(keys), 'package')} found lists funding."))
        return
    fund = Table(
        title=f"Where {funded:,} of {plural(len(keys), 'package')} accept funding",
        title_justify="left",
    )
    fund.add_column("funding URL", overflow="fold", ratio=3)
    fund.add_column("packages", overflow="fold", ratio=2)
    urls = sorted(by_url, key=lambda u: (-len(by_url[u]), u))
    for url in urls[:SHOWN_URLS]:
        fund.add_row(_text(url), _text(_more(sorted(set(by_url[url])))))
    console.print(fund)
    if len(urls) > SHOWN_URLS:
        # A big organisation has hundreds: the plan below is what matters on a terminal.
        console.print(_text(f"… and {plural(len(urls) - SHOWN_URLS, 'more link')} (--format json)"))


def _print_plan(plan: Plan, console: Console) -> None:
    # The platform stays on its recipient's row; names wrap between names, never inside one.
    table = Table(title="The plan", title_justify="left")
    # On a narrow terminal the recipient's link folds first; a package name keeps its width.
    longest = max(
        (len(p) for line in plan.lines for p in line.packages[:SHOWN_PACKAGES]), default=8
    )
    table.add_column("recipient", overflow="fold")
    table.add_column("platform", no_wrap=True)
    table.add_column("per year", justify="right", no_wrap=True)
    table.add_column("per month", justify="right", no_wrap=True)
    if plan.paid_known:
        # Planned against paid, as in the plan issue and the JSON (paid_usd, remaining_usd).
        table.add_column(f"paid in {plan.paid_year}", justify="right", no_wrap=True)
        table.add_column("remaining", justify="right", no_wrap=True)
    table.add_column("packages", overflow="fold", min_width=min(longest, 40))
    monthly = monthly_amounts(plan.lines)
    for line in plan.lines:
        who = recipient_label(line.handle, line.url)
        if unconfirmed_account(line.platform, line.handle, line.url):
            who += f" ({TO_CONFIRM})"
        table.add_row(
            _text(who),
            Text(printable(line.platform), style="dim"),
            _text(f"${line.amount:,}"),
            _text(f"${monthly[line.recipient]:,}"),
            *(_paid_cells(line) if plan.paid_known else ()),
            _text(_more(line.packages) + (" (funded elsewhere)" if line.funded_elsewhere else "")),
        )
    if plan.paid_known:
        planned = sum(line.amount for line in plan.lines)
        table.add_row(
            _text("total"),
            Text(""),
            _text(f"${planned:,}"),
            _text(f"${sum(monthly.values()):,}"),
            _text(f"${sum(line.paid_usd for line in plan.lines):,}"),
            _text(f"${sum(line.remaining_usd for line in plan.lines):,}"),
            Text(""),
            style="bold",
        )
    console.print(table)
    if plan.paid_known:
        console.print(_text(paid_summary(plan)))
    console.print(_text("Where to pay:"))
    for line in plan.lines:
        console.print(_text(f"  {recipient_label(line.handle, line.url)}: {line.url}"))


def _paid_cells(line: PlanLine) -> tuple[Text, Text]:
    remaining = f"${line.remaining_usd:,}"
    if line.overpaid_usd:
        remaining += f" (overpaid by ${line.overpaid_usd:,})"
    return _text(f"${line.paid_usd:,}"), _text(remaining)


def paid_summary(plan: Plan) -> str:
    """`Paid in 2026: $6,400 of $24,000 paid, 27%`, and what went outside the plan."""
    outside = (
        f", of which ${plan.payments_outside_plan:,} to recipients outside the plan"
        if plan.payments_outside_plan
        else ""
    )
    return (
        f"Paid in {plan.paid_year}: ${plan.paid_usd:,} of ${plan.budget:,} paid, "
        f"{percent(plan.paid_usd, plan.budget)}%{outside}."
    )


def _print_notes(plan: Plan, result: ScanResult, console: Console) -> None:
    for note in plan.notes:
        console.print(_text(f"note: {note}"))
    asked = [u.package for u in plan.unfunded if not u.unchecked]
    if asked:
        console.print(_text(f"Most used without funding: {_more(asked[:5], 5)}"))
    if plan.unchecked and not plan.held_back.packages:
        # Otherwise the coverage sentence the table opens with has named every reason.
        console.print(_text(f"note: {unchecked_summary(plan.unchecked)}"))
    if plan.excluded:
        console.print(_text(f"Excluded: {len(plan.excluded)} (see --format markdown or json)"))
    for error in result.errors:
        console.print(_text(f"unreadable: {error.manifest}: {error.error}"))


def _first_up(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:] + "."
