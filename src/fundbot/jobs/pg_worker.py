"""Running fundbot's jobs with procrastinate, in any number of processes on one database.

- one repository's jobs never overlap anywhere: procrastinate's `lock` is the repository;
  jobs for a whole installation (`inst:*`) also take an exclusive PostgreSQL advisory lock
  that every repository job of that installation takes shared, as the SQLite queue keeps
  them apart in one process;
- failures retry after a capped exponential delay;
- workers send heartbeats; each worker hands the running jobs of a worker silent for
  `stalled_after` seconds (killed, or its machine gone) back to the queue;
- the reconcile is a periodic task: procrastinate defers it once per period across workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from procrastinate import App, JobContext, PsycopgConnector
from procrastinate.jobs import Job as ProcrastinateJob
from procrastinate.retry import BaseRetryStrategy, RetryDecision
from psycopg_pool import AsyncConnectionPool

from fundbot.jobs.model import Job
from fundbot.jobs.worker import JobHandler, JobObserver, job_logging
from fundbot.storage.pg_queue import QUEUE_NAME, TASK_NAME, job_from_args

log = logging.getLogger(__name__)

RECONCILE_TASK = "fundbot.reconcile"


class CappedBackoff(BaseRetryStrategy):
    """`base`, 2·base, 4·base... seconds, never more than `cap`; `max_attempts` runs in all."""

    def __init__(self, *, max_attempts: int = 5, base: float = 30.0, cap: float = 3600.0):
        self.max_attempts = max_attempts
        self.base = base
        self.cap = cap

    def delay(self, attempts: int) -> float:
        """Seconds before the next run, after `attempts` failed runs before this one."""
        return float(min(self.cap, self.base * 2**attempts))

    def get_retry_decision(
        self, *, exception: BaseException, job: ProcrastinateJob
    ) -> RetryDecision | None:
        if job.attempts + 1 >= self.max_attempts:
            return None
        when = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
            seconds=self.delay(job.attempts)
        )
        return RetryDecision(retry_at=when)


def reconcile_cron(interval: float) -> str:
    """A cron line firing about every `interval` seconds (procrastinate's 6th field: seconds)."""
    seconds = max(1, int(interval))
    if seconds < 60:
        # Cron steps must divide the minute: the largest that does and is not longer (45 s
        # fires every 30 s, not every second).
        step = max(d for d in (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30) if d <= seconds)
        return f"*/{step} * * * * *"
    minutes = seconds // 60
    if minutes < 60:
        return f"*/{minutes} * * * *"
    hours = min(24, minutes // 60)
    return "0 0 * * *" if hours >= 24 else f"0 */{hours} * * *"


class PgWorker:
    """A procrastinate worker running fundbot's handlers; `start`, then `stop`."""

    def __init__(
        self,
        conninfo: str,
        pool: AsyncConnectionPool,
        handlers: Mapping[str, JobHandler],
        *,
        concurrency: int = 4,
        heartbeat: float = 10.0,
        stalled_after: float = 30.0,
        retry: CappedBackoff | None = None,
        reconcile: Callable[[], Awaitable[None]] | None = None,
        reconcile_interval: float = 24 * 3600,
        observer: JobObserver | None = None,
    ) -> None:
        self.pool = pool  # for the installation advisory locks
        self.handlers = handlers
        self.concurrency = concurrency
        self.heartbeat = heartbeat
        self.stalled_after = stalled_after
        self.observer = observer
        self.running = 0
        self.retried_stalled = 0
        self.app = App(connector=PsycopgConnector(conninfo=conninfo, min_size=1))
        self.app.task(
            name=TASK_NAME,
            queue=QUEUE_NAME,
            retry=retry or CappedBackoff(),
            pass_context=True,
        )(self._run_job)
        if reconcile is not None:
            run_reconcile = reconcile

            async def reconcile_task(timestamp: int) -> None:
                await run_reconcile()

            task = self.app.task(name=RECONCILE_TASK, queue=QUEUE_NAME, queueing_lock="reconcile")(
                reconcile_task
            )
            self.app.periodic(cron=reconcile_cron(reconcile_interval))(task)
        self._tasks: list[asyncio.Task[Any]] = []

    async def start(self) -> None:
        await self.app.open_async()
        worker = self.app.run_worker_async(
            queues=[QUEUE_NAME],
            concurrency=self.concurrency,
            install_signal_handlers=False,
            update_heartbeat_interval=self.heartbeat,
            stalled_worker_timeout=self.stalled_after,
            fetch_job_polling_interval=min(5.0, self.heartbeat),
            delete_jobs="successful",
        )
        self._tasks = [
            asyncio.create_task(worker, name="fundbot-procrastinate"),
            asyncio.create_task(self._recover_stalled(), name="fundbot-stalled-jobs"),
        ]

    async def stop(self) -> None:
        for task in reversed(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.app.close_async()

    @property
    def alive(self) -> bool:
        return bool(self._tasks) and not any(t.done() for t in self._tasks)

    async def _run_job(self, context: JobContext, job: dict[str, Any]) -> None:
        plain = job_from_args({"job": job})
        handler = self.handlers.get(plain.kind)
        started = time.monotonic()
        outcome = "retry"
        self.running += 1
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {plain.kind!r}")
            async with self._installation_lock(plain):
                with job_logging(plain):
                    await handler(plain)
            outcome = "done"
        finally:
            self.running -= 1
            if self.observer is not None:
                self.observer.job_finished(plain.kind, outcome, time.monotonic() - started)

    @contextlib.asynccontextmanager
    async def _installation_lock(self, job: Job) -> AsyncIterator[None]:
        """Shared for a repository's job, exclusive for an installation-wide one.

        A session lock on a connection of our own: if this process dies, PostgreSQL drops
        the connection and with it the lock.
        """
        whole = job.serial_key.endswith(":*")
        take = "pg_advisory_lock" if whole else "pg_advisory_lock_shared"
        give = "pg_advisory_unlock" if whole else "pg_advisory_unlock_shared"
        key = f"fundbot:installation:{job.installation_id}"
        async with self.pool.connection() as conn:
            await conn.set_autocommit(True)
            await conn.execute(f"SELECT {take}(hashtext(%s))", (key,))
            try:
                yield
            finally:
                await conn.execute(f"SELECT {give}(hashtext(%s))", (key,))

    async def _recover_stalled(self) -> None:
        """Give the jobs of silent workers back to the queue (at least once a heartbeat)."""
        manager = self.app.job_manager
        while True:
            await asyncio.sleep(self.heartbeat)
            try:
                stalled = await manager.get_stalled_jobs(
                    queue=QUEUE_NAME, seconds_since_heartbeat=self.stalled_after
                )
                for job in stalled:
                    log.warning("job of a silent worker requeued", extra={"job_id": job.id})
                    await manager.retry_job(job)
                    self.retried_stalled += 1
            except Exception:  # Another worker requeued it first, or the db blinked.
                log.warning("stalled-job check failed", exc_info=True)
