"""Idempotent issue writes: find our issue by its hidden marker, write only on change.

Every job may run twice, concurrently with a redelivery, or after the store was lost; so
the issue is looked up by the marker on its first line (never by title), created only
when absent, and edited only when its text differs. A person who closed it is obeyed
until the plan changes materially.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from gidgethub import BadRequest

from fundbot.github.client import GitHubClient
from fundbot.render.data_block import parse_data_block

log = logging.getLogger(__name__)

Outcome = Literal["created", "updated", "unchanged", "kept_closed", "reopened", "disabled"]
# An amount that moves by less than this share is noise, not a reason to reopen.
MATERIAL_SHARE = 0.1


@dataclass(frozen=True, slots=True)
class Published:
    outcome: Outcome
    number: int | None
    body_hash: str


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()[:32]


def first_line(body: str | None) -> str:
    return (body or "").lstrip().split("\n", 1)[0].strip()


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
            if first_line(issue.get("body")) == marker and "pull_request" not in issue:
                return dict(issue)
    variables: dict[str, Any] = {"repo": repository, "state": "all", "per_page": "100"}
    url = "/repos/{+repo}/issues{?state,per_page}"
    if creator:
        variables["creator"] = creator
        url = "/repos/{+repo}/issues{?state,creator,per_page}"
    found: list[dict[str, Any]] = []
    async for issue in gh.getiter(url, variables):
        if "pull_request" in issue:
            continue
        if first_line(issue.get("body")) == marker:
            found.append(issue)
    # Should two exist (a person copied the marker), the oldest is ours.
    return min(found, key=lambda i: int(i["number"])) if found else None


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
    if issue.get("state") == "closed":
        if not materially_different(issue.get("body"), body):
            # Remember the body we chose not to write: the same plan next time costs nothing;
            # a different one is looked at again (and reopens the issue if material).
            return Published("kept_closed", number, digest)
        await _edit(gh, repository, number, {"state": "open", "body": body})
        return Published("reopened", number, digest)
    if issue.get("body") == body:
        return Published("unchanged", number, digest)
    await _edit(gh, repository, number, {"body": body})
    return Published("updated", number, digest)


async def _edit(gh: GitHubClient, repository: str, number: int, data: Mapping[str, Any]) -> None:
    await gh.patch(
        "/repos/{+repo}/issues/{number}", {"repo": repository, "number": number}, data=dict(data)
    )
