"""Both storage backends behind one face, for contract tests: SQLite files, or PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fundbot.jobs.worker import JobHandler, WorkerPool
from fundbot.storage.sqlite_queue import SqliteQueue
from fundbot.storage.store import Store

MAX_ATTEMPTS = 3
BACKOFF = 0.05


@dataclass
class Backend:
    name: str
    store: Any  # Store | PgStore
    queue: Any  # SqliteQueue | PgQueue
    _runner: Any

    def workers(
        self, handlers: Mapping[str, JobHandler], concurrency: int = 4
    ) -> contextlib.AbstractAsyncContextManager[Any]:
        """Workers running `handlers` until the block ends."""
        return self._runner(handlers, concurrency)  # type: ignore[no-any-return]

    async def another_queue(self) -> contextlib.AbstractAsyncContextManager[Any]:
        raise NotImplementedError


@contextlib.asynccontextmanager
async def sqlite_backend(tmp_path: Path) -> AsyncIterator[Backend]:
    store = Store(tmp_path / "state.sqlite3")
    queue = SqliteQueue(tmp_path / "queue.sqlite3", max_attempts=MAX_ATTEMPTS, backoff_base=BACKOFF)
    await store.open()
    await queue.start()

    @contextlib.asynccontextmanager
    async def run(handlers: Mapping[str, JobHandler], concurrency: int) -> AsyncIterator[Any]:
        pool = WorkerPool(queue, handlers, concurrency=concurrency, poll_interval=0.01)
        pool.start()
        try:
            yield pool
        finally:
            await pool.stop()

    try:
        yield Backend("sqlite", store, queue, run)
    finally:
        await queue.close()
        await store.close()


@contextlib.asynccontextmanager
async def postgres_backend(url: str) -> AsyncIterator[Backend]:
    from psycopg_pool import AsyncConnectionPool

    from fundbot.jobs.pg_worker import CappedBackoff, PgWorker
    from fundbot.storage.pg_queue import PgQueue
    from fundbot.storage.pg_store import PgStore

    pool = AsyncConnectionPool(url, min_size=1, max_size=20, open=False)
    await pool.open()
    store = PgStore(pool)
    queue = PgQueue(pool)
    await queue.start()

    @contextlib.asynccontextmanager
    async def run(handlers: Mapping[str, JobHandler], concurrency: int) -> AsyncIterator[Any]:
        worker = PgWorker(
            pool,
            handlers,
            concurrency=concurrency,
            heartbeat=0.2,
            stalled_after=1.0,
            retry=CappedBackoff(max_attempts=MAX_ATTEMPTS, base=BACKOFF, cap=0.2),
        )
        await worker.start()
        try:
            yield worker
        finally:
            await worker.stop()

    try:
        yield Backend("postgres", store, queue, run)
    finally:
        await queue.close()
        await pool.close()


async def wait_for(condition: Any, timeout: float = 15.0) -> None:
    """Poll an async or plain condition until true, failing after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
