"""Workers: claim a job, run its handler, record the outcome. Handlers do; webhooks decide."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from fundbot.jobs.model import ClaimedJob, Job
from fundbot.logs import job_context
from fundbot.storage.sqlite_queue import FailedJob

log = logging.getLogger(__name__)

JobHandler = Callable[[Job], Awaitable[None]]


def job_logging(job: Job) -> contextlib.AbstractContextManager[None]:
    """Log lines written while `job` runs carry its delivery, installation and repository."""
    return job_context(
        delivery_id=job.delivery_id,
        installation_id=job.installation_id,
        repository=job.repository,
        kind=job.kind,
    )


class Queue(Protocol):
    """What a worker needs of a queue (the SQLite one, or Redis when scaled out)."""

    wakeup: asyncio.Event

    async def claim(self) -> ClaimedJob | None: ...
    async def complete(self, claimed: ClaimedJob) -> None: ...
    async def fail(self, claimed: ClaimedJob, error: str) -> bool: ...
    async def counts(self) -> dict[str, int]: ...
    async def failed_jobs(self, limit: int = 20) -> list[FailedJob]: ...


class JobObserver(Protocol):
    def job_finished(self, kind: str, outcome: str, seconds: float) -> None: ...


@dataclass(frozen=True, slots=True)
class Backoff:
    """When a failed job runs again: after `base`, 2·base, 4·base... seconds, never more
    than `cap`; `max_attempts` runs in all."""

    max_attempts: int = 5
    base: float = 30.0
    cap: float = 3600.0

    def retries(self, runs: int) -> bool:
        """Whether a job that has now failed `runs` times runs again."""
        return runs < self.max_attempts

    def delay(self, runs: int) -> float:
        """Seconds before the next run of a job that has now failed `runs` times."""
        return float(min(self.cap, self.base * 2 ** (runs - 1)))


def job_log_context(job: Job, job_id: int, attempt: int) -> dict[str, Any]:
    """What each log line about a job's outcome names."""
    return {
        "job_id": job_id,
        "kind": job.kind,
        "installation_id": job.installation_id,
        "repository": job.repository,
        "delivery_id": job.delivery_id,
        "attempt": attempt,
    }


async def run_job(
    job: Job,
    handler: JobHandler | None,
    *,
    context: Mapping[str, Any],
    complete: Callable[[], Awaitable[None]],
    fail: Callable[[Exception], Awaitable[bool]],
    observer: JobObserver | None = None,
    reraise: bool = False,
) -> str:
    """Run one job's handler to an outcome (done, retry or failed), for either queue.

    `complete` records success; `fail` records a failure and says whether the job will run
    again. With `reraise` the failure propagates afterwards, for a queue (procrastinate)
    that records it by itself. A cancelled job (shutting down) records nothing: the queue
    gives it to a worker again.
    """
    started = time.monotonic()
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        with job_logging(job):
            await handler(job)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        retry = await fail(exc)
        outcome = "retry" if retry else "failed"
        level = logging.WARNING if retry else logging.ERROR
        log.log(level, "job %s", outcome, extra=dict(context), exc_info=True)
        if observer is not None:
            observer.job_finished(job.kind, outcome, time.monotonic() - started)
        if reraise:
            raise
        return outcome
    await complete()
    log.info("job done", extra=dict(context))
    if observer is not None:
        observer.job_finished(job.kind, "done", time.monotonic() - started)
    return "done"


@dataclass
class WorkerPool:
    """`concurrency` workers sharing one queue; they sleep until woken or polled."""

    queue: Queue
    handlers: Mapping[str, JobHandler]
    concurrency: int = 4
    poll_interval: float = 1.0
    observer: JobObserver | None = None
    running: int = 0
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._work(n), name=f"fundbot-worker-{n}")
            for n in range(self.concurrency)
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _work(self, number: int) -> None:
        while True:
            claimed = await self.queue.claim()
            if claimed is None:
                self.queue.wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.queue.wakeup.wait(), self.poll_interval)
                continue
            # Another job may be waiting too: let a sleeping sibling look.
            self.queue.wakeup.set()
            await self.run_one(claimed)

    async def run_one(self, claimed: ClaimedJob) -> str:
        """Run one claimed job to an outcome: done, retry or failed."""
        job = claimed.job

        async def complete() -> None:
            await self.queue.complete(claimed)

        async def fail(exc: Exception) -> bool:
            return await self.queue.fail(claimed, f"{type(exc).__name__}: {exc}")

        self.running += 1
        try:
            return await run_job(
                job,
                self.handlers.get(job.kind),
                context=job_log_context(job, claimed.id, claimed.attempts),
                complete=complete,
                fail=fail,
                observer=self.observer,
            )
        finally:
            self.running -= 1
