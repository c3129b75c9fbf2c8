"""The Store in PostgreSQL: the SQLite Store's queries (`StoreQueries`), run over a
connection pool shared by every process."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from fundbot.storage.store import Statement, StoreQueries


async def _autocommit(conn: AsyncConnection[Any]) -> None:
    await conn.set_autocommit(True)


def connection_pool(conninfo: str, *, min_size: int, max_size: int) -> AsyncConnectionPool:
    """The process's one pool (store, queue and procrastinate's worker), unopened.

    Its connections are in autocommit: a lone statement is one round trip (no BEGIN and
    COMMIT around it), which the webhook path counts on; `conn.transaction()` still groups
    statements. (Set by `configure`, not the `autocommit` keyword, which procrastinate's
    own LISTEN connection passes again.)
    """
    return AsyncConnectionPool(
        conninfo, min_size=min_size, max_size=max_size, configure=_autocommit, open=False
    )


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
