"""Funding results and HTTP validators, cached in memory and in SQLite under the data dir."""

from __future__ import annotations

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

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
MEMORY_ENTRIES = 100_000
# Larger documents (PyPI with every release) are refetched rather than kept.
MAX_STORED_BODY = 256 * 1024
_SCHEMA = """
CREATE TABLE IF NOT EXISTS funding (
    ecosystem TEXT NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL, expires_at REAL NOT NULL,
    PRIMARY KEY (ecosystem, name));
CREATE TABLE IF NOT EXISTS validators (
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
    """PackageFunding per (ecosystem, name): TTLCache in memory, SQLite on disk."""

    def __init__(
        self, settings: Settings, *, clock: Clock = time.time, path: Path | None = None
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.path = path or settings.data_dir / "funding-cache.sqlite3"
        ttl = max(settings.cache_ttl_found, settings.cache_ttl_not_found)
        # The TTLCache bounds memory; each entry also carries its own expiry (found or not).
        self._memory: TTLCache[PackageKey, tuple[float, PackageFunding]] = TTLCache(
            MEMORY_ENTRIES, ttl, timer=clock
        )
        self._db: sqlite3.Connection | None = None
        # Written in one transaction with the next put_many/close, not one per response.
        self._pending: dict[str, tuple[str | None, str | None, bytes, float]] = {}

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                self._db = _open(self.path)
            except sqlite3.DatabaseError:
                # A damaged cache only costs a refetch: set it aside and start afresh.
                log.warning("damaged funding cache set aside", extra={"path": str(self.path)})
                self.path.replace(self.path.with_suffix(".damaged"))
                self._db = _open(self.path)
        return self._db

    def close(self) -> None:
        self.flush()
        if self._db is not None:
            self._db.close()
            self._db = None

    def ttl_for(self, funding: PackageFunding) -> float:
        if is_negative(funding):
            return self.settings.cache_ttl_not_found
        return self.settings.cache_ttl_found

    # -- funding ---------------------------------------------------------------------
    def get_many(self, keys: Iterable[PackageKey]) -> dict[PackageKey, PackageFunding]:
        """Every unexpired entry for keys: memory first, then one pass over SQLite."""
        now = self.clock()
        found: dict[PackageKey, PackageFunding] = {}
        missing: list[PackageKey] = []
        for key in keys:
            entry = self._memory.get(key)
            if entry is not None and entry[0] > now:
                found[key] = entry[1]
            else:
                missing.append(key)
        if missing:
            found.update(self._load(missing, now))
        return found

    def _load(self, keys: list[PackageKey], now: float) -> dict[PackageKey, PackageFunding]:
        found: dict[PackageKey, PackageFunding] = {}
        for key, data, expires_at in self._read_funding(keys, now):
            funding = funding_from_json(data)
            if funding is None:
                log.warning("damaged cache entry ignored", extra={"package": ":".join(key)})
                continue
            self._memory[key] = (expires_at, funding)
            found[key] = funding
        return found

    def put_many(self, results: Iterable[PackageFunding]) -> None:
        """Store results, each with the TTL its kind (found, not found) deserves."""
        now = self.clock()
        rows = []
        for funding in results:
            expires_at = now + self.ttl_for(funding)
            self._memory[funding.key] = (expires_at, funding)
            rows.append((funding.ecosystem, funding.name, funding_to_json(funding), expires_at))
        self._write(rows, [(url, *row) for url, row in self._pending.items()])
        self._pending.clear()

    # -- the disk half: what a backend (SQLite here, PostgreSQL in pg_funding_cache) supplies
    def _read_funding(self, keys: list[PackageKey], now: float) -> Iterable[FundingRow]:
        """(key, stored JSON, expiry) of each unexpired entry found for keys."""
        conn = self._conn()
        for key in keys:
            row = conn.execute(
                "SELECT data, expires_at FROM funding WHERE ecosystem = ? AND name = ?", key
            ).fetchone()
            if row is not None and row[1] > now:
                yield key, row[0], row[1]

    def _write(self, funding: list[tuple[Any, ...]], validators: list[tuple[Any, ...]]) -> None:
        """Funding rows and pending validators, in one transaction."""
        with self._conn() as conn:
            conn.executemany("INSERT OR REPLACE INTO funding VALUES (?, ?, ?, ?)", funding)
            conn.executemany("INSERT OR REPLACE INTO validators VALUES (?, ?, ?, ?, ?)", validators)

    def _read_validators(self, url: str) -> tuple[Any, ...] | None:
        return cast(
            "tuple[Any, ...] | None",
            self._conn()
            .execute("SELECT etag, last_modified, body FROM validators WHERE url = ?", (url,))
            .fetchone(),
        )

    def _delete_validators(self, url: str) -> None:
        with self._conn() as conn:
            conn.execute("DELETE FROM validators WHERE url = ?", (url,))

    def flush(self) -> None:
        """Write pending validators."""
        if self._pending:
            self.put_many(())

    # -- HTTP validators -----------------------------------------------------------
    def validators(self, url: str) -> Validators | None:
        row = self._pending.get(url) or self._read_validators(url)
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
        else:
            self.forget_validators(url)

    def forget_validators(self, url: str) -> None:
        """Drop what is stored for url: it describes an outdated body."""
        self._pending.pop(url, None)
        self._delete_validators(url)


@dataclass
class ConditionalHttpClient(HttpClient):
    """An HttpClient whose GETs revalidate with stored ETag/Last-Modified; 304 reuses."""

    cache: FundingCache | None = None
    revalidated: int = 0

    async def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> Response:
        stored = self.cache.validators(url) if self.cache is not None else None
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


def _open(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(prepare_database(path), timeout=10)
    try:
        # WAL: several workers of one App instance read and write the same file.
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(_SCHEMA)
    except sqlite3.DatabaseError:
        conn.close()
        raise
    return conn


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, whatever case the server (or a plain dict copy) spelt it in."""
    wanted = name.lower()
    value: Any = next((v for k, v in headers.items() if k.lower() == wanted), None)
    return str(value) if value else None
