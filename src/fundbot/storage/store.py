"""What the App remembers between jobs (SQLite): installations, scans, its own issues.

Everything here can be lost: scans are redone, issues are found again by their hidden
marker, and the commands' state lives in the issues themselves. It exists so that a
rescan with nothing changed costs one GitHub request per repository, not dozens.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from fundbot.model import Dependency, ScanError
from fundbot.storage.sqlite_thread import SqliteThread

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS installations (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL DEFAULT '',
    last_scan_at REAL,
    developers INTEGER,
    developers_method TEXT,
    developers_at REAL
);
CREATE TABLE IF NOT EXISTS repositories (
    installation_id INTEGER NOT NULL,
    full_name TEXT NOT NULL,
    info TEXT NOT NULL,
    tree_sha TEXT,
    config_sha TEXT,
    scan TEXT,
    skipped TEXT,
    scanned_at REAL,
    PRIMARY KEY (installation_id, full_name)
);
CREATE TABLE IF NOT EXISTS issues (
    repository TEXT NOT NULL,
    marker TEXT NOT NULL,
    installation_id INTEGER NOT NULL,
    number INTEGER NOT NULL,
    body_hash TEXT NOT NULL,
    PRIMARY KEY (repository, marker)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class StoredScan:
    """A repository's last scan, valid while its tree sha and config sha are unchanged."""

    full_name: str
    info: dict[str, Any]
    tree_sha: str | None
    config_sha: str | None
    dependencies: tuple[Dependency, ...]
    errors: tuple[ScanError, ...]
    skipped: str | None  # archived, fork, issues disabled...
    scanned_at: float | None

    @classmethod
    def skipped_as(
        cls, full_name: str, info: dict[str, Any], reason: str, *, scanned_at: float | None
    ) -> StoredScan:
        """A repository left out of the plan (archived, a fork, empty): nothing scanned."""
        return cls(
            full_name=full_name,
            info=info,
            tree_sha=None,
            config_sha=None,
            dependencies=(),
            errors=(),
            skipped=reason,
            scanned_at=scanned_at,
        )


@dataclass(frozen=True, slots=True)
class StoredDevelopers:
    """An installation's last developer estimate and when it was made."""

    count: int
    method: str  # how they were counted, shown in the plan
    counted_at: float  # unix time


@dataclass(frozen=True, slots=True)
class StoredInstallation:
    """An installation the App knows, and when its last full scan finished."""

    id: int
    account: str  # the organisation or user login
    last_scan_at: float | None  # unix time; None until a full scan completes


@dataclass(frozen=True, slots=True)
class IssueRef:
    number: int
    body_hash: str


Statement = tuple[str, Sequence[Any]]


