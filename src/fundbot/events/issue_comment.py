"""Comments: `/fundbot …` lines on fundbot's issues and on pull requests are commands."""

from __future__ import annotations

from gidgethub import routing, sansio

from fundbot.events.issues import block_state, is_bot, login_of, our_issue
from fundbot.events.payload import installation_id, repository_name
from fundbot.jobs.model import Job
from fundbot.render.commands import PREFIX, parse_comment

router = routing.Router()

# The job needs the command lines only; a comment longer than this is cut.
MAX_TEXT = 4_000


@router.register("issue_comment", action="created")
async def comment_commands(event: sansio.Event, jobs: list[Job]) -> None:
    data = event.data
    inst, name = installation_id(event), repository_name(data.get("repository"))
    issue, comment = data.get("issue"), data.get("comment")
    if inst is None or name is None or not isinstance(issue, dict):
        return
    if not isinstance(comment, dict) or not isinstance(comment.get("body"), str):
        return
    text = comment["body"][:MAX_TEXT]
    if not text.lstrip().lower().startswith(PREFIX) or not parse_comment(text):
        return
    if is_bot(comment.get("user")) or is_bot(data.get("sender")):
        return
    number, comment_id = issue.get("number"), comment.get("id")
    if not isinstance(number, int) or not isinstance(comment_id, int):
        return
    found = our_issue(issue.get("body"))
    if found is None and "pull_request" not in issue:
        return  # someone else's issue: not ours to answer
    created = comment.get("created_at")
    payload = {
        "source": "comment",
        "number": number,
        "comment_id": comment_id,
        "sender": login_of(comment.get("user")),
        "kind": found[0] if found else "pull-request",
        "scope": found[1] if found else f"{name}#{number}",
        "text": text,
        "state": block_state(issue.get("body")) if found else None,
        "since": created if isinstance(created, str) else None,
    }
    jobs.append(Job("issue_command", inst, name, payload=payload, delivery_id=event.delivery_id))
