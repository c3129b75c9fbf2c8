"""Copy a SQLite deployment's store and funding cache into PostgreSQL.

Rows already in PostgreSQL win (the import can be rerun). Queued jobs are not copied: the
reconcile finds what is stale and queues it again.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg

from fundbot.errors import FundbotError

# Table: its columns, as both schemas spell them.
TABLES: dict[str, tuple[str, ...]] = {
    "installations": (
        "id",
        "account",
        "last_scan_at",
        "developers",
        "developers_method",
        "developers_at",
    ),
    "repositories": (
        "installation_id",
        "full_name",
        "info",
        "tree_sha",
        "config_sha",
        "scan",
        "skipped",
        "scanned_at",
    ),
    "issues": ("repository", "marker", "installation_id", "number", "body_hash"),
    "meta": ("key", "value"),
    "funding": ("ecosystem", "name", "data", "expires_at"),
    "validators": ("url", "etag", "last_modified", "body", "stored_at"),
}
FILES = ("state.sqlite3", "funding-cache.sqlite3")


class ImportProblem(FundbotError):
    """The SQLite side cannot be read."""


def import_sqlite(path: Path, conninfo: str) -> dict[str, int]:
    """Rows copied per table, from every SQLite file of the data directory at `path`."""
    directory = path if path.is_dir() else path.parent
    files = [directory / name for name in FILES if (directory / name).is_file()]
    if not files:
        raise ImportProblem(f"{path}: no {' or '.join(FILES)} here (is it FUNDBOT_DATA_DIR?)")
    counts = dict.fromkeys(TABLES, 0)
    with psycopg.connect(conninfo) as pg, pg.transaction():
        for file in files:
            try:
                source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
            except sqlite3.Error as exc:
                raise ImportProblem(f"{file}: {exc}") from None
            try:
                present = {
                    row[0]
                    for row in source.execute("SELECT name FROM sqlite_master WHERE type='table'")
                }
                for table, columns in TABLES.items():
                    if table in present:
                        counts[table] += _copy(source, pg, table, columns)
            except sqlite3.Error as exc:
                raise ImportProblem(f"{file}: {exc}") from None
            finally:
                source.close()
    return counts


def _copy(
    source: sqlite3.Connection,
    pg: psycopg.Connection[tuple[object, ...]],
    table: str,
    columns: tuple[str, ...],
) -> int:
    # Table and column names come from TABLES in this module, never from the file read.
    names = ", ".join(columns)
    rows = source.execute(f"SELECT {names} FROM {table}").fetchall()  # noqa: S608
    if not rows:
        return 0
    marks = ", ".join(["%s"] * len(columns))
    copied = 0
    with pg.cursor() as cur:
        for row in rows:
            cur.execute(
                f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING",  # noqa: S608
                row,
            )
            copied += cur.rowcount
    return copied
