"""Group commit for the job queue: deliveries waiting on one transaction go in the next.

Webhook deliveries arrive thousands a second; an fsync each would cap us at the disk's
sync rate. Instead, every delivery waiting while the previous transaction commits is
written in the next one: one fsync covers the whole batch, and each webhook request is
answered only once its own batch is on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from cachetools import LRUCache

from fundbot.jobs.model import Job

log = logging.getLogger(__name__)


@dataclass
class Submission:
    delivery_id: str | None
    event: str
    jobs: Sequence[Job]
    done: asyncio.Future[bool]
    body_digest: str | None = None


class GroupCommit:
    """Collects submissions while a batch is written, then writes them all in one go."""

    def __init__(self, write: Callable[[Sequence[Submission]], Awaitable[list[bool]]]) -> None:
        self._write = write
        self._pending: list[Submission] = []
        self._has_pending = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._seen: LRUCache[str, bool] = LRUCache(maxsize=200_000)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="fundbot-queue-writer")

    async def stop(self) -> None:
        """Stop writing; submissions not yet written fail rather than hang."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for submission in self._pending:
            if not submission.done.done():
                submission.done.set_exception(RuntimeError("queue closed"))

    def seen(self, delivery_id: str) -> bool:
        """Fast path: a delivery this process has already committed."""
        return delivery_id in self._seen

    async def submit(
        self,
        delivery_id: str | None,
        event: str,
        jobs: Sequence[Job],
        body_digest: str | None = None,
    ) -> bool:
        """True once the submission is on disk; False when the delivery was seen before."""
        if delivery_id is not None and delivery_id in self._seen:
            return False
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append(Submission(delivery_id, event, jobs, future, body_digest))
        self._has_pending.set()
        return await future

    async def _loop(self) -> None:
        while True:
            await self._has_pending.wait()
            self._has_pending.clear()
            batch, self._pending = self._pending, []
            if not batch:
                continue
            try:
                results = await self._write(batch)
            except Exception as exc:  # The disk is gone or full: fail these requests, not us.
                log.exception("queue write failed")
                for submission in batch:
                    if not submission.done.done():
                        submission.done.set_exception(exc)
                continue
            for submission, accepted in zip(batch, results, strict=True):
                if submission.delivery_id is not None:
                    self._seen[submission.delivery_id] = True
                if not submission.done.done():
                    submission.done.set_result(accepted)


def write_batch(
    db: sqlite3.Connection,
    batch: Sequence[Submission],
    now: float,
    *,
    replay_window: float = 24 * 3600.0,
) -> list[bool]:
    """One transaction for a whole batch; a delivery recorded before gets False, no jobs.

    "Recorded before" is by delivery id, or by the body's digest within `replay_window`: a
    captured, signed body sent again under a fresh delivery id is a replay, not news.
    """
    results: list[bool] = []
    db.execute("BEGIN IMMEDIATE")
    try:
        for submission in batch:
            if submission.body_digest is not None:
                fresh = db.execute(
                    "INSERT INTO bodies(digest, received_at) VALUES (?, ?)"
                    " ON CONFLICT(digest) DO UPDATE SET received_at=excluded.received_at"
                    " WHERE bodies.received_at < ?",
                    (submission.body_digest, now, now - replay_window),
                ).rowcount
                if not fresh:
                    results.append(False)
                    continue
            if submission.delivery_id is not None:
                inserted = db.execute(
                    "INSERT OR IGNORE INTO deliveries(id, event, received_at) VALUES (?,?,?)",
                    (submission.delivery_id, submission.event, now),
                ).rowcount
                if not inserted:
                    results.append(False)
                    continue
            db.executemany(
                "INSERT OR IGNORE INTO jobs(kind, installation_id, serial_key, dedupe_key,"
                " body, run_after, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)",
                [
                    (
                        job.kind,
                        job.installation_id,
                        job.serial_key,
                        job.dedupe_key,
                        job.to_json(),
                        now,
                        now,
                        now,
                    )
                    for job in submission.jobs
                ],
            )
            results.append(True)
        db.execute("COMMIT")
    except BaseException:
        # SQLite may already have rolled back by itself (a full disk does that).
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return results
