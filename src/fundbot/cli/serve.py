"""`fundbot serve`: run the GitHub App (web front, workers, reconcile) in one process."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from typing import Any

from fundbot.app import require_app_settings, serve
from fundbot.cli.options import add_env_file
from fundbot.dotenv import load_dotenv
from fundbot.errors import SettingsError
from fundbot.logs import setup_logging
from fundbot.settings import Settings


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "serve",
        help="run the GitHub App: webhooks, workers and the daily reconcile",
        description="Run fundbot as a GitHub App. Settings come from the environment "
        "(APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, ...) and from ./.env.",
    )
    add_env_file(parser)
    parser.add_argument(
        "--role",
        choices=("all", "web"),
        default="all",
        help="all: webhooks and jobs in this process (default); web: webhooks only, jobs "
        "left to `fundbot worker` processes (needs DATABASE_URL)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    load_dotenv(args.env_file)
    try:
        settings = Settings.from_env()
        require_app_settings(settings)
    except SettingsError as exc:
        print(f"fundbot serve: {exc}", file=sys.stderr)
        if not args.env_file.is_file():
            # The usual first run: nothing registered yet.
            print(
                f"fundbot serve: no {args.env_file} here: `fundbot setup` registers the App "
                "and writes it",
                file=sys.stderr,
            )
        return 2
    if args.role != "all" and not settings.database_url:
        print(
            f"fundbot serve: --role {args.role} needs DATABASE_URL (postgresql://...): "
            "processes share their queue through PostgreSQL",
            file=sys.stderr,
        )
        return 2
    setup_logging(settings.logging_level, settings.log_format)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(settings, role=args.role))
    except SettingsError as exc:  # e.g. an older database schema
        print(f"fundbot serve: {exc}", file=sys.stderr)
        return 2
    return 0
