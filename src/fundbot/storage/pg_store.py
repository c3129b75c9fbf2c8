"""The Store in PostgreSQL: the SQLite Store's queries (`StoreQueries`), run over a
connection pool shared by every process."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from psycopg_pool import AsyncConnectionPool

from fundbot.storage.store import Statement, StoreQueries


@lru_cache(maxsize=256)
def _pg(sql: str) -> str:
    """psycopg's placeholders for the shared queries' `?` (none of them has a literal `?`)."""
    return sql.replace("?", "%s")


class PgStore(StoreQueries):
    """Installations, scans, the bot's issues and meta values, over a connection pool."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool

    async def open(self) -> None:
        """The pool is opened by its owner; the schema by `fundbot db migrate`."""

    async def close(self) -> None:
        """The pool is closed by its owner."""

    async def _exec(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        async with self.pool.connection() as conn:
            cur = await conn.execute(_pg(sql), params)
            return list(await cur.fetchall()) if cur.description else []

    async def _atomic(self, statements: Sequence[Statement]) -> None:
        async with self.pool.connection() as conn, conn.transaction():
            for sql, params in statements:
                await conn.execute(_pg(sql), params)
