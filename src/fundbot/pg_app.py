"""`fundbot serve` / `fundbot worker` on PostgreSQL: the same App, its state in one database.

Every process is stateless apart from the database: a web process records deliveries and
their jobs; a worker process runs them with procrastinate; `serve` without a role does both.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

from psycopg_pool import AsyncConnectionPool

from fundbot.app import DELIVERY_MEMORY, Role, Running, app_context, store_status
from fundbot.errors import SettingsError
from fundbot.github.client import Pacing
from fundbot.jobs.handlers import Handlers
from fundbot.jobs.model import Job
from fundbot.jobs.pg_worker import CappedBackoff, PgWorker
from fundbot.metrics import Metrics
from fundbot.resolve.resolver import new_session
from fundbot.settings import Settings
from fundbot.storage.pg_funding_cache import PgFundingCache
from fundbot.storage.pg_queue import PgQueue
from fundbot.storage.pg_schema import SCHEMA_VERSION, SchemaOutdated, check_current, current_version
from fundbot.storage.pg_store import PgStore, connection_pool
from fundbot.web import make_app


class _NoWorkers:
    running = 0


async def require_current_schema(url: str) -> None:
    """Refuse an older (or newer) schema, naming the command that fixes it."""
    try:
        await check_current(url)
    except SchemaOutdated as exc:
        raise SettingsError("DATABASE_URL", str(exc)) from None


@contextlib.asynccontextmanager
async def running_postgres(
    settings: Settings,
    *,
    workers: int,
    pacing: Pacing | None,
    queue_backoff: float,
    role: Role,
) -> AsyncIterator[Running]:
    url = settings.database_url.reveal()
    await require_current_schema(url)
    # One pool for the process: the web front's queue writes, the store, and procrastinate.
    # A running job holds one connection (its installation's lock) and borrows another now
    # and then; six more serve procrastinate's fetches and heartbeats and the web front.
    pool = connection_pool(url, min_size=2, max_size=2 * workers + 6)
    await pool.open(wait=True, timeout=10.0)
    store = PgStore(pool)
    queue = PgQueue(pool)
    await queue.start()
    metrics = Metrics()
    worker: PgWorker | None = None
    try:
        async with new_session(settings) as session:
            # Its own two connections, as it had one before: resolves never wait on the
            # store's and the queue's pool, nor they on the cache.
            cache_pool = AsyncConnectionPool(url, min_size=1, max_size=2, open=False)
            await cache_pool.open(wait=True, timeout=10.0)
            cache = PgFundingCache(settings, cache_pool)
            ctx = app_context(settings, session, store, queue, cache, pacing, metrics)
            checks = [store.ping, _schema_check(pool)]
            if role != "web":
                handlers = Handlers(ctx).table()

                async def reconcile() -> None:
                    await handlers["reconcile"](Job("reconcile", 0))
                    await queue.prune_deliveries(time.time() - DELIVERY_MEMORY)

                worker = PgWorker(
                    pool,
                    handlers,
                    concurrency=workers,
                    heartbeat=settings.worker_heartbeat,
                    stalled_after=settings.stalled_after,
                    retry=CappedBackoff(base=queue_backoff),
                    reconcile=reconcile,
                    reconcile_interval=max(1.0, settings.reconcile_interval),
                    observer=metrics,
                )
                await worker.start()
                started = worker

                async def worker_alive() -> bool:
                    return started.alive

                checks.append(worker_alive)

            app = make_app(
                settings,
                queue=queue,
                metrics=metrics,
                status=partial(store_status, settings, store),
                checks=checks,
                webhooks=role != "worker",
            )
            try:
                yield Running(app, ctx, worker or _NoWorkers(), metrics)
            finally:
                if worker is not None:
                    await worker.stop()
                await cache.close()
                await cache_pool.close()
    finally:
        await queue.close()
        await pool.close()


def _schema_check(pool: AsyncConnectionPool) -> Any:
    async def schema_current() -> bool:
        try:
            async with pool.connection() as conn:
                return await current_version(conn) == SCHEMA_VERSION
        except Exception:
            return False

    return schema_current
