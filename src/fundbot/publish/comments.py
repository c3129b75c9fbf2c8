"""A pull request's comment: found by its marker among the App's own comments, edited on
change, created only when there is something to say (the rules: `publish.decide`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from gidgethub import BadRequest

from fundbot.github.client import GitHubClient
from fundbot.publish.decide import Existing, body_hash, decide_comment, oldest

log = logging.getLogger(__name__)

COMMENTS_PER_PAGE = "100"

CommentOutcome = Literal["created", "updated", "unchanged", "absent"]


@dataclass(frozen=True, slots=True)
class PublishedComment:
    outcome: CommentOutcome
    comment_id: int | None
    body_hash: str


async def find_comment(
    gh: GitHubClient, repository: str, number: int, marker: str, bot_login: str | None
) -> dict[str, Any] | None:
    """Our comment carrying `marker` on the pull request, the oldest if a copy exists."""
    ours = [
        comment
        async for comment in gh.getiter(
            "/repos/{+repo}/issues/{number}/comments{?per_page}",
            {"repo": repository, "number": number, "per_page": COMMENTS_PER_PAGE},
        )
        if isinstance(comment, dict) and _by_us(comment.get("user"), bot_login)
    ]
    found = oldest(ours, marker, key="id")
    return dict(found) if found is not None else None


def _by_us(user: Any, bot_login: str | None) -> bool:
    """A person may paste our marker; only the App's own comments are ours to edit."""
    if not isinstance(user, dict):
        return False
    if bot_login is not None:
        return str(user.get("login", "")).casefold() == bot_login.casefold()
    return user.get("type") == "Bot"


async def publish_comment(
    gh: GitHubClient,
    repository: str,
    number: int,
    *,
    marker: str,
    body: str,
    create: bool,
    bot_login: str | None,
    remembered: tuple[int, str] | None,
) -> PublishedComment:
    """Edit our comment when its text changed; create it only when `create` is set.

    `remembered` is (comment id, body hash) from the store; id 0 means "we looked and
    there was none". Creating always looks first, so a job run twice never posts twice.
    """
    digest = body_hash(body)
    if remembered is not None and remembered[0] and remembered[1] == digest:
        return PublishedComment("unchanged", remembered[0], digest)
    if remembered is not None and remembered[0]:
        if await _edit(gh, repository, remembered[0], body):
            return PublishedComment("updated", remembered[0], digest)
    elif remembered is not None and not create:
        return PublishedComment("absent", None, "")
    comment = await find_comment(gh, repository, number, marker, bot_login)
    existing = None if comment is None else Existing(comment.get("body"))
    action = decide_comment(existing, body, create=create)
    if action is None:
        return PublishedComment("absent", None, "")
    if comment is not None:
        comment_id = int(comment["id"])
        if action == "edit":
            await _edit(gh, repository, comment_id, body)
            return PublishedComment("updated", comment_id, digest)
        return PublishedComment("unchanged", comment_id, digest)
    created = await gh.post(
        "/repos/{+repo}/issues/{number}/comments",
        {"repo": repository, "number": number},
        data={"body": body},
    )
    return PublishedComment("created", int(created["id"]), digest)


async def _edit(gh: GitHubClient, repository: str, comment_id: int, body: str) -> bool:
    """False when the comment is gone (a person deleted it)."""
    try:
        await gh.patch(
            "/repos/{+repo}/issues/comments/{id}",
            {"repo": repository, "id": comment_id},
            data={"body": body},
        )
    except BadRequest as exc:
        if exc.status_code in (404, 410):
            log.info("comment gone", extra={"repository": repository, "comment": comment_id})
            return False
        raise
    return True
