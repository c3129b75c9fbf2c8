"""Faults end to end: GitHub 5xx, secondary rate limits and 429, a worker killed mid-job, a
delivery sent twice; each must end with exactly the right issues."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from tests.app.harness import AppUnderTest, acme, app_under_test, serve_registry_fixtures
from tests.fakes.github import FakeGitHub
from tests.fakes.server import FakeServer

SHOP = "acme/shop"
PLAN = "acme/.github"


def acme_github() -> FakeGitHub:
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    return github


def assert_right_issues(github: FakeGitHub) -> None:
    """One issue per scope, with the plan's content, and nothing else written."""
    shop, plan = github.bot_issues(SHOP), github.bot_issues(PLAN)
    assert [i.body.splitlines()[0] for i in shop] == ["<!-- fundbot:repository:acme/shop -->"]
    assert [i.body.splitlines()[0] for i in plan] == ["<!-- fundbot:plan:acme -->"]
    assert "palletsprojects.com/donate" in shop[0].body
    assert "palletsprojects.com/donate" in plan[0].body
    assert github.bot_issues("acme/old") == []


def retried_jobs(app: AppUnderTest) -> float:
    value = app.started.metrics.registry.get_sample_value(
        "fundbot_jobs_finished_total", {"kind": "scan_installation", "outcome": "retry"}
    )
    return value or 0.0


@pytest.mark.parametrize(
    ("method", "path", "status", "headers", "times"),
    [
        ("GET", r"^/repos/acme/shop/git/trees/", 502, {}, 2),
        ("GET", r"^/repos/acme/shop/git/blobs/", 503, {}, 3),
        ("GET", r"^/repos/acme/shop/issues$", 500, {}, 1),
        ("GET", r"^/repos/acme/shop/git/trees/", 403, {"retry-after": "1"}, 1),
        ("GET", r"^/repos/acme/shop/git/blobs/", 429, {}, 2),
        ("GET", r"^/installation/repositories$", 429, {"retry-after": "1"}, 1),
    ],
    ids=["tree-502", "blob-503", "issues-500", "secondary-403", "blob-429", "list-429"],
)
async def test_client_retries_what_github_asks_and_ends_right(
    fake: FakeServer,
    tmp_path: Path,
    method: str,
    path: str,
    status: int,
    headers: dict[str, str],
    times: int,
) -> None:
    """5xx, a 403 secondary limit with retry-after and 429 are retried by the client, even
    with sleeping off, and the job ends with the right issues."""
    github = acme_github()
    github.fail(method, path, status, headers=headers, times=times)
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
        assert app.started.context.github.logs[7].retries == {status: times}
        assert retried_jobs(app) == 0
    assert_right_issues(github)


@pytest.mark.parametrize(
    ("path", "status", "times"),
    [
        (r"^/repos/acme/shop/git/trees/", 502, 6),
        (r"^/repos/acme/shop/git/blobs/", 503, 10),  # two blobs, five attempts each
        (r"^/repos/acme/.github/issues$", 500, 6),
    ],
    ids=["tree", "blob", "issues"],
)
async def test_job_retries_when_the_client_gives_up(
    fake: FakeServer, tmp_path: Path, path: str, status: int, times: int
) -> None:
    """More failures than the client's attempts: the job fails, the queue retries it after
    its (short, configured) backoff, and it ends with the right issues."""
    github = acme_github()
    github.fail("GET", path, status, times=times)
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
        assert retried_jobs(app) == 1
        assert (await app.started.context.queue.counts())["failed"] == 0
    assert_right_issues(github)


async def test_a_failed_create_is_not_retried_blindly(fake: FakeServer, tmp_path: Path) -> None:
    """A 5xx on creating an issue is not retried by the client (it may have landed); the job
    reruns, looks for its issue first, and there is one."""
    github = acme_github()
    github.fail("POST", r"^/repos/acme/shop/issues$", 502, times=1)
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
        assert retried_jobs(app) == 1
        assert app.started.context.github.logs[7].retries == {}
    assert_right_issues(github)


async def test_worker_killed_mid_job_reruns_at_start(
    fake: FakeServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The App stops while a job's write is in flight (and the write lands): at the next
    start the interrupted job runs again and leaves exactly the right issues."""
    github = acme_github()
    serve_registry_fixtures(fake)
    caplog.set_level(logging.INFO, logger="fundbot.jobs.worker")
    held = github.hold("POST", r"^/repos/acme/\.github/issues$")
    loop = asyncio.get_running_loop()
    async with app_under_test(fake, tmp_path, github) as app:
        assert await app.deliver("installation", app.installation_payload(), "one") == 202
        assert await loop.run_in_executor(None, held.arrived.wait, 10)
        assert (await app.started.context.queue.counts())["running"] == 1
    # The App is gone; the write it sent now lands, unanswered.
    held.release()
    for _ in range(200):
        if github.bot_issues(PLAN):
            break
        await asyncio.sleep(0.01)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.settle()
        # The interrupted job itself ran again, as its second attempt, in the new process.
        reruns = [
            r
            for r in caplog.records
            if r.getMessage() == "job done" and getattr(r, "delivery_id", None) == "one"
        ]
        assert [getattr(r, "attempt", None) for r in reruns] == [2]
        # The same delivery again after the restart: remembered on disk, no second job.
        assert await app.deliver("installation", app.installation_payload(), "one") == 200
        await app.settle()
    assert_right_issues(github)
    assert github.count("POST", "/issues") == 2


async def test_the_same_delivery_twice_is_one_job(fake: FakeServer, tmp_path: Path) -> None:
    """A delivery redelivered (same X-GitHub-Delivery), even concurrently, runs once."""
    github = acme_github()
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        payload = app.installation_payload()
        statuses = await asyncio.gather(
            *(app.deliver("installation", payload, "dup") for _ in range(5))
        )
        await app.settle()
        finished = app.started.metrics.registry.get_sample_value(
            "fundbot_jobs_finished_total", {"kind": "scan_installation", "outcome": "done"}
        )
    assert sorted(statuses) == [200, 200, 200, 200, 202]
    assert finished == 1
    assert github.count("GET", "/installation/repositories") == 1
    assert_right_issues(github)


async def test_a_blob_gone_between_tree_and_read_rescans_instead_of_storing_the_error(
    fake: FakeServer, tmp_path: Path
) -> None:
    """A blob the tree just listed answers 404 when a push moves the branch under the scan.
    The job runs again against the new tree: were the error stored with the old tree's sha,
    a later scan meeting the same tree again (a file changed back) would trust it and the
    repository's dependencies would be lost."""
    github = acme_github()
    github.fail("GET", r"^/repos/acme/shop/git/blobs/", 404, times=1)
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
        stored = await app.started.context.store.scan(7, "acme/shop")
        assert stored is not None
        assert stored.errors == ()
        assert retried_jobs(app) == 1
    assert_right_issues(github)
