"""The task-list commands in fundbot's issues: rescan, exclude, funded elsewhere.

Each task item carries a hidden tag naming the command and the recipient, so the issue
handler can read which boxes a person ticked without trusting the visible text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal
from urllib.parse import quote, unquote

from fundbot.model import PlanLine
from fundbot.render.context import state_ids
from fundbot.render.markdown import escape
from fundbot.render.text import platform_name

Command = Literal["rescan", "exclude", "funded-elsewhere"]
# Recipients offered per-recipient commands; the rest use `/fundbot` comment commands.
COMMAND_RECIPIENTS: Final = 30
HEADING: Final = "### Commands"
_ITEM: Final = re.compile(
    r"^\s*[-*] \[(?P<box>[ xX])\] .*<!-- fundbot:command:(?P<cmd>[a-z-]+)(?::(?P<id>\S+))? -->",
    re.MULTILINE,
)


def _tag(command: Command, recipient: str | None = None) -> str:
    # Percent-encoding leaves no `>` or `!` that could end the comment.
    suffix = f":{quote(recipient, safe=':/')}" if recipient else ""
    return f"<!-- fundbot:command:{command}{suffix} -->"


def _box(checked: bool) -> str:
    return "[x]" if checked else "[ ]"


def rescan_item(state: Mapping[str, Any]) -> str:
    """`- [ ] Rescan now`; ticking it asks fundbot to scan again."""
    return f"- {_box(state.get('rescan') is True)} Rescan now {_tag('rescan')}"


def recipient_items(label: str, recipient: str, excluded: bool, elsewhere: bool) -> str:
    """A recipient with its `exclude from the plan` and `already funded elsewhere` items."""
    return (
        f"- {label}\n"
        f"  - {_box(excluded)} exclude from the plan {_tag('exclude', recipient)}\n"
        f"  - {_box(elsewhere)} already funded elsewhere {_tag('funded-elsewhere', recipient)}"
    )


def commands_section(
    lines: Sequence[PlanLine],
    state: Mapping[str, Any],
    *,
    per_recipient: bool = True,
    note: str = "",
) -> str:
    """The commands section: rescan, then per recipient (those in the plan, then excluded)."""
    parts = [
        HEADING,
        "Tick a box to tell fundbot; it updates this issue." + (f" {note}" if note else ""),
        rescan_item(state),
    ]
    if per_recipient:
        excluded = state_ids(state, "excluded")
        elsewhere = state_ids(state, "funded_elsewhere")
        for line in lines[:COMMAND_RECIPIENTS]:
            label = f"{escape(line.handle or line.url)} ({escape(platform_name(line.platform))})"
            funded = line.funded_elsewhere or line.recipient in elsewhere
            parts.append(recipient_items(label, line.recipient, False, funded))
        shown = {line.recipient for line in lines}
        # Excluded recipients are no longer in the plan; unticking brings them back.
        for recipient in sorted(excluded - shown)[:COMMAND_RECIPIENTS]:
            parts.append(
                recipient_items(escape(recipient), recipient, True, recipient in elsewhere)
            )
        if len(lines) > COMMAND_RECIPIENTS:
            parts.append(
                f"For the other {len(lines) - COMMAND_RECIPIENTS:,} recipients, comment "
                "`/fundbot exclude RECIPIENT` or `/fundbot funded-elsewhere RECIPIENT`."
            )
    return "---\n\n" + "\n\n".join(parts[:2]) + "\n\n" + "\n".join(parts[2:])


def parse_commands(body: str | None) -> dict[str, Any]:
    """The ticked state of every command item in a body: the inverse of commands_section."""
    state: dict[str, Any] = {"rescan": False, "excluded": [], "funded_elsewhere": []}
    for match in _ITEM.finditer(body or ""):
        checked = match.group("box") != " "
        command, recipient = match.group("cmd"), match.group("id")
        if command == "rescan":
            state["rescan"] = checked
        elif recipient and checked and command in {"exclude", "funded-elsewhere"}:
            key = "excluded" if command == "exclude" else "funded_elsewhere"
            state[key].append(unquote(recipient))
    state["excluded"] = sorted(set(state["excluded"]))
    state["funded_elsewhere"] = sorted(set(state["funded_elsewhere"]))
    return state
