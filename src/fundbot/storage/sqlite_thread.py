"""One SQLite connection, used from one dedicated thread, so the event loop never waits
on the disk and the connection is never shared between threads."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from fundbot.storage.private_files import prepare_database

T = TypeVar("T")


class SqliteThread:
    """Base for the queue and the store: `_run` hops to the thread, `_conn` is used there."""

    def __init__(self, path: Path, thread_name: str) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=thread_name)
        self._db: sqlite3.Connection | None = None

    def _connect(self, schema: str, *, synchronous: str = "NORMAL") -> sqlite3.Connection:
        """Open in WAL mode (readers never block the writer) and create the schema."""
        db = sqlite3.connect(
            prepare_database(self.path), isolation_level=None, check_same_thread=False
        )
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={synchronous}")
        db.executescript(schema)
        self._db = db
        return db

    def _connect_memory(self) -> sqlite3.Connection:
        """An empty in-memory main database, for a user that ATTACHes its own file."""
        self._db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        return self._db

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on the connection's thread; fn reaches the connection by `connection()`.
        What shares the thread (the funding cache with the store) goes through here."""
        return await self._run(fn, *args)

    def connection(self) -> sqlite3.Connection:
        """The connection, for a function running on the thread (via `run`)."""
        return self._conn()

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError(f"{self.path.name} is not open")
        return self._db

    async def _close_connection(self) -> None:
        if self._db is not None:
            await self._run(self._db.close)
            self._db = None
        self._executor.shutdown(wait=True)
