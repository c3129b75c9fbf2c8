"""The funding cache shared by every worker: the same cache, its disk half in PostgreSQL.

N workers resolving the same package fetch it once between them. The calls are synchronous,
as the SQLite cache's are (the resolver asks between awaits); each is one indexed statement
on a local or nearby server.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import psycopg

from fundbot.resolve.base import PackageKey
from fundbot.settings import Settings
from fundbot.storage.funding_cache import Clock, FundingCache, FundingRow


class PgFundingCache(FundingCache):
    def __init__(self, settings: Settings, conninfo: str, *, clock: Clock = time.time) -> None:
        super().__init__(settings, clock=clock)
        self.conninfo = conninfo
        self._pg: psycopg.Connection[Any] | None = None

    def _connection(self) -> psycopg.Connection[Any]:
        if self._pg is None or self._pg.closed:
            self._pg = psycopg.connect(self.conninfo, autocommit=True)
        return self._pg

    def close(self) -> None:
        self.flush()
        if self._pg is not None:
            self._pg.close()
            self._pg = None

    def _read_funding(self, keys: list[PackageKey], now: float) -> Iterable[FundingRow]:
        if not keys:
            return []
        rows = (
            self._connection()
            .execute(
                "SELECT ecosystem, name, data, expires_at FROM funding"
                " WHERE (ecosystem, name) IN (SELECT * FROM unnest(%s::text[], %s::text[]))"
                " AND expires_at > %s",
                ([k[0] for k in keys], [k[1] for k in keys], now),
            )
            .fetchall()
        )
        return [((str(e), str(n)), str(data), float(at)) for e, n, data, at in rows]

    def _write(self, funding: list[tuple[Any, ...]], validators: list[tuple[Any, ...]]) -> None:
        conn = self._connection()
        with conn.transaction(), conn.cursor() as cur:
            if funding:
                cur.executemany(
                    "INSERT INTO funding VALUES (%s, %s, %s, %s) ON CONFLICT (ecosystem, name)"
                    " DO UPDATE SET data=excluded.data, expires_at=excluded.expires_at",
                    funding,
                )
            if validators:
                cur.executemany(
                    "INSERT INTO validators VALUES (%s, %s, %s, %s, %s) ON CONFLICT (url)"
                    " DO UPDATE SET etag=excluded.etag, last_modified=excluded.last_modified,"
                    " body=excluded.body, stored_at=excluded.stored_at",
                    validators,
                )

    def _read_validators(self, url: str) -> tuple[Any, ...] | None:
        return (
            self._connection()
            .execute("SELECT etag, last_modified, body FROM validators WHERE url = %s", (url,))
            .fetchone()
        )

    def _delete_validators(self, url: str) -> None:
        self._connection().execute("DELETE FROM validators WHERE url = %s", (url,))
