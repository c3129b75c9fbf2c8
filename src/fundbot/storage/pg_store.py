"""The Store in PostgreSQL: the same methods as the SQLite Store, shared by every process."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from psycopg_pool import AsyncConnectionPool

from fundbot.storage.store import IssueRef, StoredDevelopers, StoredScan, _stored_scan


class PgStore:
    """Installations, scans, the bot's issues and meta values, over a connection pool."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool

    async def open(self) -> None:
        """The pool is opened by its owner; the schema by `fundbot db migrate`."""

    async def close(self) -> None:
        """The pool is closed by its owner."""

    async def _exec(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        async with self.pool.connection() as conn:
            cur = await conn.execute(sql, params)
            return list(await cur.fetchall()) if cur.description else []

    # -- installations -------------------------------------------------------------------
    async def touch_installation(self, installation_id: int, account: str) -> None:
        await self._exec(
            "INSERT INTO installations(id, account) VALUES (%s, %s)"
            " ON CONFLICT(id) DO UPDATE SET account=excluded.account",
            (installation_id, account),
        )

    async def mark_scanned(self, installation_id: int) -> None:
        await self._exec(
            "UPDATE installations SET last_scan_at=%s WHERE id=%s", (time.time(), installation_id)
        )

    async def last_scan(self, installation_id: int) -> float | None:
        rows = await self._exec(
            "SELECT last_scan_at FROM installations WHERE id=%s", (installation_id,)
        )
        return float(rows[0][0]) if rows and rows[0][0] is not None else None

    async def installations(self) -> list[tuple[int, str, float | None]]:
        rows = await self._exec("SELECT id, account, last_scan_at FROM installations ORDER BY id")
        return [(int(r[0]), str(r[1]), r[2]) for r in rows]

    async def stale_installations(self, older_than: float) -> list[int]:
        rows = await self._exec(
            "SELECT id FROM installations WHERE last_scan_at IS NULL OR last_scan_at < %s",
            (older_than,),
        )
        return [int(r[0]) for r in rows]

    async def set_developers(self, installation_id: int, count: int, method: str) -> None:
        await self._exec(
            "UPDATE installations SET developers=%s, developers_method=%s, developers_at=%s"
            " WHERE id=%s",
            (count, method, time.time(), installation_id),
        )

    async def developers(self, installation_id: int) -> StoredDevelopers | None:
        rows = await self._exec(
            "SELECT developers, developers_method, developers_at FROM installations WHERE id=%s",
            (installation_id,),
        )
        if not rows or rows[0][0] is None:
            return None
        count, method, at = rows[0]
        return StoredDevelopers(count=int(count), method=str(method), counted_at=float(at))

    async def forget_installation(self, installation_id: int) -> None:
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute("DELETE FROM installations WHERE id=%s", (installation_id,))
            await conn.execute(
                "DELETE FROM repositories WHERE installation_id=%s", (installation_id,)
            )
            await conn.execute("DELETE FROM issues WHERE installation_id=%s", (installation_id,))
            await conn.execute("DELETE FROM meta WHERE key LIKE %s", (f"%:{installation_id}",))

    # -- repositories --------------------------------------------------------------------
    async def save_scan(self, installation_id: int, scan: StoredScan) -> None:
        payload = json.dumps(
            {
                "dependencies": [list(asdict(d).values()) for d in scan.dependencies],
                "errors": [[e.manifest, e.error] for e in scan.errors],
            },
            separators=(",", ":"),
        )
        await self._exec(
            "INSERT INTO repositories(installation_id, full_name, info, tree_sha, config_sha,"
            " scan, skipped, scanned_at) VALUES (%s,%s,%s,%s,%s,%s,%s,%s)"
            " ON CONFLICT (installation_id, full_name) DO UPDATE SET info=excluded.info,"
            " tree_sha=excluded.tree_sha, config_sha=excluded.config_sha, scan=excluded.scan,"
            " skipped=excluded.skipped, scanned_at=excluded.scanned_at",
            (
                installation_id,
                scan.full_name,
                json.dumps(scan.info),
                scan.tree_sha,
                scan.config_sha,
                payload,
                scan.skipped,
                scan.scanned_at,
            ),
        )

    async def scans(self, installation_id: int) -> list[StoredScan]:
        rows = await self._exec(
            "SELECT full_name, info, tree_sha, config_sha, scan, skipped, scanned_at"
            " FROM repositories WHERE installation_id=%s ORDER BY full_name",
            (installation_id,),
        )
        return [_stored_scan(row) for row in rows]

    async def scan(self, installation_id: int, full_name: str) -> StoredScan | None:
        rows = await self._exec(
            "SELECT full_name, info, tree_sha, config_sha, scan, skipped, scanned_at"
            " FROM repositories WHERE installation_id=%s AND full_name=%s",
            (installation_id, full_name),
        )
        return _stored_scan(rows[0]) if rows else None

    async def forget_repositories(self, installation_id: int, names: Sequence[str]) -> None:
        if not names:
            return
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute(
                "DELETE FROM repositories WHERE installation_id=%s AND full_name = ANY(%s)",
                (installation_id, list(names)),
            )
            await conn.execute(
                "DELETE FROM issues WHERE installation_id=%s AND repository = ANY(%s)",
                (installation_id, list(names)),
            )

    # -- issues ----------------------------------------------------------------------------
    async def issue(self, repository: str, marker: str) -> IssueRef | None:
        rows = await self._exec(
            "SELECT number, body_hash FROM issues WHERE repository=%s AND marker=%s",
            (repository, marker),
        )
        return IssueRef(int(rows[0][0]), str(rows[0][1])) if rows else None

    async def save_issue(
        self, installation_id: int, repository: str, marker: str, ref: IssueRef
    ) -> None:
        await self._exec(
            "INSERT INTO issues(repository, marker, installation_id, number, body_hash)"
            " VALUES (%s,%s,%s,%s,%s) ON CONFLICT (repository, marker) DO UPDATE SET"
            " installation_id=excluded.installation_id, number=excluded.number,"
            " body_hash=excluded.body_hash",
            (repository, marker, installation_id, ref.number, ref.body_hash),
        )

    # -- meta ------------------------------------------------------------------------------
    async def get_meta(self, key: str) -> str | None:
        rows = await self._exec("SELECT value FROM meta WHERE key=%s", (key,))
        return str(rows[0][0]) if rows else None

    async def set_meta(self, key: str, value: str) -> None:
        await self._exec(
            "INSERT INTO meta(key, value) VALUES (%s,%s)"
            " ON CONFLICT (key) DO UPDATE SET value=excluded.value",
            (key, value),
        )

    async def ping(self) -> bool:
        try:
            await asyncio.wait_for(self._exec("SELECT 1"), 2.0)
        except Exception:
            return False
        return True
