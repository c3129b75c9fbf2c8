"""Pull requests: look at what an opened or updated pull request adds, in a job."""

from __future__ import annotations

import re
from typing import Any

from gidgethub import routing, sansio

from fundbot.events.payload import installation_id, repository_name
from fundbot.jobs.model import Job

router = routing.Router()

# SHA-1 object names, or SHA-256 ones in repositories that use them.
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def _sha(side: Any) -> str | None:
    sha = side.get("sha") if isinstance(side, dict) else None
    return sha if isinstance(sha, str) and _SHA.fullmatch(sha) else None


@router.register("pull_request", action="edited")
async def check_retargeted_pull_request(event: sansio.Event, jobs: list[Job]) -> None:
    """A pull request moved to another base branch adds something else: look again."""
    changes = event.data.get("changes")
    if isinstance(changes, dict) and "base" in changes:
        await check_pull_request(event, jobs)


@router.register("pull_request", action="opened")
@router.register("pull_request", action="synchronize")
@router.register("pull_request", action="reopened")
async def check_pull_request(event: sansio.Event, jobs: list[Job]) -> None:
    """Queue a look at the pull request; whether comments are on is for the job to read."""
    data = event.data
    inst = installation_id(event)
    name = repository_name(data.get("repository"))
    pull = data.get("pull_request")
    if inst is None or name is None or not isinstance(pull, dict):
        return
    number = pull.get("number", data.get("number"))
    if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
        return
    payload: dict[str, Any] = {"number": number}
    head, base = _sha(pull.get("head")), _sha(pull.get("base"))
    if head is not None and base is not None:
        payload |= {"head_sha": head, "base_sha": base}
    jobs.append(Job("pull_request", inst, name, payload=payload, delivery_id=event.delivery_id))
