"""The job queue in PostgreSQL: procrastinate's table, written by the web front directly.

A delivery's id and its jobs go into one transaction (with every other delivery waiting at
that moment: group commit, as the SQLite queue does), so a 202 means both are committed and
a redelivery to any web process finds the id. Jobs are procrastinate jobs: `lock` is the
repository (one writer per repository), `queueing_lock` the job's dedupe key (a waiting job
absorbs an identical new one); `fundbot worker` runs them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from fundbot.jobs.model import Job
from fundbot.storage.group_commit import GroupCommit, Submission
from fundbot.storage.sqlite_queue import FailedJob

TASK_NAME = "fundbot.run_job"
QUEUE_NAME = "fundbot"

_INSERT_JOBS = (
    "INSERT INTO procrastinate_jobs (queue_name, task_name, lock, queueing_lock, args)"
    " SELECT %s, %s, j.lock, j.qlock, j.args"
    " FROM unnest(%s::text[], %s::text[], %s::jsonb[]) AS j(lock, qlock, args)"
    # A job like it is already waiting (procrastinate's queueing lock): that one will do.
    " ON CONFLICT DO NOTHING"
)
_STATES = {"todo": "queued", "doing": "running", "failed": "failed"}


def job_args(job: Job) -> dict[str, Any]:
    """The procrastinate task's arguments: the plain-value job itself."""
    return {"job": json.loads(job.to_json())}


def job_from_args(args: dict[str, Any]) -> Job:
    return Job.from_json(json.dumps(args["job"]))


class PgQueue:
    """Submitting side of the PostgreSQL queue, and what /healthz and / look at."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool
        self.wakeup = asyncio.Event()  # The Queue protocol's; procrastinate uses LISTEN.
        self._writes = GroupCommit(self._write_batch)

    async def start(self) -> None:
        self._writes.start()

    async def close(self) -> None:
        await self._writes.stop()

    def seen(self, delivery_id: str) -> bool:
        """Fast path: a delivery this process committed (others' are found by the insert)."""
        return self._writes.seen(delivery_id)

    async def submit(
        self,
        delivery_id: str | None,
        event: str,
        jobs: Sequence[Job],
        *,
        body_digest: str | None = None,
    ) -> bool:
        """Commit a delivery and its jobs; False when any process recorded it before.

        `body_digest` (replay detection) is accepted for the web front's sake but not yet
        recorded here: PostgreSQL de-duplicates by delivery id only (issue 13, item 14)."""
        return await self._writes.submit(delivery_id, event, jobs)

    async def enqueue(self, jobs: Sequence[Job]) -> None:
        if jobs:
            await self.submit(None, "internal", jobs)

    async def _write_batch(self, batch: Sequence[Submission]) -> list[bool]:
        async with self.pool.connection() as conn, conn.transaction():
            return await write_batch(conn, batch, time.time())

    async def counts(self) -> dict[str, int]:
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT status::text, COUNT(*) FROM procrastinate_jobs"
                " WHERE queue_name=%s GROUP BY status",
                (QUEUE_NAME,),
            )
            rows = await cur.fetchall()
        counts = {"queued": 0, "running": 0, "failed": 0}
        for status, count in rows:
            if status in _STATES:
                counts[_STATES[status]] += int(count)
        return counts

    async def failed_jobs(self, limit: int = 20) -> list[FailedJob]:
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT id, args, lock, attempts FROM procrastinate_jobs"
                " WHERE queue_name=%s AND status='failed' ORDER BY id DESC LIMIT %s",
                (QUEUE_NAME, limit),
            )
            rows = await cur.fetchall()
        failed = []
        for job_id, args, lock, attempts in rows:
            job = job_from_args(args)
            # procrastinate keeps no error text; the worker's log has it.
            failed.append(FailedJob(job_id, job.kind, job.installation_id, lock, attempts, ""))
        return failed

    async def ping(self) -> bool:
        if not self._writes.running:
            return False
        try:
            async with asyncio.timeout(2.0), self.pool.connection() as conn:
                await conn.execute("SELECT 1")
        except Exception:
            return False
        return True

    async def forget_installation(self, installation_id: int) -> None:
        """Drop the installation's jobs queued before its running forget_installation job
        (a reinstall's full scan, queued after the uninstall, must survive it)."""
        async with self.pool.connection() as conn:
            await conn.execute(
                "DELETE FROM procrastinate_jobs WHERE queue_name=%s AND status='todo'"
                " AND (args->'job'->>'installation_id')::bigint = %s"
                " AND id < (SELECT min(id) FROM procrastinate_jobs WHERE queue_name=%s"
                " AND status='doing' AND args->'job'->>'kind' = 'forget_installation'"
                " AND (args->'job'->>'installation_id')::bigint = %s)",
                (QUEUE_NAME, installation_id, QUEUE_NAME, installation_id),
            )

    async def prune_deliveries(self, older_than: float) -> int:
        async with self.pool.connection() as conn:
            cur = await conn.execute("DELETE FROM deliveries WHERE received_at < %s", (older_than,))
            return cur.rowcount


async def write_batch(
    conn: AsyncConnection[Any], batch: Sequence[Submission], now: float
) -> list[bool]:
    """Inside the caller's transaction: new deliveries and all their jobs, in two statements."""
    ids = [s.delivery_id for s in batch if s.delivery_id is not None]
    fresh: set[str] = set()
    if ids:
        cur = await conn.execute(
            "INSERT INTO deliveries(id, event, received_at)"
            " SELECT d.id, d.event, %s FROM unnest(%s::text[], %s::text[]) AS d(id, event)"
            " ON CONFLICT (id) DO NOTHING RETURNING id",
            (now, ids, [s.event for s in batch if s.delivery_id is not None]),
        )
        fresh = {row[0] for row in await cur.fetchall()}
    results: list[bool] = []
    jobs: list[Job] = []
    for submission in batch:
        accepted = submission.delivery_id is None or submission.delivery_id in fresh
        # One delivery id twice in one batch: the first takes it.
        fresh.discard(submission.delivery_id or "")
        results.append(accepted)
        if accepted:
            jobs.extend(submission.jobs)
    if jobs:
        await conn.execute(
            _INSERT_JOBS,
            (
                QUEUE_NAME,
                TASK_NAME,
                [job.serial_key for job in jobs],
                [job.dedupe_key for job in jobs],
                [Jsonb(job_args(job)) for job in jobs],
            ),
        )
    return results
