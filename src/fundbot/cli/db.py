"""`fundbot db migrate` and `fundbot db import-sqlite PATH`: the PostgreSQL database."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from fundbot.cli.options import add_env_file
from fundbot.dotenv import load_dotenv
from fundbot.errors import SettingsError
from fundbot.settings import Settings


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "db",
        help="create or upgrade the PostgreSQL schema; import a SQLite deployment",
        description="Manage the PostgreSQL database named by DATABASE_URL.",
    )
    add_env_file(parser)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser(
        "migrate",
        help="create or upgrade the schema (idempotent; safe from several processes at once)",
    )
    importer = actions.add_parser(
        "import-sqlite",
        help="copy the store and funding cache of a SQLite deployment (its data directory)",
        description="Copy installations, scans, the bot's issues and the funding cache from "
        "a SQLite data directory (FUNDBOT_DATA_DIR). Queued jobs are not copied: the "
        "reconcile derives them again.",
    )
    importer.add_argument("path", type=Path, metavar="PATH", help="the SQLite data directory")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    load_dotenv(args.env_file)
    try:
        settings = Settings.from_env()
        if not settings.database_url:
            raise SettingsError("DATABASE_URL", "is not set: the postgresql:// URL to manage")
    except SettingsError as exc:
        print(f"fundbot db: {exc}", file=sys.stderr)
        return 2
    url = settings.database_url.reveal()
    from fundbot.storage import pg_import, pg_schema  # psycopg only for this command

    try:
        if args.action == "migrate":
            before, after = asyncio.run(pg_schema.migrate(url))
            if before == after:
                print(f"schema already at version {after}")
            else:
                print(f"schema migrated from version {before} to {after}")
            return 0
        asyncio.run(pg_schema.check_current(url))
        counts = pg_import.import_sqlite(args.path, url)
    except (pg_schema.SchemaOutdated, pg_import.ImportProblem) as exc:
        print(f"fundbot db: {exc}", file=sys.stderr)
        return 1
    for table, count in counts.items():
        print(f"{table}: {count} rows copied")
    print("queued jobs are not copied: the reconcile rescans what is stale")
    return 0
