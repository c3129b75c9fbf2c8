"""Funding results and HTTP validators, cached in memory and in SQLite under the data dir,
reached only through a SqliteThread."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

from cachetools import TTLCache

from fundbot.model import FundingChannel, FundingPlanOffer, PackageFunding
from fundbot.resolve.base import PackageKey
from fundbot.resolve.http import HttpClient, Response
from fundbot.settings import Settings
from fundbot.storage.private_files import prepare_database
from fundbot.storage.sqlite_thread import SqliteThread

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
MEMORY_ENTRIES = 100_000
# Larger documents (PyPI with every release) are refetched rather than kept.
MAX_STORED_BODY = 256 * 1024
# The cache file is ATTACHed as `funding_cache` on the thread's connection.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS funding_cache.funding (
    ecosystem TEXT NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL, expires_at REAL NOT NULL,
    PRIMARY KEY (ecosystem, name));
CREATE TABLE IF NOT EXISTS funding_cache.validators (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, body BLOB NOT NULL, stored_at REAL);
"""

Clock = Callable[[], float]
FundingRow = tuple[PackageKey, str, float]


@dataclass(frozen=True, slots=True)
class Validators:
    """What a server said about a document, to ask it again conditionally."""

    etag: str | None
    last_modified: str | None
    body: bytes

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


def is_negative(funding: PackageFunding) -> bool:
    """Not found or nothing useful: kept for the shorter not-found TTL."""
    return not funding.channels and not funding.offers


def funding_to_json(funding: PackageFunding) -> str:
    return json.dumps({"v": SCHEMA_VERSION, **asdict(funding)}, separators=(",", ":"))


def funding_from_json(text: str) -> PackageFunding | None:
    """The stored value, or None if it is from another schema or damaged."""
    try:
        data = json.loads(text)
        if data.pop("v", None) != SCHEMA_VERSION:
            return None
        data["channels"] = tuple(FundingChannel(**c) for c in data["channels"])
        data["offers"] = tuple(
            FundingPlanOffer(**{**o, "channels": tuple(o.get("channels", ()))})
            for o in data.get("offers", ())
        )
        return PackageFunding(**data)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


