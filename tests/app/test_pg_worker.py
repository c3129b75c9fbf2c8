"""procrastinate-specific behaviour: the periodic reconcile across workers, the backoff."""

from __future__ import annotations

import asyncio

import pytest
from psycopg_pool import AsyncConnectionPool

from fundbot.jobs.pg_worker import CappedBackoff, PgWorker, reconcile_cron
from fundbot.storage.pg_schema import migrate


def test_backoff_doubles_and_is_capped() -> None:
    backoff = CappedBackoff(base=30, cap=100)
    assert [backoff.delay(n) for n in range(4)] == [30, 60, 100, 100]


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
            PgWorker(pg_url, pool, {}, reconcile=reconcile, reconcile_interval=1, heartbeat=0.2)
            for _ in range(3)
        ]
        for worker in workers:
            await worker.start()
        await asyncio.sleep(4.5)
        for worker in workers:
            await worker.stop()
    # One a second between three workers (the first period may be caught or not).
    assert 3 <= len(runs) <= 6