class StoreQueries:
    """The store's queries, written once for both backends: `?` placeholders and upserts
    both SQLite and PostgreSQL accept. A backend supplies `_exec` (one statement) and
    `_atomic` (several statements in one transaction)."""

    async def _exec(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    async def _atomic(self, statements: Sequence[Statement]) -> None:
        raise NotImplementedError

    # -- installations -------------------------------------------------------------------
    async def touch_installation(self, installation_id: int, account: str) -> None:
        await self._exec(
            "INSERT INTO installations(id, account) VALUES (?, ?)"
            " ON CONFLICT(id) DO UPDATE SET account=excluded.account",
            (installation_id, account),
        )

    async def mark_scanned(self, installation_id: int) -> None:
        await self._exec(
            "UPDATE installations SET last_scan_at=? WHERE id=?", (time.time(), installation_id)
        )

    async def last_scan(self, installation_id: int) -> float | None:
        """When the installation's last full scan finished; None if it never did."""
        rows = await self._exec(
            "SELECT last_scan_at FROM installations WHERE id=?", (installation_id,)
        )
        return float(rows[0][0]) if rows and rows[0][0] is not None else None

    async def installations(self) -> list[StoredInstallation]:
        rows = await self._exec("SELECT id, account, last_scan_at FROM installations ORDER BY id")
        return [
            StoredInstallation(
                id=int(r[0]),
                account=str(r[1]),
                last_scan_at=float(r[2]) if r[2] is not None else None,
            )
            for r in rows
        ]

    async def stale_installations(self, older_than: float) -> list[int]:
        rows = await self._exec(
            "SELECT id FROM installations WHERE last_scan_at IS NULL OR last_scan_at < ?",
            (older_than,),
        )
        return [int(r[0]) for r in rows]

    async def set_developers(self, installation_id: int, count: int, method: str) -> None:
        await self._exec(
            "UPDATE installations SET developers=?, developers_method=?, developers_at=?"
            " WHERE id=?",
            (count, method, time.time(), installation_id),
        )

    async def developers(self, installation_id: int) -> StoredDevelopers | None:
        rows = await self._exec(
            "SELECT developers, developers_method, developers_at FROM installations WHERE id=?",
            (installation_id,),
        )
        if not rows or rows[0][0] is None:
            return None
        count, method, at = rows[0]
        return StoredDevelopers(count=int(count), method=str(method), counted_at=float(at))

    async def forget_installation(self, installation_id: int) -> None:
        await self._atomic(
            [
                ("DELETE FROM installations WHERE id=?", (installation_id,)),
                ("DELETE FROM repositories WHERE installation_id=?", (installation_id,)),
                ("DELETE FROM issues WHERE installation_id=?", (installation_id,)),
                # Per-installation values kept under `meta`, e.g. `commands_state:{id}`.
                ("DELETE FROM meta WHERE key LIKE ?", (f"%:{installation_id}",)),
            ]
        )

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
            " scan, skipped, scanned_at) VALUES (?,?,?,?,?,?,?,?)"
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
            " FROM repositories WHERE installation_id=? ORDER BY full_name",
            (installation_id,),
        )
        return [_stored_scan(row) for row in rows]

    async def scan(self, installation_id: int, full_name: str) -> StoredScan | None:
        rows = await self._exec(
            "SELECT full_name, info, tree_sha, config_sha, scan, skipped, scanned_at"
            " FROM repositories WHERE installation_id=? AND full_name=?",
            (installation_id, full_name),
        )
        return _stored_scan(rows[0]) if rows else None

    async def forget_repositories(self, installation_id: int, names: Sequence[str]) -> None:
        statements: list[Statement] = []
        for name in names:
            key = (installation_id, name)
            statements.append(
                ("DELETE FROM repositories WHERE installation_id=? AND full_name=?", key)
            )
            # The issue numbers too: if the repository comes back, we look again.
            statements.append(("DELETE FROM issues WHERE installation_id=? AND repository=?", key))
        if statements:
            await self._atomic(statements)

    # -- issues ----------------------------------------------------------------------------
    async def issue(self, repository: str, marker: str) -> IssueRef | None:
        rows = await self._exec(
            "SELECT number, body_hash FROM issues WHERE repository=? AND marker=?",
            (repository, marker),
        )
        return IssueRef(int(rows[0][0]), str(rows[0][1])) if rows else None

    async def save_issue(
        self, installation_id: int, repository: str, marker: str, ref: IssueRef
    ) -> None:
        await self._exec(
            "INSERT INTO issues(repository, marker, installation_id, number, body_hash)"
            " VALUES (?,?,?,?,?) ON CONFLICT (repository, marker) DO UPDATE SET"
            " installation_id=excluded.installation_id, number=excluded.number,"
            " body_hash=excluded.body_hash",
            (repository, marker, installation_id, ref.number, ref.body_hash),
        )

    # -- meta ------------------------------------------------------------------------------
    async def get_meta(self, key: str) -> str | None:
        rows = await self._exec("SELECT value FROM meta WHERE key=?", (key,))
        return str(rows[0][0]) if rows else None

    async def set_meta(self, key: str, value: str) -> None:
        await self._exec(
            "INSERT INTO meta(key, value) VALUES (?,?)"
            " ON CONFLICT (key) DO UPDATE SET value=excluded.value",
            (key, value),
        )

    async def ping(self) -> bool:
        try:
            await asyncio.wait_for(self._exec("SELECT 1"), 2.0)
        except Exception:
            return False
        return True


class Store(StoreQueries, SqliteThread):
    """The embedded store: one SQLite file, used from its own thread."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "fundbot-store")

    async def open(self) -> None:
        await self._run(self._connect, SCHEMA)

    async def close(self) -> None:
        await self._close_connection()

    async def _exec(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return await self._run(lambda: self._conn().execute(sql, params).fetchall())

    async def _atomic(self, statements: Sequence[Statement]) -> None:
        def run() -> None:
            db = self._conn()
            db.execute("BEGIN")
            try:
                for sql, params in statements:
                    db.execute(sql, params)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

        await self._run(run)


def _stored_scan(row: tuple[Any, ...]) -> StoredScan:
    full_name, info, tree_sha, config_sha, scan, skipped, scanned_at = row
    data = json.loads(scan) if scan else {"dependencies": [], "errors": []}
    return StoredScan(
        full_name=full_name,
        info=json.loads(info),
        tree_sha=tree_sha,
        config_sha=config_sha,
        dependencies=tuple(Dependency(*fields) for fields in data["dependencies"]),
        errors=tuple(ScanError(*e) for e in data["errors"]),
        skipped=skipped,
        scanned_at=scanned_at,
    )
