"""The funding cache shared by every worker: the same cache, its disk half in PostgreSQL.

N workers resolving the same package fetch it once between them. Its statements run on the
App's async connection pool, so, as with SQLite's thread, the event loop never blocks on them.
"""

from __future__ import annotations

import time
from typing import Any

from psycopg_pool import AsyncConnectionPool

from fundbot.resolve.base import PackageKey
from fundbot.settings import Settings
from fundbot.storage.funding_cache import Clock, FundingCache, FundingRow


class PgFundingCache(FundingCache):
    def __init__(
        self, settings: Settings, pool: AsyncConnectionPool, *, clock: Clock = time.time
    ) -> None:
        super().__init__(settings, None, clock=clock)
        self.pool = pool  # opened and closed by its owner

    async def _read_funding(self, keys: list[PackageKey], now: float) -> list[FundingRow]:
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT ecosystem, name, data, expires_at FROM funding"
                " WHERE (ecosystem, name) IN (SELECT * FROM unnest(%s::text[], %s::text[]))"
                " AND expires_at > %s",
                ([k[0] for k in keys], [k[1] for k in keys], now),
            )
            rows = await cur.fetchall()
        return [((str(e), str(n)), str(data), float(at)) for e, n, data, at in rows]

    async def _write(
        self, funding: list[tuple[Any, ...]], validators: list[tuple[Any, ...]], gone: list[str]
    ) -> None:
        async with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            if gone:
                await cur.execute("DELETE FROM validators WHERE url = ANY(%s)", (gone,))
            if funding:
                await cur.executemany(
                    "INSERT INTO funding VALUES (%s, %s, %s, %s) ON CONFLICT (ecosystem, name)"
                    " DO UPDATE SET data=excluded.data, expires_at=excluded.expires_at",
                    funding,
                )
            if validators:
                await cur.executemany(
                    "INSERT INTO validators VALUES (%s, %s, %s, %s, %s) ON CONFLICT (url)"
                    " DO UPDATE SET etag=excluded.etag, last_modified=excluded.last_modified,"
                    " body=excluded.body, stored_at=excluded.stored_at",
                    validators,
                )

    async def _read_validators(self, url: str) -> tuple[Any, ...] | None:
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT etag, last_modified, body FROM validators WHERE url = %s", (url,)
            )
            row: tuple[Any, ...] | None = await cur.fetchone()
        return row