class FundingCache:
    """PackageFunding per (ecosystem, name): TTLCache in memory, a SQLite file on disk.

    The disk is reached only through a `SqliteThread` (the store's in the App, one of its own
    in the CLI), so the event loop never waits on SQLite: `load` reads what a run needs into
    memory before the run looks, `put_many` and the validators' changes stay in memory until
    `flush` writes them in one transaction. The file is ATTACHed to the thread's connection, so
    it stays `funding-cache.sqlite3`, shared by the App and the CLI on one data dir.
    """

    def __init__(
        self,
        settings: Settings,
        db: SqliteThread | None,
        *,
        clock: Clock = time.time,
        path: Path | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.path = path or settings.data_dir / "funding-cache.sqlite3"
        ttl = max(settings.cache_ttl_found, settings.cache_ttl_not_found)
        # The TTLCache bounds memory; each entry also carries its own expiry (found or not).
        self._memory: TTLCache[PackageKey, tuple[float, PackageFunding]] = TTLCache(
            MEMORY_ENTRIES, ttl, timer=clock
        )
        # Written in one transaction by the next flush, not one per response.
        self._rows: dict[PackageKey, tuple[Any, ...]] = {}
        self._pending: dict[str, tuple[str | None, str | None, bytes, float]] = {}
        self._forgotten: set[str] = set()
        self._writing: dict[str, tuple[str | None, str | None, bytes, float]] = {}
        self._attached = False
        self._attach_lock = asyncio.Lock()
        self._owns_thread = False

    @classmethod
    async def own(
        cls, settings: Settings, *, clock: Clock = time.time, path: Path | None = None
    ) -> FundingCache:
        """A cache with a thread of its own (the CLI, tools): `close` stops the thread."""
        thread = SqliteThread(path or settings.data_dir / "funding-cache.sqlite3", "fundbot-cache")
        await thread.run(thread._connect_memory)
        cache = cls(settings, thread, clock=clock, path=path)
        cache._owns_thread = True
        return cache

    async def close(self) -> None:
        await self.flush()
        if self._owns_thread and self.db is not None:
            await self.db._close_connection()
            self.db = None

    def ttl_for(self, funding: PackageFunding) -> float:
        if is_negative(funding):
            return self.settings.cache_ttl_not_found
        return self.settings.cache_ttl_found

    # -- funding ---------------------------------------------------------------------
    async def load(self, keys: Iterable[PackageKey]) -> dict[PackageKey, PackageFunding]:
        """Every unexpired entry for keys: memory first, then one trip to the disk's thread
        for the rest; what is found stays in memory."""
        now = self.clock()
        found: dict[PackageKey, PackageFunding] = {}
        missing: list[PackageKey] = []
        for key in keys:
            entry = self._memory.get(key)
            if entry is not None and entry[0] > now:
                found[key] = entry[1]
            else:
                missing.append(key)
        if not missing:
            return found
        for key, data, expires_at in await self._read_funding(missing, now):
            funding = funding_from_json(data)
            if funding is None:
                log.warning("damaged cache entry ignored", extra={"package": ":".join(key)})
                continue
            self._memory[key] = (expires_at, funding)
            found[key] = funding
        return found

    def put_many(self, results: Iterable[PackageFunding]) -> None:
        """Keep results, each with the TTL its kind (found, not found) deserves; in memory
        now, on disk at the next `flush`."""
        now = self.clock()
        for funding in results:
            expires_at = now + self.ttl_for(funding)
            self._memory[funding.key] = (expires_at, funding)
            self._rows[funding.key] = (
                funding.ecosystem,
                funding.name,
                funding_to_json(funding),
                expires_at,
            )

    async def flush(self) -> None:
        """Write what put_many and the validators left pending, in one transaction."""
        rows, validators, forgotten = self._rows, self._pending, self._forgotten
        if not (rows or validators or forgotten):
            return
        self._rows, self._pending, self._forgotten = {}, {}, set()
        # Still answered from memory while the write is under way.
        self._writing = validators
        try:
            await self._write(
                list(rows.values()),
                [(url, *row) for url, row in validators.items()],
                sorted(forgotten),
            )
        finally:
            self._writing = {}

    # -- the disk half: what a backend (SQLite here, PostgreSQL in pg_funding_cache) supplies
    def _thread(self) -> SqliteThread:
        if self.db is None:
            raise RuntimeError("the funding cache is closed")
        return self.db

    async def _attach(self) -> None:
        """ATTACH the cache file to the thread's connection, once."""
        if self._attached:
            return
        async with self._attach_lock:
            if not self._attached:
                thread = self._thread()
                await thread.run(_attach_setting_damage_aside, thread, self.path)
                self._attached = True

    async def _read_funding(self, keys: list[PackageKey], now: float) -> list[FundingRow]:
        """(key, stored JSON, expiry) of each unexpired entry found for keys."""
        await self._attach()
        thread = self._thread()

        def read() -> list[FundingRow]:
            conn = thread.connection()
            found = []
            for key in keys:
                row = conn.execute(
                    "SELECT data, expires_at FROM funding_cache.funding"
                    " WHERE ecosystem = ? AND name = ?",
                    key,
                ).fetchone()
                if row is not None and row[1] > now:
                    found.append((key, row[0], row[1]))
            return found

        return await thread.run(read)

    async def _write(
        self, funding: list[tuple[Any, ...]], validators: list[tuple[Any, ...]], gone: list[str]
    ) -> None:
        """Funding rows, validators and forgotten validators, in one transaction."""
        await self._attach()
        thread = self._thread()

        def write() -> None:
            conn = thread.connection()
            conn.execute("BEGIN")
            try:
                conn.executemany(
                    "DELETE FROM funding_cache.validators WHERE url = ?",
                    [(url,) for url in gone],
                )
                conn.executemany(
                    "INSERT OR REPLACE INTO funding_cache.funding VALUES (?, ?, ?, ?)", funding
                )
                conn.executemany(
                    "INSERT OR REPLACE INTO funding_cache.validators VALUES (?, ?, ?, ?, ?)",
                    validators,
                )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

        await thread.run(write)

    async def _read_validators(self, url: str) -> tuple[Any, ...] | None:
        await self._attach()
        thread = self._thread()

        def read() -> tuple[Any, ...] | None:
            return cast(
                "tuple[Any, ...] | None",
                thread.connection()
                .execute(
                    "SELECT etag, last_modified, body FROM funding_cache.validators WHERE url = ?",
                    (url,),
                )
                .fetchone(),
            )

        return await thread.run(read)

    # -- HTTP validators -----------------------------------------------------------
    async def validators(self, url: str) -> Validators | None:
        if url in self._forgotten:
            return None
        row = self._pending.get(url) or self._writing.get(url)
        if row is None:
            row = await self._read_validators(url)
        if row is None:
            return None
        try:
            body = zlib.decompress(bytes(row[2]))
        except zlib.error:
            return None
        return Validators(row[0], row[1], body)

    def store_validators(self, url: str, headers: Mapping[str, str], body: bytes) -> None:
        """Keep the body with its ETag/Last-Modified, if the server gave either."""
        etag = _header(headers, "ETag")
        last_modified = _header(headers, "Last-Modified")
        packed = zlib.compress(body) if etag or last_modified else b""
        if packed and len(packed) <= MAX_STORED_BODY:
            self._pending[url] = (etag, last_modified, packed, self.clock())
            self._forgotten.discard(url)
        else:
            self.forget_validators(url)

    def forget_validators(self, url: str) -> None:
        """Drop what is stored for url (on disk at the next flush): it describes an outdated
        body."""
        self._pending.pop(url, None)
        self._forgotten.add(url)


@dataclass
class ConditionalHttpClient(HttpClient):
    """An HttpClient whose GETs revalidate with stored ETag/Last-Modified; 304 reuses."""

    cache: FundingCache | None = None
    revalidated: int = 0

    async def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> Response:
        stored = await self.cache.validators(url) if self.cache is not None else None
        sent = {**(headers or {}), **(stored.headers() if stored else {})}
        response = await super().get(url, headers=sent)
        if response.status == 304 and stored is not None:
            self.revalidated += 1
            return Response(200, response.headers, stored.body)
        if response.status == 200 and self.cache is not None:
            if _header(response.headers, "ETag") or _header(response.headers, "Last-Modified"):
                self.cache.store_validators(url, response.headers, response.body)
            elif stored is not None:
                self.cache.forget_validators(url)
        return response


def _attach_setting_damage_aside(thread: SqliteThread, path: Path) -> None:
    conn = thread.connection()
    try:
        _attach_file(conn, path)
    except sqlite3.DatabaseError:
        # A damaged cache only costs a refetch: set it aside and start afresh.
        log.warning("damaged funding cache set aside", extra={"path": str(path)})
        path.replace(path.with_suffix(".damaged"))
        _attach_file(conn, path)


def _attach_file(conn: sqlite3.Connection, path: Path) -> None:
    conn.execute("ATTACH DATABASE ? AS funding_cache", (str(prepare_database(path)),))
    try:
        # WAL: several workers, and the CLI, read and write the same file.
        conn.execute("PRAGMA funding_cache.journal_mode=WAL")
        conn.executescript(_SCHEMA)
    except sqlite3.DatabaseError:
        conn.execute("DETACH DATABASE funding_cache")
        raise


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, whatever case the server (or a plain dict copy) spelt it in."""
    wanted = name.lower()
    value: Any = next((v for k, v in headers.items() if k.lower() == wanted), None)
    return str(value) if value else None
