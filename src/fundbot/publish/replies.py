"""A command's reply: said once, found again by its marker (the rules: `publish.decide`)."""

from __future__ import annotations

from urllib.parse import quote

from fundbot.github.client import GitHubClient
from fundbot.publish.decide import Existing, decide_reply, oldest


def reply_marker(key: str) -> str:
    """`<!-- fundbot:reply:KEY -->`: one per command (a comment, or one person's box edit)."""
    return f"<!-- fundbot:reply:{quote(key, safe='')} -->"


async def reply_once(
    gh: GitHubClient, repository: str, number: int, key: str, since: str | None, text: str
) -> bool:
    """Comment `text` unless a reply with this key exists already; True when posted."""
    mark = reply_marker(key)
    # Our reply came after the command, so `since` keeps the listing to one short page.
    url = "/repos/{+repo}/issues/{number}/comments{?since,per_page}"
    variables: dict[str, str | int | None] = {
        "repo": repository,
        "number": number,
        "since": since,
        "per_page": "100",
    }
    found = oldest([comment async for comment in gh.getiter(url, variables)], mark, key="id")
    if decide_reply(None if found is None else Existing(found.get("body"))) == "keep":
        return False
    await gh.post(
        "/repos/{+repo}/issues/{number}/comments",
        {"repo": repository, "number": number},
        data={"body": f"{mark}\n{text}"},
    )
    return True
