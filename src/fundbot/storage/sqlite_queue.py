"""The embedded durable job queue: SQLite in WAL mode, one writer thread, group commit.

Deliveries and their jobs are written by `group_commit`; this module claims jobs, keeps one
job per repository running at a time, and retries failures with exponential backoff.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fundbot.jobs.model import ClaimedJob, Job
from fundbot.storage.group_commit import GroupCommit, Submission, write_batch
from fundbot.storage.sqlite_thread import SqliteThread

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    received_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS bodies (
    digest TEXT PRIMARY KEY,
    received_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    installation_id INTEGER NOT NULL,
    serial_key TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    run_after REAL NOT NULL,
    last_error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_queued_once ON jobs(dedupe_key) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS jobs_runnable ON jobs(state, run_after, id);
-- An uninstall ends de-duplication with what the installation queued before it: those jobs
-- are the forget job's to drop, so an identical job queued after it (a reinstall's full
-- scan) must not be absorbed by one of them, nor deleted by a retry of one (`fail`).
CREATE TRIGGER IF NOT EXISTS jobs_forget_ends_dedupe BEFORE INSERT ON jobs
WHEN NEW.kind = 'forget_installation'
BEGIN
    UPDATE jobs SET dedupe_key = dedupe_key || '|before-forget:' || id
    WHERE installation_id = NEW.installation_id AND state IN ('queued', 'running')
    AND instr(dedupe_key, '|before-forget:') = 0;
END;
CREATE TABLE IF NOT EXISTS write_probe (id INTEGER PRIMARY KEY, filler BLOB NOT NULL);
"""
# A body byte-identical to one accepted this recently is a replay, whatever its delivery id.
REPLAY_WINDOW = 24 * 3600.0
# What /healthz writes: two pages' worth, so a full disk (or a page limit) shows at once.
PROBE_BYTES = 8192


@dataclass(frozen=True, slots=True)
class FailedJob:
    id: int
    kind: str
    installation_id: int
    serial_key: str
    attempts: int
    error: str


