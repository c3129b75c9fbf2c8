"""The commands in fundbot's issues: task-list boxes and `/fundbot` comment lines.

Each task item carries a hidden tag naming the command and the recipient, so the issue
handler can read which boxes a person ticked without trusting the visible text. The state
the commands build (`excluded` and `funded_elsewhere` recipient ids, `exclude` patterns)
lives in the issue's data block; this module reads, cleans and shows it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import quote, unquote

from fundbot.model import PlanLine
from fundbot.render.context import state_ids
from fundbot.render.markdown import code, display_url, escape
from fundbot.render.text import platform_name

Command = Literal["rescan", "exclude", "funded-elsewhere"]
# What the data block keeps; `rescan` is a one-off request, never kept.
STATE_KEYS: Final = ("exclude", "excluded", "funded_elsewhere")
MAX_STATE_ITEMS: Final = 1_000
MAX_ARGUMENT: Final = 200
MAX_COMMENT_COMMANDS: Final = 10
# Values listed per kind under "Set by commands"; the data block keeps them all.
LISTED: Final = 100
PREFIX: Final = "/fundbot"
COMMENT_COMMANDS: Final = (
    "rescan",
    "exclude",
    "include",
    "funded-elsewhere",
    "not-funded-elsewhere",
    "help",
)
HELP: Final = """\
fundbot understands these commands, one per line, in a comment on its issues or on a pull request:

- `/fundbot rescan`: scan again (this repository, or every repository from the plan issue)
- `/fundbot exclude PATTERN`: leave out of the plan whatever matches PATTERN: a recipient \
(`github:someone`), a package (`npm:left-pad`, `pypi:*`) or a repository URL \
(`https://github.com/someone/*`)
- `/fundbot include PATTERN`: undo an exclusion made by a command
- `/fundbot funded-elsewhere RECIPIENT`: keep a recipient in the plan, marked as paid another \
way (it counts as paid in the Pledge report and is left out of the GitHub Sponsors file)
- `/fundbot not-funded-elsewhere RECIPIENT`: undo that
- `/fundbot help`: this text

Only people with write or admin permission on the repository can change the plan; \
exclusions in `.github/fundbot.yml` are changed in that file."""
DENIED: Final = (
    "Only people with write, maintain or admin permission on {repository} can change "
    "fundbot's plan; ask one of them, or comment `/fundbot help` to see the commands."
)
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
            # Named as in the table: the handle, else the address without its scheme.
            name = line.handle or display_url(line.url)
            label = f"{escape(name)} ({escape(platform_name(line.platform))})"
            funded = line.funded_elsewhere or line.recipient in elsewhere
            parts.append(recipient_items(label, line.recipient, False, funded))
        shown = {line.recipient for line in lines}
        # Excluded recipients are no longer in the plan; unticking brings them back.
        for recipient in sorted(excluded - shown)[:COMMAND_RECIPIENTS]:
            parts.append(
                recipient_items(escape(recipient), recipient, True, recipient in elsewhere)
            )
    more = ""
    if per_recipient and len(lines) > COMMAND_RECIPIENTS:
        # A paragraph of its own: right after the list it would continue the last item.
        more = (
            f"\n\nFor the other {len(lines) - COMMAND_RECIPIENTS:,} recipients, comment "
            "`/fundbot exclude RECIPIENT` or `/fundbot funded-elsewhere RECIPIENT`."
        )
    section = "---\n\n" + "\n\n".join(parts[:2]) + "\n\n" + "\n".join(parts[2:]) + more
    boxed: set[str] = set()
    if per_recipient:
        in_plan = {line.recipient for line in lines}
        boxed = {line.recipient for line in lines[:COMMAND_RECIPIENTS]}
        boxed |= set(sorted(state_ids(state, "excluded") - in_plan)[:COMMAND_RECIPIENTS])
    # A repository issue points to the plan issue for recipients; patterns it shows too.
    visible = state if per_recipient else {"exclude": state.get("exclude")}
    in_effect = set_by_commands(visible, boxed)
    return section + "\n\n" + in_effect if in_effect else section


def set_by_commands(state: Mapping[str, Any], boxed: Collection[str] = ()) -> str:
    """What commands set that no box shows: every `exclude` pattern, and the recipient ids
    excluded or marked funded elsewhere that have no box (empty when there is none)."""
    shown = {rid.casefold() for rid in boxed}
    rows = [
        ("Excluded by `/fundbot exclude`", sorted(state_ids(state, "exclude"))),
        (
            "Excluded",
            [r for r in sorted(state_ids(state, "excluded")) if r.casefold() not in shown],
        ),
        (
            "Funded elsewhere",
            [r for r in sorted(state_ids(state, "funded_elsewhere")) if r.casefold() not in shown],
        ),
    ]
    items = [
        f"- {title}: "
        + ", ".join(code(value, limit=MAX_ARGUMENT) for value in values[:LISTED])
        + (f" and {len(values) - LISTED:,} more" if len(values) > LISTED else "")
        for title, values in rows
        if values
    ]
    if not items:
        return ""
    undo = "`/fundbot include PATTERN` or `/fundbot not-funded-elsewhere RECIPIENT` undoes one"
    return f"**Set by commands** ({undo}):\n\n" + "\n".join(items)


def command_items(body: str | None) -> dict[str, bool]:
    """Every command box in a body, ticked or not, as `command:recipient` (or `rescan`)."""
    items: dict[str, bool] = {}
    for match in _ITEM.finditer(body or ""):
        command, recipient = match.group("cmd"), match.group("id")
        key = command if recipient is None else f"{command}:{unquote(recipient)}"
        items[key] = match.group("box") != " "
    return items


def changed_boxes(before: str | None, after: str | None) -> list[tuple[str, str, bool]]:
    """(command, recipient or "", ticked) for each box a person ticked or unticked."""
    old, new = command_items(before), command_items(after)
    changed = []
    for key, ticked in sorted(new.items()):
        if old.get(key, False) != ticked:
            command, _, recipient = key.partition(":")
            changed.append((command, recipient, ticked))
    return changed


@dataclass(frozen=True, slots=True)
class CommentCommand:
    """One `/fundbot NAME ARGUMENT` line; `name` is lowercased, unknown names kept."""

    name: str
    argument: str = ""

    @property
    def known(self) -> bool:
        return self.name in COMMENT_COMMANDS


def parse_comment(text: str | None) -> list[CommentCommand]:
    """The `/fundbot` lines of a comment (at most ten), in order."""
    found: list[CommentCommand] = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        head, _, rest = line.partition(" ")
        if head.lower() != PREFIX:
            continue
        words = rest.split()
        name = words[0].lower()[:40] if words else "help"
        argument = words[1][:MAX_ARGUMENT] if len(words) > 1 else ""
        found.append(CommentCommand(name, argument))
        if len(found) == MAX_COMMENT_COMMANDS:
            break
    return found


def clean_state(raw: Any) -> dict[str, list[str]]:
    """The kept part of a state mapping from a data block or a payload: string lists only,
    each sorted, duplicates (in any case) dropped, bounded."""
    state: dict[str, list[str]] = {}
    source = raw if isinstance(raw, Mapping) else {}
    for key in STATE_KEYS:
        values = source.get(key)
        seen: dict[str, str] = {}
        # The first spelling wins: a later `/fundbot exclude NPM:*` keeps `npm:*`.
        for item in values if isinstance(values, list | tuple) else ():
            if isinstance(item, str) and item and len(item) <= 2 * MAX_ARGUMENT:
                seen.setdefault(item.casefold(), item)
        state[key] = sorted(seen.values())[:MAX_STATE_ITEMS]
    return state
