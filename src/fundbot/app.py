"""`fundbot serve`: the web front, the workers and the reconcile timer in one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, Protocol

from aiohttp import ClientSession, web

from fundbot.devproxy.proxy import local_webhook_url, run_proxy
from fundbot.errors import SettingsError
from fundbot.github.client import Pacing
from fundbot.github.factory import GitHubFactory
from fundbot.jobs.context import AppContext
from fundbot.jobs.handlers import Handlers
from fundbot.jobs.model import Job
from fundbot.jobs.worker import WorkerPool
from fundbot.metrics import Metrics
from fundbot.resolve.http import HttpClient
from fundbot.resolve.resolver import new_session
from fundbot.settings import Settings
from fundbot.storage.funding_cache import FundingCache
from fundbot.storage.sqlite_queue import SqliteQueue
from fundbot.storage.store import Store
from fundbot.web import listen, make_app, server_options

if TYPE_CHECKING:  # PostgreSQL's are imported only when DATABASE_URL is set
    from fundbot.storage.pg_queue import PgQueue
    from fundbot.storage.pg_store import PgStore

log = logging.getLogger(__name__)

DELIVERY_MEMORY = 7 * 24 * 3600.0  # GitHub lets people redeliver for a few days
QUEUE_BACKOFF = 30.0  # seconds before a failed job's first retry


def app_context(
    settings: Settings,
    session: ClientSession,
    store: Store | PgStore,
    queue: SqliteQueue | PgQueue,
    cache: FundingCache,
    pacing: Pacing | None,
    metrics: Metrics,
) -> AppContext:
    """The services every job shares, whichever backend holds the state."""
    github = GitHubFactory(session, settings, pacing or Pacing(write_gap=settings.github_write_gap))
    # Read at scrape time: clients count their own requests, metrics only look.
    metrics.sources.append(
        lambda m: m.observe_github(github.request_totals(), github.lowest_remaining())
    )
    return AppContext(
        settings=settings,
        github=github,
        store=store,
        queue=queue,
        http=HttpClient(session, settings),
        funding_cache=cache,
    )


async def store_status(settings: Settings, store: Store | PgStore) -> Mapping[str, Any]:
    """What the public home page says of this instance: counts, and where to install it."""
    found: dict[str, Any] = {"installations": len(await store.installations())}
    login = await store.get_meta("bot_login")  # learnt from GitHub on first publish
    if login:
        slug = login.removesuffix("[bot]")
        found["install_url"] = f"{settings.github_web_url}/apps/{slug}/installations/new"
    return found


def require_app_settings(settings: Settings) -> None:
    """The settings without which the App cannot run, each named in the message."""
    require_app_credentials(settings)
    if not settings.webhook_secret:
        raise SettingsError("WEBHOOK_SECRET", "is not set: the App's webhook secret")
    settings.check_data_dir()


def require_app_credentials(settings: Settings) -> None:
    """What any process acting as the App needs: its id and private key."""
    if not settings.app_id:
        raise SettingsError("APP_ID", "is not set: the App's id, from its settings page")
    if not settings.private_key:
        raise SettingsError(
            "PRIVATE_KEY", "is not set (or PRIVATE_KEY_PATH): the App's private key (PEM)"
        )
    if "PRIVATE KEY" not in settings.private_key.reveal():
        raise SettingsError("PRIVATE_KEY", "is not a PEM private key")


class _Workers(Protocol):
    running: int


@dataclass
class Running:
    """Everything `serve` started, for tests and for shutdown."""

    app: web.Application
    context: AppContext
    workers: _Workers  # WorkerPool, or with PostgreSQL a procrastinate PgWorker
    metrics: Metrics


Role = Literal["all", "web", "worker"]


@contextlib.asynccontextmanager
async def running(
    settings: Settings,
    *,
    workers: int = 4,
    pacing: Pacing | None = None,
    queue_backoff: float = QUEUE_BACKOFF,
    role: Role = "all",
    reconcile: bool = True,
) -> AsyncIterator[Running]:
    """Start the store, queue, workers and reconcile timer; stop them in reverse.

    `reconcile=False` leaves the timer out: tests that count GitHub requests exactly
    (the reconcile at start lists the App's installations and scans unknown ones).

    `queue_backoff` is the first retry delay of a failed job (doubling after); tests
    shorten it so that a retried job runs within the test's time. With DATABASE_URL
    everything lives in PostgreSQL and `role` picks the web front, the workers or both.
    """
    if settings.database_url:
        # Imported only here: without DATABASE_URL, psycopg and procrastinate stay unloaded.
        from fundbot.pg_app import running_postgres

        async with running_postgres(
            settings, workers=workers, pacing=pacing, queue_backoff=queue_backoff, role=role
        ) as started:
            yield started
        return
    if role != "all":
        raise SettingsError(
            "DATABASE_URL",
            f"is not set: --role {role} needs the shared PostgreSQL database",
        )
    data = settings.data_dir
    store = Store(data / "state.sqlite3")
    queue = SqliteQueue(data / "queue.sqlite3", backoff_base=queue_backoff)
    await store.open()
    await queue.start()
    metrics = Metrics()
    async with new_session(settings) as session:
        # The store's thread and connection: the cache file is attached to it.
        cache = FundingCache(settings, store)
        ctx = app_context(settings, session, store, queue, cache, pacing, metrics)
        pool = WorkerPool(
            queue,
            Handlers(ctx).table(),
            concurrency=workers,
            # A retry becomes due without a wakeup: look at least as often as retries fall due.
            poll_interval=min(1.0, max(0.01, queue_backoff)),
            observer=metrics,
        )
        pool.start()
        timer = asyncio.create_task(
            _reconcile_timer(settings, queue) if reconcile else asyncio.Event().wait()
        )

        app = make_app(
            settings,
            queue=queue,
            metrics=metrics,
            status=partial(store_status, settings, store),
            checks=[store.ping],
        )
        try:
            yield Running(app, ctx, pool, metrics)
        finally:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
            await pool.stop()
            await cache.close()
            await queue.close()
            await store.close()


async def _reconcile_timer(settings: Settings, queue: SqliteQueue) -> None:
    """Queue a reconcile now and then, so a lost webhook costs freshness, not correctness."""
    interval = max(60.0, settings.reconcile_interval)
    while True:
        await queue.enqueue([Job("reconcile", 0, payload={"at": int(time.time() // interval)})])
        await queue.prune_deliveries(time.time() - DELIVERY_MEMORY)
        await asyncio.sleep(min(interval, 3600.0))


async def serve(settings: Settings, role: Role = "all") -> None:
    async with running(settings, role=role) as started:
        runner = web.AppRunner(started.app, **server_options(settings))
        await runner.setup()
        listener = await listen(runner, settings, settings.port)
        log.info("listening", extra={"host": settings.host, "port": settings.port})
        # Returns at once unless WEBHOOK_PROXY_URL names a smee-style channel.
        proxy = asyncio.create_task(run_proxy(settings, local_webhook_url(settings)))
        try:
            await asyncio.Event().wait()
        finally:
            proxy.cancel()
            listener.close()
            await runner.cleanup()