class SqliteQueue(SqliteThread):
    """Durable queue with delivery de-duplication and per-repository serialisation."""

    def __init__(
        self,
        path: Path,
        *,
        max_attempts: int = 5,
        backoff_base: float = 30.0,
        backoff_cap: float = 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(path, "fundbot-queue")
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.clock = clock
        self.wakeup = asyncio.Event()
        self._writes = GroupCommit(lambda batch: self._run(self._write_batch, batch))
        self._running_keys: set[str] = set()

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        await self._run(self._open)
        self._writes.start()

    def _open(self) -> None:
        # FULL: every commit is fsynced; group commit makes that affordable.
        db = self._connect(SCHEMA, synchronous="FULL")
        recover_interrupted(db, time.time())

    async def close(self) -> None:
        await self._writes.stop()
        await self._close_connection()

    # -- submitting (the webhook path) ---------------------------------------------------
    def seen(self, delivery_id: str) -> bool:
        """Fast path: a delivery this process has already committed."""
        return self._writes.seen(delivery_id)

    async def submit(
        self,
        delivery_id: str | None,
        event: str,
        jobs: Sequence[Job],
        *,
        body_digest: str | None = None,
    ) -> bool:
        """Record a delivery and its jobs durably; False when the delivery was seen before,
        by its id or (a replay under a new id) by its body's digest within REPLAY_WINDOW."""
        accepted = await self._writes.submit(delivery_id, event, jobs, body_digest)
        if accepted and jobs:
            self.wakeup.set()
        return accepted

    async def enqueue(self, jobs: Sequence[Job]) -> None:
        """Queue jobs that no delivery carries (reconcile, commands re-queued by workers)."""
        if jobs:
            await self.submit(None, "internal", jobs)

    def _write_batch(self, batch: Sequence[Submission]) -> list[bool]:
        return write_batch(self._conn(), batch, self.clock(), replay_window=REPLAY_WINDOW)

    # -- working ------------------------------------------------------------------------
    async def claim(self) -> ClaimedJob | None:
        """The oldest runnable job whose repository nobody is working on, or None."""
        return await self._run(self._claim, self.clock())

    def _claim(self, now: float) -> ClaimedJob | None:
        db = self._conn()
        rows = db.execute(
            "SELECT id, serial_key, body, attempts FROM jobs WHERE state='queued'"
            " AND run_after <= ? ORDER BY id LIMIT 200",
            (now,),
        ).fetchall()
        for job_id, serial_key, body, attempts in rows:
            if _conflicts(serial_key, self._running_keys):
                continue
            claimed = db.execute(
                "UPDATE jobs SET state='running', attempts=attempts+1, updated_at=?"
                " WHERE id=? AND state='queued'",
                (now, job_id),
            ).rowcount
            if claimed:
                self._running_keys.add(serial_key)
                return ClaimedJob(job_id, Job.from_json(body), attempts + 1)
        return None

    async def complete(self, claimed: ClaimedJob) -> None:
        await self._run(self._complete, claimed)

    def _complete(self, claimed: ClaimedJob) -> None:
        self._conn().execute("DELETE FROM jobs WHERE id=?", (claimed.id,))
        self._running_keys.discard(claimed.job.serial_key)

    async def fail(self, claimed: ClaimedJob, error: str) -> bool:
        """Record a failure; True when the job will be retried, False when it gave up."""
        return await self._run(self._fail, claimed, error[:1000], self.clock())

    def _fail(self, claimed: ClaimedJob, error: str, now: float) -> bool:
        retry = claimed.attempts < self.max_attempts
        delay = min(self.backoff_cap, self.backoff_base * 2 ** (claimed.attempts - 1))
        # A retried job may meet an identical job queued meanwhile: keep just one.
        db = self._conn()
        if retry:
            db.execute(
                "DELETE FROM jobs WHERE dedupe_key=(SELECT dedupe_key FROM jobs WHERE id=?)"
                " AND state='queued'",
                (claimed.id,),
            )
        db.execute(
            "UPDATE jobs SET state=?, run_after=?, last_error=?, updated_at=? WHERE id=?",
            ("queued" if retry else "failed", now + delay, error, now, claimed.id),
        )
        self._running_keys.discard(claimed.job.serial_key)
        return retry

    # -- looking --------------------------------------------------------------------------
    async def counts(self) -> dict[str, int]:
        query = "SELECT state, COUNT(*) FROM jobs GROUP BY state"
        rows = await self._run(lambda: self._conn().execute(query).fetchall())
        counts = {"queued": 0, "running": 0, "failed": 0}
        counts.update(dict(rows))
        return counts

    async def failed_jobs(self, limit: int = 20) -> list[FailedJob]:
        rows = await self._run(
            lambda: (
                self._conn()
                .execute(
                    "SELECT id, kind, installation_id, serial_key, attempts, last_error FROM jobs"
                    " WHERE state='failed' ORDER BY updated_at DESC LIMIT ?",
                    (limit,),
                )
                .fetchall()
            )
        )
        return [
            FailedJob(
                id=row[0],
                kind=row[1],
                installation_id=row[2],
                serial_key=row[3],
                attempts=row[4],
                error=row[5] or "",
            )
            for row in rows
        ]

    async def ping(self) -> bool:
        """True while the queue can take a delivery: the writer runs and a write commits.

        A read would succeed on a full disk or a read-only directory while every webhook
        gets a 503; so /healthz writes and syncs a few pages in the queue's directory and
        commits a write to the database, and answers 503 until both work again.
        """
        if not self._writes.running:
            return False
        try:
            await asyncio.wait_for(self._run(self._probe_write), 2.0)
        except Exception as exc:
            log.warning("queue cannot write", extra={"error": str(exc)})
            return False
        return True

    def _probe_write(self) -> None:
        probe = self.path.with_name(".write-probe")
        fd = os.open(probe, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        try:
            os.write(fd, bytes(PROBE_BYTES))
            os.fsync(fd)
        finally:
            os.close(fd)
            probe.unlink(missing_ok=True)
        db = self._conn()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("INSERT INTO write_probe(filler) VALUES (zeroblob(?))", (PROBE_BYTES,))
            db.execute("DELETE FROM write_probe")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    async def forget_installation(self, installation_id: int) -> None:
        """Drop the installation's jobs queued before its running forget_installation job.

        Only those: an uninstall followed at once by a reinstall queues the new full scan
        behind the forget job (same serial key), and that scan must survive it.
        """
        await self._run(
            lambda: self._conn().execute(
                "DELETE FROM jobs WHERE installation_id=? AND state!='running'"
                " AND id < (SELECT MIN(id) FROM jobs WHERE installation_id=?"
                " AND kind='forget_installation' AND state='running')",
                (installation_id, installation_id),
            )
        )

    async def prune_deliveries(self, older_than: float) -> int:
        """Forget delivery ids older than a timestamp (GitHub redelivers within days), and
        body digests older than the replay window."""

        def prune() -> int:
            db = self._conn()
            db.execute("DELETE FROM bodies WHERE received_at < ?", (self.clock() - REPLAY_WINDOW,))
            return db.execute(
                "DELETE FROM deliveries WHERE received_at < ?", (older_than,)
            ).rowcount

        return await self._run(prune)


def recover_interrupted(db: sqlite3.Connection, now: float) -> None:
    """Jobs that were running when the process died run again (jobs are idempotent).

    A running job may have an identical twin queued behind it (same dedupe key); putting
    both in the queued state would break the "queued once" index and every later start.
    The twin already stands for the same work, so the interrupted copy is dropped and the
    twin runs once; every other interrupted job is queued again, in one transaction.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        merged = db.execute(
            "DELETE FROM jobs WHERE state='running' AND dedupe_key IN"
            " (SELECT dedupe_key FROM jobs WHERE state='queued')"
        ).rowcount
        # Two interrupted twins (possible only with an older schema): keep the oldest.
        merged += db.execute(
            "DELETE FROM jobs WHERE state='running' AND id NOT IN"
            " (SELECT MIN(id) FROM jobs WHERE state='running' GROUP BY dedupe_key)"
        ).rowcount
        requeued = db.execute(
            "UPDATE jobs SET state='queued', updated_at=? WHERE state='running'", (now,)
        ).rowcount
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    if requeued or merged:
        log.info("requeued interrupted jobs", extra={"count": requeued, "merged": merged})


def _conflicts(key: str, running: set[str]) -> bool:
    """`inst:*` (the whole installation) conflicts with every key of that installation."""
    if key in running:
        return True
    installation, _, repo = key.partition(":")
    if repo == "*":
        return any(k.partition(":")[0] == installation for k in running)
    return f"{installation}:*" in running
