"""Idempotent issue writes: find our issue by its hidden marker, write only on change.

Every job may run twice, concurrently with a redelivery, or after the store was lost; so
the issue is looked up by the marker on its first line (never by title), and what to do
with it is `publish.decide.decide_issue`'s call; here are only the GitHub writes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from gidgethub import BadRequest

from fundbot.github.client import GitHubClient
from fundbot.publish.decide import Existing, body_hash, carries, decide_issue, oldest

log = logging.getLogger(__name__)

Outcome = Literal["created", "updated", "unchanged", "kept_closed", "reopened"]


@dataclass(frozen=True, slots=True)
class Published:
    outcome: Outcome
    number: int | None
    body_hash: str


async def find_issue(
    gh: GitHubClient, repository: str, marker: str, creator: str | None, hint: int | None
) -> dict[str, Any] | None:
    """Our issue for this marker: the remembered number first, else a scan of our issues."""
    if hint is not None:
        try:
            issue = await gh.getitem(
                "/repos/{+repo}/issues/{number}", {"repo": repository, "number": hint}
            )
        except BadRequest as exc:
            if exc.status_code not in (404, 410):
                raise
        else:
            if carries(issue.get("body"), marker) and "pull_request" not in issue:
                return dict(issue)
    variables: dict[str, Any] = {"repo": repository, "state": "all", "per_page": "100"}
    url = "/repos/{+repo}/issues{?state,per_page}"
    if creator:
        variables["creator"] = creator
        url = "/repos/{+repo}/issues{?state,creator,per_page}"
    issues = [issue async for issue in gh.getiter(url, variables) if "pull_request" not in issue]
    found = oldest(issues, marker, key="number")
    return dict(found) if found is not None else None


async def ensure_labels(gh: GitHubClient, repository: str, labels: Sequence[str]) -> None:
    for name in labels:
        try:
            await gh.getitem("/repos/{+repo}/labels/{name}", {"repo": repository, "name": name})
        except BadRequest as exc:
            if exc.status_code != 404:
                raise
            await gh.post(
                "/repos/{+repo}/labels",
                {"repo": repository},
                data={
                    "name": name,
                    "color": "2da44e",
                    "description": "Funding the open source we use",
                },
            )


async def publish_issue(
    gh: GitHubClient,
    repository: str,
    *,
    marker: str,
    title: str,
    body: str,
    labels: Sequence[str],
    creator: str | None,
    remembered: int | None,
    remembered_hash: str | None,
) -> Published:
    """Create or update the issue carrying `marker`; never a second one."""
    digest = body_hash(body)
    if remembered is not None and remembered_hash == digest:
        return Published("unchanged", remembered, digest)
    issue = await find_issue(gh, repository, marker, creator, remembered)
    existing = (
        None if issue is None else Existing(issue.get("body"), issue.get("state") == "closed")
    )
    action = decide_issue(existing, body)
    if issue is None:
        if labels:
            await ensure_labels(gh, repository, labels)
        created = await gh.post(
            "/repos/{+repo}/issues",
            {"repo": repository},
            data={"title": title, "body": body, "labels": list(labels)},
        )
        return Published("created", int(created["number"]), digest)
    number = int(issue["number"])
    if action == "reopen":
        await _edit(gh, repository, number, {"state": "open", "body": body})
        return Published("reopened", number, digest)
    if action == "edit":
        await _edit(gh, repository, number, {"body": body})
        return Published("updated", number, digest)
    # Kept: remember the body even when we chose not to write it to a closed issue, so the
    # same plan next time costs nothing; a different one is looked at again.
    return Published("kept_closed" if existing and existing.closed else "unchanged", number, digest)


async def _edit(gh: GitHubClient, repository: str, number: int, data: Mapping[str, Any]) -> None:
    await gh.patch(
        "/repos/{+repo}/issues/{number}", {"repo": repository, "number": number}, data=dict(data)
    )
