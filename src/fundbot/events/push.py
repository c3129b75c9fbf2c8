"""Pushes: rescan a repository when its default branch changes a dependency file."""

from __future__ import annotations

from typing import Any

from gidgethub import routing, sansio

from fundbot.config import SETTINGS_PATH
from fundbot.events.payload import installation_id, repository_name
from fundbot.jobs.model import Job
from fundbot.scan import is_ignored, scanner_for

router = routing.Router()

CONFIG_PATHS = frozenset({SETTINGS_PATH, SETTINGS_PATH.removesuffix(".yml") + ".yaml"})
# The payments ledger: a change rescans the repository, which republishes the plan issue.
LEDGER_PREFIX = ".github/fundbot/payments/"
# GitHub lists at most this many commits in a push payload; beyond, we cannot tell.
PAYLOAD_COMMIT_LIMIT = 20


def touches_dependencies(commits: Any) -> bool:
    """True when any commit adds, changes or removes a dependency file, fundbot's config or
    a payments ledger file."""
    if not isinstance(commits, list):
        return True
    for commit in commits:
        if not isinstance(commit, dict):
            continue
        for key in ("added", "modified", "removed"):
            paths = commit.get(key)
            if not isinstance(paths, list):
                continue
            for path in paths:
                if not isinstance(path, str):
                    continue
                if path in CONFIG_PATHS:
                    return True
                if path.startswith(LEDGER_PREFIX) and path.lower().endswith(".csv"):
                    return True
                if scanner_for(path) is not None and not is_ignored(path):
                    return True
    return False


@router.register("push")
async def rescan_on_dependency_change(event: sansio.Event, jobs: list[Job]) -> None:
    data = event.data
    inst = installation_id(event)
    repository = data.get("repository")
    name = repository_name(repository)
    if inst is None or name is None or not isinstance(repository, dict):
        return
    default_branch = repository.get("default_branch") or repository.get("master_branch")
    if data.get("ref") != f"refs/heads/{default_branch}" or data.get("deleted"):
        return
    commits = data.get("commits")
    truncated = isinstance(commits, list) and len(commits) >= PAYLOAD_COMMIT_LIMIT
    if not truncated and not touches_dependencies(commits):
        return
    jobs.append(Job("scan_repository", inst, name, delivery_id=event.delivery_id))
