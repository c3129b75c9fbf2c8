"""`fundbot worker`: run jobs from the PostgreSQL queue (any number, on any machines)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from typing import Any

from aiohttp import web

from fundbot.app import require_app_credentials, running
from fundbot.cli.options import add_env_file
from fundbot.dotenv import load_dotenv
from fundbot.errors import SettingsError
from fundbot.logs import setup_logging
from fundbot.settings import Settings

log = logging.getLogger(__name__)


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "worker",
        help="run jobs from the shared PostgreSQL queue (needs DATABASE_URL)",
        description="Run fundbot's jobs (scans, plans, issues, comments) taken from the "
        "PostgreSQL queue that `fundbot serve --role web` fills. Start as many as you like.",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=4,
        metavar="N",
        help="jobs run at once by this process (default 4)",
    )
    parser.add_argument(
        "--health-port",
        type=int,
        metavar="PORT",
        help="serve /healthz and /metrics on this port (on HOST)",
    )
    add_env_file(parser)
    parser.set_defaults(run=run)


def require_worker_settings(settings: Settings) -> None:
    if not settings.database_url:
        raise SettingsError("DATABASE_URL", "is not set: workers take their jobs from PostgreSQL")
    require_app_credentials(settings)


def run(args: argparse.Namespace) -> int:
    load_dotenv(args.env_file)
    if args.concurrency < 1:
        print("fundbot worker: --concurrency must be at least 1", file=sys.stderr)
        return 2
    try:
        settings = Settings.from_env()
        require_worker_settings(settings)
    except SettingsError as exc:
        print(f"fundbot worker: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.logging_level, settings.log_format)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(work(settings, args.concurrency, args.health_port))
    except SettingsError as exc:  # e.g. an older database schema
        print(f"fundbot worker: {exc}", file=sys.stderr)
        return 2
    return 0


async def work(settings: Settings, concurrency: int, health_port: int | None) -> None:
    main = asyncio.current_task()
    if main is None:  # only when called outside a task, which asyncio.run never does
        raise RuntimeError("fundbot worker must run inside an asyncio task")
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main.cancel)
    async with running(settings, workers=concurrency, role="worker") as started:
        runner: web.AppRunner | None = None
        if health_port is not None:
            runner = web.AppRunner(started.app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, settings.host, health_port).start()
        log.info("worker running", extra={"concurrency": concurrency, "health_port": health_port})
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.Event().wait()
        finally:
            if runner is not None:
                await runner.cleanup()
