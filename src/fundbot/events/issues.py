"""Issue edits: a person ticking a box in one of fundbot's issues is a command."""

from __future__ import annotations

from typing import Any

from gidgethub import routing, sansio

from fundbot.events.payload import installation_id, repository_name
from fundbot.jobs.model import Job
from fundbot.publish.decide import first_line
from fundbot.render.commands import changed_boxes, clean_state
from fundbot.render.data_block import find_marker, marker, parse_data_block

router = routing.Router()

# Kinds of fundbot issue that carry command boxes (pull-request comments carry none).
COMMAND_KINDS = frozenset({"plan", "repository"})


def is_bot(user: Any) -> bool:
    """True for an App or any other bot account: fundbot never acts on a bot's edit."""
    if not isinstance(user, dict):
        return True  # no sender: nobody to answer, nothing to trust
    login = user.get("login")
    return user.get("type") == "Bot" or not isinstance(login, str) or login.endswith("[bot]")


def login_of(user: Any) -> str | None:
    login = user.get("login") if isinstance(user, dict) else None
    return login if isinstance(login, str) and login else None


def our_issue(body: Any) -> tuple[str, str] | None:
    """(kind, scope) when the body is one of fundbot's issues: our marker on its first line."""
    if not isinstance(body, str):
        return None
    head = first_line(body)
    found = find_marker(head)
    if found is None or found[0] not in COMMAND_KINDS:
        return None
    return found if head == marker(*found) else None


def block_state(body: Any) -> dict[str, list[str]] | None:
    """The commands' state kept in a body's data block, or None when there is none."""
    data = parse_data_block(body) if isinstance(body, str) else None
    return clean_state(data.get("state")) if data and "state" in data else None


@router.register("issues", action="edited")
async def checkbox_commands(event: sansio.Event, jobs: list[Job]) -> None:
    data = event.data
    inst, name = installation_id(event), repository_name(data.get("repository"))
    issue, sender = data.get("issue"), data.get("sender")
    if inst is None or name is None or not isinstance(issue, dict) or is_bot(sender):
        return
    body = issue.get("body")
    found = our_issue(body)
    changes = data.get("changes")
    before = changes.get("body") if isinstance(changes, dict) else None
    old = before.get("from") if isinstance(before, dict) else None
    number = issue.get("number")
    if found is None or not isinstance(old, str) or not isinstance(number, int):
        return  # not ours, or the title (not the body) changed
    boxes = changed_boxes(old, body)
    if not boxes:
        return
    payload = {
        "source": "checkbox",
        "number": number,
        "sender": login_of(sender),
        "kind": found[0],
        "scope": found[1],
        "boxes": [list(box) for box in boxes],
        "state": block_state(old),
        # Names this edit: a redelivery finds the reply it already got.
        "since": issue.get("updated_at") if isinstance(issue.get("updated_at"), str) else None,
    }
    jobs.append(Job("issue_command", inst, name, payload=payload, delivery_id=event.delivery_id))
