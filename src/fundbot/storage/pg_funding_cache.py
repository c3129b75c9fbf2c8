"""The funding cache shared by every worker: the same cache, its disk half in PostgreSQL.

N workers resolving the same package fetch it once between them. The calls are synchronous,
as the SQLite cache's are (the resolver asks between awaits); each is one indexed statement
on a local or nearby server.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable
from typing import Any

import psycopg

from fundbot.model import PackageFunding
from fundbot.resolve.base import PackageKey
from fundbot.settings import Settings
from fundbot.storage.funding_cache import Clock, FundingCache, Validators, funding_from_json
from fundbot.storage.funding_cache import funding_to_json as _to_json


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

    def _load(self, keys: list[PackageKey], now: float) -> dict[PackageKey, PackageFunding]:
        if not keys:
            return {}
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
        found: dict[PackageKey, PackageFunding] = {}
        for ecosystem, name, data, expires_at in rows:
            funding = funding_from_json(str(data))
            if funding is None:
                continue
            key = (str(ecosystem), str(name))
            self._memory[key] = (float(expires_at), funding)
            found[key] = funding
        return found

    def put_many(self, results: Iterable[PackageFunding]) -> None:
        now = self.clock()
        rows = []
        for funding in results:
            expires_at = now + self.ttl_for(funding)
            self._memory[funding.key] = (expires_at, funding)
            rows.append((funding.ecosystem, funding.name, _to_json(funding), expires_at))
        conn = self._connection()
        with conn.transaction(), conn.cursor() as cur:
            if rows:
                cur.executemany(
                    "INSERT INTO funding VALUES (%s, %s, %s, %s) ON CONFLICT (ecosystem, name)"
                    " DO UPDATE SET data=excluded.data, expires_at=excluded.expires_at",
                    rows,
                )
            if self._pending:
                cur.executemany(
                    "INSERT INTO validators VALUES (%s, %s, %s, %s, %s) ON CONFLICT (url)"
                    " DO UPDATE SET etag=excluded.etag, last_modified=excluded.last_modified,"
                    " body=excluded.body, stored_at=excluded.stored_at",
                    [(url, *row) for url, row in self._pending.items()],
                )
        self._pending.clear()

    def validators(self, url: str) -> Validators | None:
        row = self._pending.get(url) or (
            self._connection()
            .execute("SELECT etag, last_modified, body FROM validators WHERE url = %s", (url,))
            .fetchone()
        )
        if row is None:
            return None
        try:
            body = zlib.decompress(bytes(row[2]))
        except zlib.error:
            return None
        return Validators(row[0], row[1], body)

    def forget_validators(self, url: str) -> None:
        self._pending.pop(url, None)
        self._connection().execute("DELETE FROM validators WHERE url = %s", (url,))
