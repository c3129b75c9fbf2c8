"""The pull-request comment: new dependencies that accept funding, and what they change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from fundbot.model import FundingChannel
from fundbot.render.data_block import DATA_VERSION, fit_data, marker
from fundbot.render.markdown import escape, first_few, fit_body, table, user_link
from fundbot.render.text import PR_NO_LONGER, PR_UPDATED, money, platform_name
from fundbot.words import plural

ROWS: Final = 100


@dataclass(frozen=True)
class PullRequestAddition:
    """A dependency a pull request adds, where it accepts money, and the plan's change."""

    package: str  # `ecosystem:name`
    version: str | None
    manifest: str
    channels: tuple[FundingChannel, ...]
    recipient: str | None  # the recipient it would fund, None if below the minimum
    amount_before: int | None  # that recipient's yearly amount now; None: a new recipient
    amount_after: int | None  # with the pull request merged; None: no share


def render_pull_request_comment(scope: str, additions: Sequence[PullRequestAddition]) -> str:
    """The comment body for `owner/repo#N`; a one-line update when nothing fundable is left."""
    head = marker("pull-request", scope)
    tail = fit_data(_data(scope, additions), items="additions")
    if not additions:
        return fit_body([head + "\n" + PR_NO_LONGER], tail=tail)
    count = plural(len(additions), "dependency", "dependencies")
    summary = (
        f"This pull request adds **{count}** whose maintainers accept funding. Once it is "
        "merged, fundbot's Open Source Pledge plan for the organisation changes as shown."
    )
    rows = [_row(a) for a in additions[:ROWS]]
    header = ["Package", "Version", "File", "Where to fund", "Effect on the plan"]
    more = len(additions) - ROWS
    rest = f"\n\n…and {plural(more, 'more dependency', 'more dependencies')}." if more > 0 else ""
    return fit_body([head + "\n" + summary, table(header, rows) + rest, PR_UPDATED], tail=tail)


def _row(addition: PullRequestAddition) -> list[str]:
    channels = [
        f"{user_link(c.platform, c.handle, c.url)} ({escape(platform_name(c.platform))})"
        for c in addition.channels
    ]
    return [
        escape(addition.package),
        escape(addition.version, limit=60) if addition.version else "—",
        escape(addition.manifest),
        first_few(channels, 2) or "—",
        effect(addition),
    ]


def effect(addition: PullRequestAddition) -> str:
    """How the organisation plan would change for this addition's recipient."""
    after, before = addition.amount_after, addition.amount_before
    if addition.recipient is None or after is None:
        return "too little use for a share of the budget yet"
    if before is None:
        return f"new recipient: {money(after)} a year"
    if after == before:
        return f"no change ({money(after)} a year)"
    # tests/app/test_pull_requests.py pins this form; GitHub does not read `$4,000 → $` as
    # math only because a digit follows the would-be closing `$`.
    sign = "+" if after > before else "-"
    return f"{sign}{money(abs(after - before))} a year ({money(before)} → {money(after)})"


def _data(scope: str, additions: Sequence[PullRequestAddition]) -> dict[str, Any]:
    return {
        "version": DATA_VERSION,
        "scope": scope,
        "additions": [
            {
                "package": a.package,
                "version": a.version,
                "recipient": a.recipient,
                "amount_before": a.amount_before,
                "amount_after": a.amount_after,
            }
            for a in additions
        ],
    }
