"""The durable queue: recovery after a crash, per-repository serialisation, coalescing,
retries with backoff, and group commit under concurrent submissions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from fundbot.jobs.model import Job
from fundbot.jobs.worker import WorkerPool
from fundbot.storage.sqlite_queue import SqliteQueue


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def queue(tmp_path: Path) -> AsyncIterator[SqliteQueue]:
    q = SqliteQueue(tmp_path / "q.sqlite3", max_attempts=3, backoff_base=10, clock=Clock())
    await q.start()
    yield q
    await q.close()


def scan(repo: str, installation: int = 1) -> Job:
    return Job("scan_repository", installation, repo)


async def test_interrupted_job_runs_again_after_restart(tmp_path: Path) -> None:
    """A job claimed by a process that died is queued again when the queue reopens."""
    path = tmp_path / "q.sqlite3"
    first = SqliteQueue(path)
    await first.start()
    await first.enqueue([scan("o/a")])
    assert await first.claim() is not None
    await first.close()  # the worker never completed: as good as a kill
    second = SqliteQueue(path)
    await second.start()
    claimed = await second.claim()
    await second.close()
    assert claimed is not None
    assert (claimed.job.repository, claimed.attempts) == ("o/a", 2)


async def test_one_repository_never_runs_twice_at_once(queue: SqliteQueue) -> None:
    """While a job for o/a runs, the next o/a job waits; o/b may run."""
    await queue.enqueue([scan("o/a")])
    first = await queue.claim()
    await queue.enqueue([scan("o/a"), scan("o/b")])
    second = await queue.claim()
    third = await queue.claim()
    assert first is not None
    assert second is not None
    assert (second.job.repository, third) == ("o/b", None)
    await queue.complete(first)
    fourth = await queue.claim()
    assert fourth is not None
    assert fourth.job.repository == "o/a"


async def test_installation_scan_excludes_its_repository_jobs(queue: SqliteQueue) -> None:
    """A whole-installation job and a repository job of that installation never overlap."""
    await queue.enqueue([Job("scan_installation", 1), scan("o/a", 1), scan("o/z", 2)])
    whole = await queue.claim()
    other = await queue.claim()
    assert whole is not None
    assert other is not None
    assert (whole.job.kind, other.job.installation_id, await queue.claim()) == (
        "scan_installation",
        2,
        None,
    )


async def test_identical_queued_jobs_coalesce(queue: SqliteQueue) -> None:
    """Twenty pushes to one repository queue one rescan."""
    for n in range(20):
        await queue.submit(f"delivery-{n}", "push", [scan("o/a")])
    assert (await queue.counts())["queued"] == 1


async def test_failing_job_is_retried_with_backoff_then_failed(queue: SqliteQueue) -> None:
    """A failing job comes back after a growing delay, and after the last try stays failed."""
    clock = queue.clock
    assert isinstance(clock, Clock)
    await queue.enqueue([scan("o/a")])
    outcomes = []
    for _ in range(3):
        claimed = await queue.claim()
        assert claimed is not None
        outcomes.append(await queue.fail(claimed, "boom"))
        assert await queue.claim() is None  # not before its backoff
        clock.now += 10 * 2**claimed.attempts
    failed = await queue.failed_jobs()
    assert outcomes == [True, True, False]
    assert [(f.serial_key, f.attempts, f.error) for f in failed] == [("1:o/a", 3, "boom")]


async def test_concurrent_submissions_share_commits(queue: SqliteQueue) -> None:
    """Many deliveries submitted at once are all durable and de-duplicated by id."""
    ids = [f"d{n % 500}" for n in range(1000)]
    results = await asyncio.gather(*(queue.submit(d, "push", [scan(f"o/r{d}")]) for d in ids))
    assert sum(results) == 500
    assert (await queue.counts())["queued"] == 500


async def test_worker_pool_runs_jobs_and_records_outcomes(queue: SqliteQueue) -> None:
    """Workers run each job's handler; a raising handler leaves the job for a retry."""
    seen: list[str] = []

    async def handle(job: Job) -> None:
        seen.append(job.repository or "")
        if job.repository == "o/bad":
            raise RuntimeError("GitHub said no")

    pool = WorkerPool(queue, {"scan_repository": handle}, concurrency=2, poll_interval=0.01)
    await queue.enqueue([scan("o/a"), scan("o/bad"), scan("o/c")])
    pool.start()
    for _ in range(200):
        if len(seen) == 3 and pool.running == 0:
            break
        await asyncio.sleep(0.01)
    await pool.stop()
    assert sorted(seen) == ["o/a", "o/bad", "o/c"]
    assert await queue.counts() == {"queued": 1, "running": 0, "failed": 0}
