"""What to do with the bot's text on GitHub, decided from texts alone (pure: no I/O).

Every writer — the issues, a pull request's comment, a command's reply — finds its text by
the hidden marker on its first line and writes only on change; the rules live here, the
GitHub calls in the `apply` modules beside this one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from fundbot.render.data_block import parse_data_block

# What a writer does: write a new text, edit the existing one, leave it, or reopen a closed
# issue (with the new text).
Action = Literal["create", "edit", "keep", "reopen"]
# An amount that moves by less than this share is noise, not a reason to reopen.
MATERIAL_SHARE = 0.1


def body_hash(body: str) -> str:
    """What the store remembers of a body we wrote, to know an unchanged render for free."""
    return hashlib.sha256(body.encode()).hexdigest()[:32]


def first_line(body: str | None) -> str:
    return (body or "").lstrip().split("\n", 1)[0].strip()


def carries(body: Any, marker: str) -> bool:
    """True when `body` is the bot's text for `marker`: the marker is its first line."""
    return isinstance(body, str | None) and first_line(body) == marker


def oldest(
    items: Iterable[Mapping[str, Any]], marker: str, *, key: str
) -> Mapping[str, Any] | None:
    """The oldest item (lowest `key`: issue number, comment id) carrying `marker`; should two
    exist (a person copied the marker), the oldest is ours."""
    found = [item for item in items if carries(item.get("body"), marker)]
    return min(found, key=lambda item: int(item[key])) if found else None


@dataclass(frozen=True, slots=True)
class Existing:
    """The bot's text as GitHub has it now."""

    body: str | None
    closed: bool = False


def decide_issue(existing: Existing | None, new: str) -> Action:
    """An issue: created once, edited on change; a person who closed it is obeyed until the
    plan changes materially (then it is reopened)."""
    if existing is None:
        return "create"
    if existing.closed:
        return "reopen" if materially_different(existing.body, new) else "keep"
    return "keep" if existing.body == new else "edit"


def decide_comment(existing: Existing | None, new: str, *, create: bool) -> Action | None:
    """A pull request's comment: edited on change, created only when asked (there is
    something to say); None when there is none and none is wanted."""
    if existing is None:
        return "create" if create else None
    return "keep" if existing.body == new else "edit"


def decide_reply(existing: Existing | None) -> Action:
    """A command's reply: said once, never edited (a redelivered command is not answered
    twice)."""
    return "create" if existing is None else "keep"


def materially_different(old_body: str | None, new_body: str) -> bool:
    """Budget, recipients, or an amount moving by 10% or more."""
    old, new = parse_data_block(old_body), parse_data_block(new_body)
    if old is None or new is None:
        return True
    if old.get("budget") != new.get("budget"):
        return True
    old_lines = _amounts(old.get("lines"))
    new_lines = _amounts(new.get("lines"))
    if set(old_lines) != set(new_lines):
        return True
    return any(
        abs(new_lines[r] - old_lines[r]) >= MATERIAL_SHARE * max(old_lines[r], 1) for r in new_lines
    )


def _amounts(lines: Any) -> dict[str, float]:
    if not isinstance(lines, list):
        return {}
    return {
        str(line.get("recipient")): float(line.get("amount_usd_per_year") or 0)
        for line in lines
        if isinstance(line, dict)
    }
