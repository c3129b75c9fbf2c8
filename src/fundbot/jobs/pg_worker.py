"""Running fundbot's jobs with procrastinate, in any number of processes on one database.

- one repository's jobs never overlap anywhere: procrastinate's `lock` is the repository;
  jobs for a whole installation (`inst:*`) also take an exclusive PostgreSQL advisory lock
  that every repository job of that installation takes shared, as the SQLite queue keeps
  them apart in one process. The lock is only tried: a job that finds it taken goes back
  to the queue for `lock_retry` seconds, its attempts kept, instead of holding a worker and
  a connection while it waits;
- failures retry after a capped exponential delay (the SQLite queue's `Backoff`); a job
  runs through the same `run_job` as there;
- procrastinate runs on the process's own connection pool, not a second one;
- workers send heartbeats; each worker hands the running jobs of a worker silent for
  `stalled_after` seconds (killed, or its machine gone) back to the queue;
- the reconcile is a periodic task: procrastinate defers it once per period across workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from procrastinate import App, JobContext, PsycopgConnector
from procrastinate.jobs import Job as ProcrastinateJob
from procrastinate.retry import BaseRetryStrategy, RetryDecision
from psycopg_pool import AsyncConnectionPool

from fundbot.jobs.model import Job
from fundbot.jobs.worker import Backoff, JobHandler, JobObserver, job_log_context, run_job
from fundbot.storage.pg_queue import QUEUE_NAME, TASK_NAME, job_from_args

log = logging.getLogger(__name__)

RECONCILE_TASK = "fundbot.reconcile"


class CappedBackoff(BaseRetryStrategy):
    """procrastinate's side of `Backoff`: procrastinate counts the failed runs before this
    one in `job.attempts`."""

    def __init__(self, *, max_attempts: int = 5, base: float = 30.0, cap: float = 3600.0):
        self.backoff = Backoff(max_attempts=max_attempts, base=base, cap=cap)

    def retries(self, job: ProcrastinateJob) -> bool:
        return self.backoff.retries(job.attempts + 1)

    def get_retry_decision(
        self, *, exception: BaseException, job: ProcrastinateJob
    ) -> RetryDecision | None:
        if not self.retries(job):
            return None
        when = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
            seconds=self.backoff.delay(job.attempts + 1)
        )
        return RetryDecision(retry_at=when)


# Advisory locks are database-wide: the schema in the key keeps two deployments (or two
# test runs) in one database, each in its own schema, from waiting on each other.
_LOCK_KEY = "hashtext(current_schema() || ':' || %s)"

# The job again, `%s` seconds from now, its attempts kept (waiting is not failing). A job
# like it already waiting (procrastinate's queueing lock) takes its place instead.
_DEFER_AGAIN = (
    "INSERT INTO procrastinate_jobs (queue_name, task_name, priority, lock, queueing_lock,"
    " args, scheduled_at, attempts)"
    " SELECT queue_name, task_name, priority, lock, queueing_lock, args,"
    " now() + make_interval(secs => %s), attempts FROM procrastinate_jobs WHERE id = %s"
    " ON CONFLICT DO NOTHING"
)


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
        lock_retry: float = 1.0,
    ) -> None:
        self.pool = pool  # procrastinate's and the installation advisory locks'
        self.handlers = handlers
        self.concurrency = concurrency
        self.heartbeat = heartbeat
        self.stalled_after = stalled_after
        self.observer = observer
        self.lock_retry = lock_retry
        self.retry = retry or CappedBackoff()
        self.running = 0
        self.retried_stalled = 0
        self.deferred = 0  # jobs sent back to the queue because their installation was busy
        # No connection parameters: `start` hands procrastinate the pool.
        self.app = App(connector=PsycopgConnector())
        self.app.task(
            name=TASK_NAME,
            queue=QUEUE_NAME,
            retry=self.retry,
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
        await self.app.open_async(pool=self.pool)
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
        await self.app.close_async()  # Leaves the pool open: its owner closes it.

    @property
    def alive(self) -> bool:
        return bool(self._tasks) and not any(t.done() for t in self._tasks)

    async def _run_job(self, context: JobContext, job: dict[str, Any]) -> None:
        plain = job_from_args({"job": job})
        running = context.job
        job_id = running.id or 0  # Only a job not yet deferred has none.
        self.running += 1
        try:
            async with self._installation_lock(plain) as held:
                if not held:
                    await self._defer_again(job_id, plain)
                    return

                async def complete() -> None:
                    """procrastinate records success when this task returns."""

                async def will_retry(exc: Exception) -> bool:
                    return self.retry.retries(running)

                await run_job(
                    plain,
                    self.handlers.get(plain.kind),
                    context=job_log_context(plain, job_id, running.attempts + 1),
                    complete=complete,
                    fail=will_retry,
                    observer=self.observer,
                    reraise=True,  # procrastinate records the failure, by self.retry
                )
        finally:
            self.running -= 1

    async def _defer_again(self, job_id: int, job: Job) -> None:
        """Its installation is busy: the job goes back to the queue for a little while, and
        this run ends (successfully, so procrastinate counts no failed attempt)."""
        async with self.pool.connection() as conn:
            await conn.execute(_DEFER_AGAIN, (self.lock_retry, job_id))
        self.deferred += 1
        log.info("installation busy: job deferred", extra=job_log_context(job, job_id, 0))
        if self.observer is not None:
            self.observer.job_finished(job.kind, "deferred", 0.0)

    @contextlib.asynccontextmanager
    async def _installation_lock(self, job: Job) -> AsyncIterator[bool]:
        """Shared for a repository's job, exclusive for an installation-wide one; yields
        whether it was had (never waits for it).

        A session lock on a connection of our own: if this process dies, PostgreSQL drops
        the connection and with it the lock.
        """
        whole = job.serial_key.endswith(":*")
        take = "pg_try_advisory_lock" if whole else "pg_try_advisory_lock_shared"
        give = "pg_advisory_unlock" if whole else "pg_advisory_unlock_shared"
        key = f"fundbot:installation:{job.installation_id}"
        async with self.pool.connection() as conn:
            cur = await conn.execute(f"SELECT {take}({_LOCK_KEY})", (key,))
            row = await cur.fetchone()
            if not (row and row[0]):
                yield False
                return
            try:
                yield True
            finally:
                await conn.execute(f"SELECT {give}({_LOCK_KEY})", (key,))

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
