"""procrastinate-specific behaviour: the periodic reconcile across workers, the backoff, the
installation lock that defers a job instead of waiting."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from psycopg_pool import AsyncConnectionPool

from fundbot.jobs.model import Job
from fundbot.jobs.pg_worker import PgWorker, reconcile_cron
from fundbot.jobs.worker import Backoff
from fundbot.storage.pg_queue import PgQueue
from fundbot.storage.pg_schema import migrate
from fundbot.storage.pg_store import connection_pool


def test_backoff_doubles_and_is_capped() -> None:
    backoff = Backoff(base=30, cap=100)
    assert [backoff.delay(runs) for runs in range(1, 5)] == [30, 60, 100, 100]


@pytest.mark.parametrize(
    ("interval", "cron"),
    [
        (1, "*/1 * * * * *"),
        (45, "*/30 * * * * *"),
        (600, "*/10 * * * *"),
        (7200, "0 */2 * * *"),
        (86400, "0 0 * * *"),
    ],
)
def test_reconcile_interval_as_cron(interval: float, cron: str) -> None:
    assert reconcile_cron(interval) == cron


async def test_the_reconcile_runs_once_per_period_whatever_the_number_of_workers(
    pg_url: str,
) -> None:
    await migrate(pg_url)
    runs: list[float] = []

    async def reconcile() -> None:
        runs.append(asyncio.get_running_loop().time())

    async with AsyncConnectionPool(pg_url, min_size=1, max_size=6) as pool:
        workers = [
            PgWorker(pool, {}, reconcile=reconcile, reconcile_interval=1, heartbeat=0.2)
            for _ in range(3)
        ]
        for worker in workers:
            await worker.start()
        await asyncio.sleep(4.5)
        for worker in workers:
            await worker.stop()
    # One a second between three workers (the first period may be caught or not).
    assert 3 <= len(runs) <= 6


async def _until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Wait for a condition (polled), failing with `what` if it never comes."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.01)


async def test_a_busy_installation_defers_the_job_instead_of_blocking_a_worker(
    migrated_pg_url: str,
) -> None:
    """An installation-wide job and a repository job of one installation, two workers: the
    one that finds the installation busy goes back to the queue (its worker free again,
    no failed attempt), then runs once the other is done; never both at once."""
    active: list[str] = []
    overlaps: list[list[str]] = []
    done: list[str] = []
    release = asyncio.Event()

    async def handler(job: Job) -> None:
        active.append(job.kind)
        if len(active) > 1:
            overlaps.append(list(active))
        if len(done) == 0:
            await release.wait()  # The first job holds the installation.
        active.remove(job.kind)
        done.append(job.kind)

    handlers = {"scan_installation": handler, "scan_repository": handler}
    async with connection_pool(migrated_pg_url, min_size=1, max_size=10) as pool:
        queue = PgQueue(pool)
        await queue.start()
        workers = [PgWorker(pool, handlers, concurrency=1, lock_retry=0.05) for _ in range(2)]
        for worker in workers:
            await worker.start()
        try:
            await queue.enqueue(
                [Job("scan_installation", 7), Job("scan_repository", 7, repository="acme/shop")]
            )
            await _until(
                lambda: len(active) == 1 and sum(w.deferred for w in workers) >= 1,
                "one job running, the other deferred",
            )
            # The deferred job's worker is not held waiting for the lock.
            assert sum(w.running for w in workers) == 1
            release.set()
            await _until(lambda: len(done) == 2, "both jobs done")
            await _until(lambda: sum(w.running for w in workers) == 0, "workers idle")
            # procrastinate records the last outcome just after the handler returns.
            counts: dict[str, int] = {}
            for _ in range(3000):
                counts = await queue.counts()
                if counts["queued"] == counts["running"] == 0:
                    break
                await asyncio.sleep(0.01)
            assert counts == {"queued": 0, "running": 0, "failed": 0}
        finally:
            for worker in workers:
                await worker.stop()
            await queue.close()
    assert sorted(done) == ["scan_installation", "scan_repository"]
    assert overlaps == []
