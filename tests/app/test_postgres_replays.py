"""Issue 13, item 14 on PostgreSQL: a body accepted in the last 24 hours is a replay,
whatever its delivery id, for every web process on the database."""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg_pool import AsyncConnectionPool

from fundbot.jobs.model import Job
from fundbot.storage.pg_queue import PgQueue
from tests.app.harness import app_under_test
from tests.fakes.server import FakeServer


def _jobs(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM procrastinate_jobs").fetchone()
    assert row is not None
    return int(row[0])


async def test_14_a_replayed_body_does_nothing_whatever_its_delivery_id(
    fake: FakeServer, tmp_path: Path, migrated_pg_url: str
) -> None:
    """Same signed body, fresh delivery id, to this web front or another: 200, no job."""
    async with (
        app_under_test(fake, tmp_path / "a", database_url=migrated_pg_url, role="web") as app,
        app_under_test(fake, tmp_path / "b", database_url=migrated_pg_url, role="web") as other,
    ):
        payload = app.installation_payload()
        assert await app.deliver("installation", payload, "a", replay=True) == 202
        assert _jobs(migrated_pg_url) == 1
        with psycopg.connect(migrated_pg_url) as conn:
            conn.execute("DELETE FROM procrastinate_jobs")  # As if a worker had run it.
        assert await app.deliver("installation", payload, "b", replay=True) == 200
        assert await other.deliver("installation", payload, "c", replay=True) == 200
        assert _jobs(migrated_pg_url) == 0
        # A different body under a fresh id is news.
        assert await other.deliver("installation", payload, "d") == 202
        assert _jobs(migrated_pg_url) == 1


async def test_14_replay_memory_lasts_a_day_and_is_pruned(migrated_pg_url: str) -> None:
    now = [1_000_000.0]
    job = [Job("scan_installation", 1)]
    async with AsyncConnectionPool(migrated_pg_url, min_size=1, max_size=2) as pool:
        queue = PgQueue(pool, clock=lambda: now[0])
        await queue.start()
        try:
            assert await queue.submit("a", "installation", job, body_digest="d")
            now[0] += 23 * 3600
            assert not await queue.submit("b", "installation", job, body_digest="d")
            now[0] += 2 * 3600
            assert await queue.submit("c", "installation", job, body_digest="d")
            # The same body twice in one batch (two requests at once): the first takes it.
            both = await _together(queue, [("e", "twin"), ("f", "twin")])
            assert sorted(both) == [False, True]
            now[0] += 25 * 3600
            await queue.prune_deliveries(now[0])
        finally:
            await queue.close()
    with psycopg.connect(migrated_pg_url) as conn:
        row = conn.execute("SELECT count(*) FROM webhook_bodies").fetchone()
    assert row == (0,)


async def _together(queue: PgQueue, deliveries: list[tuple[str, str]]) -> list[bool]:
    import asyncio

    job = [Job("scan_installation", 2)]
    return list(
        await asyncio.gather(
            *(queue.submit(d, "installation", job, body_digest=b) for d, b in deliveries)
        )
    )
