"""Workers: claim a job, run its handler, record the outcome. Handlers do; webhooks decide."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

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
        context = {
            "job_id": claimed.id,
            "kind": job.kind,
            "installation_id": job.installation_id,
            "repository": job.repository,
            "delivery_id": job.delivery_id,
            "attempt": claimed.attempts,
        }
        handler = self.handlers.get(job.kind)
        started = time.monotonic()
        self.running += 1
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            with job_logging(job):
                await handler(job)
        except asyncio.CancelledError:
            # Shutting down: the job stays `running` on disk and is requeued at next start.
            raise
        except Exception as exc:
            retry = await self.queue.fail(claimed, f"{type(exc).__name__}: {exc}")
            outcome = "retry" if retry else "failed"
            level = logging.WARNING if retry else logging.ERROR
            log.log(level, "job %s", outcome, extra=context, exc_info=True)
        else:
            await self.queue.complete(claimed)
            outcome = "done"
            log.info("job done", extra=context)
        finally:
            self.running -= 1
        if self.observer is not None:
            self.observer.job_finished(job.kind, outcome, time.monotonic() - started)
        return outcome
