"""The terminal view of `fundbot scan`: who accepts funding, and the plan."""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlsplit

from rich.console import Console
from rich.table import Table
from rich.text import Text

from fundbot.model import PackageFunding, Plan, ScanResult, UnfundedPackage
from fundbot.render.terminal_safe import printable
from fundbot.words import plural

SHOWN_PACKAGES = 3
SHOWN_REASONS = 3
SHOWN_URLS = 20


def _text(text: str) -> Text:
    """Rich text (never read as markup) with no control character or bidi override: names,
    URLs and errors come from registries and repositories."""
    return Text(printable(text))


def _more(items: tuple[str, ...] | list[str], shown: int = SHOWN_PACKAGES) -> str:
    head = ", ".join(items[:shown])
    return head + (f" and {len(items) - shown} more" if len(items) > shown else "")


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


def unchecked_summary(unfunded: tuple[UnfundedPackage, ...]) -> str | None:
    """`29 packages could not be checked (crates.io: connection failed …)`, or None."""
    unchecked = [u for u in unfunded if u.unchecked]
    if not unchecked:
        return None
    reasons = sorted({u.reason or "" for u in unchecked})
    shown = "; ".join(reasons[:SHOWN_REASONS])
    more = f"; and {len(reasons) - SHOWN_REASONS} more" if len(reasons) > SHOWN_REASONS else ""
    return f"{plural(len(unchecked), 'package')} could not be checked ({shown}{more})"


def print_table(
    plan: Plan,
    result: ScanResult,
    funding: dict[tuple[str, str], PackageFunding],
    console: Console,
) -> None:
    """Like `npm fund` across every ecosystem, then the plan; names never read as markup."""
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
        f"{len(plan.unfunded):,} without funding."
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
    # Four columns fit 80: the platform goes under the recipient instead of beside it.
    table = Table(title="The plan", title_justify="left")
    table.add_column("recipient", overflow="fold", ratio=1)
    table.add_column("per year", justify="right", no_wrap=True)
    table.add_column("per month", justify="right", no_wrap=True)
    table.add_column("packages", overflow="fold", ratio=1)
    for line in plan.lines:
        who = _text(recipient_label(line.handle, line.url))
        who.append(f"\n{line.platform}", style="dim")
        table.add_row(
            who,
            _text(f"${line.amount:,}"),
            _text(f"${line.amount / 12:,.0f}"),
            _text(_more(line.packages) + (" (funded elsewhere)" if line.funded_elsewhere else "")),
        )
    console.print(table)
    console.print(_text("Where to pay:"))
    for line in plan.lines:
        console.print(_text(f"  {recipient_label(line.handle, line.url)}: {line.url}"))


def _print_notes(plan: Plan, result: ScanResult, console: Console) -> None:
    for note in plan.notes:
        console.print(_text(f"note: {note}"))
    asked = [u.package for u in plan.unfunded if not u.unchecked]
    if asked:
        console.print(_text(f"Most used without funding: {_more(asked[:5], 5)}"))
    unchecked = unchecked_summary(plan.unfunded)
    if unchecked:
        console.print(_text(f"note: {unchecked}"))
    if plan.excluded:
        console.print(_text(f"Excluded: {len(plan.excluded)} (see --format markdown or json)"))
    for error in result.errors:
        console.print(_text(f"unreadable: {error.manifest}: {error.error}"))
