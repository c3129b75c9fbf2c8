"""The terminal view of `fundbot scan`: who accepts funding, and the plan."""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlsplit

from rich.console import Console
from rich.table import Table
from rich.text import Text

from fundbot.model import PackageFunding, Plan, ScanResult

SHOWN_PACKAGES = 3


def _more(items: tuple[str, ...] | list[str], shown: int = SHOWN_PACKAGES) -> str:
    head = ", ".join(items[:shown])
    return head + (f" and {len(items) - shown} more" if len(items) > shown else "")


def recipient_label(handle: str | None, url: str) -> str:
    """`hynek`, or the site's name when the platform has no handle (a custom link)."""
    return handle or urlsplit(url).netloc.removeprefix("www.") or url


def print_table(
    plan: Plan,
    result: ScanResult,
    funding: dict[tuple[str, str], PackageFunding],
    console: Console,
) -> None:
    """Like `npm fund` across every ecosystem, then the plan; names never read as markup."""
    by_url: dict[str, list[str]] = defaultdict(list)
    for dep_key in sorted({d.key for d in result.dependencies if d.skip_reason is None}):
        info = funding.get(dep_key)
        for channel in info.channels if info else ():
            by_url[channel.url].append(f"{dep_key[0]}:{dep_key[1]}")
    fund = Table(
        title=f"Where {len(result.dependencies)} dependencies accept funding", title_justify="left"
    )
    fund.add_column("funding URL", overflow="fold")
    fund.add_column("packages", overflow="fold")
    for url in sorted(by_url, key=lambda u: (-len(by_url[u]), u)):
        fund.add_row(Text(url), Text(_more(sorted(set(by_url[url])))))
    console.print(fund)

    source = "configured" if plan.developers_source == "configured" else "estimated"
    console.print(
        Text(
            f"\nPlan: ${plan.budget:,} a year for {plan.developers} developers ({source}: "
            f"{plan.developers_method}), {len(plan.lines)} recipients, "
            f"{plan.dependencies_covered} dependencies covered, "
            f"{len(plan.unfunded)} without funding."
        )
    )
    table = Table(show_lines=False, title="The plan", title_justify="left")
    table.add_column("recipient", overflow="fold", ratio=3)
    table.add_column("platform", overflow="fold", ratio=2)
    table.add_column("per year", justify="right", no_wrap=True)
    table.add_column("per month", justify="right", no_wrap=True)
    table.add_column("packages", overflow="fold", ratio=3)
    for line in plan.lines:
        table.add_row(
            Text(recipient_label(line.handle, line.url)),
            Text(line.platform),
            Text(f"${line.amount:,}"),
            Text(f"${line.amount / 12:,.0f}"),
            Text(_more(line.packages) + (" (funded elsewhere)" if line.funded_elsewhere else "")),
        )
    console.print(table)
    if plan.lines:
        console.print(Text("Where to pay:"))
    for line in plan.lines:
        console.print(Text(f"  {recipient_label(line.handle, line.url)}: {line.url}"))
    for note in plan.notes:
        console.print(Text(f"note: {note}"))
    asked = [u.package for u in plan.unfunded if not u.unchecked]
    unchecked = [u for u in plan.unfunded if u.unchecked]
    if asked:
        console.print(Text(f"Most used without funding: {_more(asked[:5], 5)}"))
    if unchecked:
        reasons = sorted({u.reason or "" for u in unchecked})
        console.print(Text(f"Could not be checked: {len(unchecked)} ({'; '.join(reasons[:3])})"))
    if plan.excluded:
        console.print(Text(f"Excluded: {len(plan.excluded)} (see --format markdown or json)"))
    for error in result.errors:
        console.print(Text(f"unreadable: {error.manifest}: {error.error}"))
