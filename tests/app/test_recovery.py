"""Issue 13, items 2 and 3, the cases their first tests left out: a lost store honours the
commands kept in the issues' data blocks when a push (not an install) brings the App back,
and a reinstall's full scan is not absorbed by an identical scan queued before the
uninstall."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from fundbot.jobs.model import Job
from fundbot.render.data_block import parse_data_block
from fundbot.storage.sqlite_queue import SqliteQueue
from tests.app.harness import (
    acme,
    app_under_test,
    push_payload,
    serve_acme_registries,
    serve_registry_fixtures,
)
from tests.app.webhooks import example
from tests.fakes.github import FakeGitHub
from tests.fakes.server import FakeServer

PLAN, SHOP = "acme/.github", "acme/shop"
REQS = "api/requirements.txt"


def _plan_data(github: FakeGitHub) -> dict[str, Any]:
    (issue,) = github.bot_issues(PLAN)
    found = parse_data_block(issue.body)
    assert found is not None
    return found


def _exclude_comment(github: FakeGitHub, login: str, text: str) -> dict[str, Any]:
    (issue,) = github.bot_issues(PLAN)
    comment = github.add_comment(PLAN, issue.number, text, login)
    payload = example("issue_comment", "created")
    payload["installation"] = {"id": 7}
    payload["repository"]["full_name"] = PLAN
    payload["issue"].update(number=issue.number, body=issue.body)
    payload["issue"].pop("pull_request", None)
    sender = {"login": login, "type": "User", "id": 1}
    payload["comment"].update(
        id=comment["id"], body=text, user=sender, created_at=comment["created_at"]
    )
    payload["sender"] = sender
    return payload


# -- 2. a lost store: a push brings the App back, the commands' state comes from the issues ------
async def test_2_a_push_after_a_lost_store_keeps_the_excluded_package(
    fake: FakeServer, tmp_path: Path
) -> None:
    """`/fundbot exclude npm:chalk`, then the data directory is lost, then a push: the plan
    the App rebuilds (a full scan first, the store being empty) still leaves chalk out,
    because the state is read back from the plan issue's data block."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    github.repo(PLAN).permissions["alice"] = "admin"
    serve_acme_registries(fake)
    serve_registry_fixtures(fake)
    data = tmp_path / "data"
    async with app_under_test(fake, data, github) as app:
        await app.install()
        chalk = {str(line["recipient"]) for line in _plan_data(github)["lines"]}
        assert any("chalk" in r for r in chalk)
        comment = _exclude_comment(github, "alice", "/fundbot exclude npm:chalk")
        assert await app.deliver("issue_comment", comment) == 202
        await app.settle()
    excluded = _plan_data(github)
    assert excluded["state"]["exclude"] == ["npm:chalk"]
    assert all("chalk" not in str(line["recipient"]) for line in excluded["lines"])
    shutil.rmtree(data)
    github.repo(SHOP).files[REQS] = "flask==3.0.0\nhttpx==0.27\n"
    async with app_under_test(fake, data, github) as app:
        assert await app.deliver("push", push_payload(SHOP, modified=(REQS,))) == 202
        await app.settle()
    after = _plan_data(github)
    assert after["state"]["exclude"] == ["npm:chalk"]
    assert all("chalk" not in str(line["recipient"]) for line in after["lines"])
    assert all("npm:chalk" not in line["packages"] for line in after["lines"])
    (issue,) = github.bot_issues(PLAN)
    assert "pypi:httpx" in issue.body  # the push's change is in, the command still holds
    assert "Excluded by `/fundbot exclude`: `npm:chalk`" in issue.body


# -- 3. a full scan queued before the uninstall absorbs nothing ----------------------------------
async def test_3_a_full_scan_queued_before_the_uninstall_does_not_absorb_the_reinstalls(
    fake: FakeServer, tmp_path: Path
) -> None:
    """A full scan waits in the queue; `installation deleted`, then `installation created`
    (whose full scan is identical to the waiting one): the forget drops the old scan and the
    reinstall's scan still runs, so the installation ends scanned and published."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
        github.repo(SHOP).files[REQS] = "flask==3.0.0\nhttpx==0.27\n"
        await app.started.workers.stop()
        queue = app.started.context.queue
        await queue.enqueue([Job("scan_installation", 7)])  # e.g. the reconcile's
        assert await app.deliver("installation", app.installation_payload(action="deleted")) == 202
        assert await app.deliver("installation", app.installation_payload()) == 202
        app.started.workers.start()
        await app.settle()
        store = app.started.context.store
        assert [i.id for i in await store.installations()] == [7]
        assert await store.scans(7)
    (plan,) = github.bot_issues(PLAN)
    assert "pypi:httpx" in plan.body
    assert len(github.bot_issues(SHOP)) == 1


async def test_3_a_retried_scan_from_before_the_uninstall_spares_the_reinstalls(
    tmp_path: Path,
) -> None:
    """A full scan running when the uninstall arrives fails and is retried: the retry must
    not delete the reinstall's identical scan queued meanwhile (a retry drops its queued
    twins), and the forget then drops the old scan only."""
    queue = SqliteQueue(tmp_path / "queue.sqlite3", backoff_base=0.0)
    await queue.start()
    try:
        await queue.enqueue([Job("scan_installation", 7)])
        before = await queue.claim()
        assert before is not None
        await queue.enqueue([Job("forget_installation", 7)])
        await queue.enqueue([Job("scan_installation", 7)])  # the reinstall's: not absorbed
        assert (await queue.counts())["queued"] == 2
        assert await queue.fail(before, "installation gone") is True
        assert (await queue.counts())["queued"] == 3
        kinds = []
        while (claimed := await queue.claim()) is not None:
            kinds.append(claimed.job.kind)
            if claimed.job.kind == "forget_installation":
                await queue.forget_installation(7)
            await queue.complete(claimed)
        assert kinds == ["scan_installation", "forget_installation", "scan_installation"]
    finally:
        await queue.close()
