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
from collections.abc import Callable, Sequence
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from fundbot.jobs.model import Job
from fundbot.storage.group_commit import GroupCommit, Submission
from fundbot.storage.sqlite_queue import FailedJob

TASK_NAME = "fundbot.run_job"
QUEUE_NAME = "fundbot"

# A body byte-identical to one accepted this recently is a replay, whatever its delivery id.
REPLAY_WINDOW = 24 * 3600.0

# A whole batch in one statement, so one round trip on an autocommit connection (atomic all
# the same: one statement is one transaction). Each submission, in order:
# - its body digest must be new, or last accepted before the replay window (the first of
#   twins in one batch takes it);
# - then its delivery id must be new (the first of twins among those left takes it);
# - then its jobs go in, a job like one already waiting giving way to it (procrastinate's
#   queueing lock).
# Digests and ids are inserted sorted, so two web processes never deadlock on each other.
_WRITE_BATCH = """
WITH sub AS (
    SELECT s.*,
           row_number() OVER (PARTITION BY s.digest ORDER BY s.n) AS body_rank
      FROM unnest(%(ids)s::text[], %(events)s::text[], %(digests)s::text[])
           WITH ORDINALITY AS s(id, event, digest, n)
), body AS (
    INSERT INTO webhook_bodies AS b (digest, received_at)
    SELECT digest, %(now)s FROM sub WHERE digest IS NOT NULL AND body_rank = 1 ORDER BY digest
    ON CONFLICT (digest) DO UPDATE SET received_at = excluded.received_at
        WHERE b.received_at < %(replayable_before)s
    RETURNING digest
), news AS (
    SELECT sub.id, sub.event, sub.n,
           row_number() OVER (PARTITION BY sub.id ORDER BY sub.n) AS id_rank
      FROM sub
     WHERE sub.digest IS NULL OR (sub.body_rank = 1 AND sub.digest IN (SELECT digest FROM body))
), delivery AS (
    INSERT INTO deliveries (id, event, received_at)
    SELECT id, event, %(now)s FROM news WHERE id IS NOT NULL AND id_rank = 1 ORDER BY id
    ON CONFLICT (id) DO NOTHING
    RETURNING id
), accepted AS (
    SELECT n FROM news WHERE id IS NULL OR (id_rank = 1 AND id IN (SELECT id FROM delivery))
), queued AS (
    INSERT INTO procrastinate_jobs (queue_name, task_name, lock, queueing_lock, args)
    SELECT %(queue)s, %(task)s, j.lock, j.qlock, j.args
      FROM unnest(%(job_n)s::bigint[], %(locks)s::text[], %(qlocks)s::text[], %(args)s::jsonb[])
           WITH ORDINALITY AS j(n, lock, qlock, args, k)
     WHERE j.n IN (SELECT n FROM accepted)
     ORDER BY j.k
    ON CONFLICT DO NOTHING
)
SELECT n FROM accepted
"""
_STATES = {"todo": "queued", "doing": "running", "failed": "failed"}


def job_args(job: Job) -> dict[str, Any]:
    """The procrastinate task's arguments: the plain-value job itself."""
    return {"job": json.loads(job.to_json())}


def job_from_args(args: dict[str, Any]) -> Job:
    return Job.from_json(json.dumps(args["job"]))


class PgQueue:
    """Submitting side of the PostgreSQL queue, and what /healthz and / look at."""

    def __init__(self, pool: AsyncConnectionPool, *, clock: Callable[[], float] = time.time):
        self.pool = pool
        self.clock = clock
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
        """Commit a delivery and its jobs; False when any process recorded it before: by its
        id, or (a replay under a new id) by its body's digest within REPLAY_WINDOW."""
        return await self._writes.submit(delivery_id, event, jobs, body_digest)

    async def enqueue(self, jobs: Sequence[Job]) -> None:
        if jobs:
            await self.submit(None, "internal", jobs)

    async def _write_batch(self, batch: Sequence[Submission]) -> list[bool]:
        async with self.pool.connection() as conn:
            return await write_batch(conn, batch, self.clock())

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
        """Forget delivery ids older than a timestamp (GitHub redelivers within days), and
        body digests older than the replay window."""
        async with self.pool.connection() as conn:
            await conn.execute(
                "DELETE FROM webhook_bodies WHERE received_at < %s",
                (self.clock() - REPLAY_WINDOW,),
            )
            cur = await conn.execute("DELETE FROM deliveries WHERE received_at < %s", (older_than,))
            return cur.rowcount


# An uninstall ends de-duplication with what its installation queued before it: a job
# waiting from before (a full scan) must not absorb an identical one queued after the
# forget (the reinstall's full scan), which the forget would then delete with it. Their
# queueing locks get a suffix, so identical later jobs queue beside them.
_RETIRE_QUEUEING_LOCKS = """
UPDATE procrastinate_jobs SET queueing_lock = queueing_lock || '|before-forget:' || id
 WHERE queue_name = %(queue)s AND status = 'todo' AND queueing_lock IS NOT NULL
   AND (args->'job'->>'installation_id')::bigint = ANY(%(installations)s::bigint[])
   AND position('|before-forget:' in queueing_lock) = 0
"""


async def write_batch(
    conn: AsyncConnection[Any], batch: Sequence[Submission], now: float
) -> list[bool]:
    """New deliveries and all their jobs; False for a delivery recorded before (by id, or
    by body digest within REPLAY_WINDOW), which then queues nothing.

    One statement per batch; a batch holding a forget_installation job is written in
    segments, each ending with such a submission, and the installation's waiting jobs stop
    de-duplicating once its forget is in (see _RETIRE_QUEUEING_LOCKS)."""
    results: list[bool] = []
    start = 0
    for end, submission in enumerate(batch, start=1):
        forgotten = [j.installation_id for j in submission.jobs if j.kind == "forget_installation"]
        if not forgotten:
            continue
        segment = await _write_segment(conn, batch[start:end], now)
        results += segment
        if segment[-1]:
            await conn.execute(
                _RETIRE_QUEUEING_LOCKS, {"queue": QUEUE_NAME, "installations": forgotten}
            )
        start = end
    if start < len(batch):
        results += await _write_segment(conn, batch[start:], now)
    return results


async def _write_segment(
    conn: AsyncConnection[Any], batch: Sequence[Submission], now: float
) -> list[bool]:
    job_n: list[int] = []
    jobs: list[Job] = []
    for n, submission in enumerate(batch, start=1):
        job_n.extend([n] * len(submission.jobs))
        jobs.extend(submission.jobs)
    cur = await conn.execute(
        _WRITE_BATCH,
        {
            "ids": [s.delivery_id for s in batch],
            "events": [s.event for s in batch],
            "digests": [s.body_digest for s in batch],
            "now": now,
            "replayable_before": now - REPLAY_WINDOW,
            "queue": QUEUE_NAME,
            "task": TASK_NAME,
            "job_n": job_n,
            "locks": [job.serial_key for job in jobs],
            "qlocks": [job.dedupe_key for job in jobs],
            "args": [Jsonb(job_args(job)) for job in jobs],
        },
    )
    accepted = {int(row[0]) for row in await cur.fetchall()}
    return [n in accepted for n in range(1, len(batch) + 1)]
