"""Installation events: scan what was installed, forget what was removed."""

from __future__ import annotations

from typing import Any

from gidgethub import routing, sansio

from fundbot.events.payload import installation_id, repository_name
from fundbot.jobs.model import Job

router = routing.Router()


@router.register("installation", action="created")
@router.register("installation", action="unsuspend")
@router.register("installation", action="new_permissions_accepted")
async def scan_new_installation(event: sansio.Event, jobs: list[Job]) -> None:
    if (inst := installation_id(event)) is not None:
        jobs.append(Job("scan_installation", inst, delivery_id=event.delivery_id))


@router.register("installation", action="deleted")
async def forget_installation(event: sansio.Event, jobs: list[Job]) -> None:
    if (inst := installation_id(event)) is not None:
        jobs.append(Job("forget_installation", inst, delivery_id=event.delivery_id))


def _names(repositories: Any) -> list[str]:
    if not isinstance(repositories, list):
        return []
    return sorted({name for r in repositories if (name := repository_name(r))})


@router.register("installation_repositories", action="added")
async def scan_added_repositories(event: sansio.Event, jobs: list[Job]) -> None:
    inst = installation_id(event)
    if inst is None:
        return
    for name in _names(event.data.get("repositories_added")):
        # refresh_info: the repository is new to us, ask GitHub what it is.
        jobs.append(
            Job(
                "scan_repository",
                inst,
                name,
                payload={"refresh_info": True},
                delivery_id=event.delivery_id,
            )
        )


@router.register("installation_repositories", action="removed")
async def forget_removed_repositories(event: sansio.Event, jobs: list[Job]) -> None:
    inst = installation_id(event)
    names = _names(event.data.get("repositories_removed"))
    if inst is not None and names:
        jobs.append(
            Job(
                "forget_repositories",
                inst,
                payload={"repositories": names},
                delivery_id=event.delivery_id,
            )
        )
