"""The funding cache: round trips, TTLs per kind, SQLite persistence, damaged rows, validators,
and SQLite only ever on the cache's own thread."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from threading import get_ident

import aiohttp
import pytest

from fundbot.model import FundingChannel, FundingPlanOffer, PackageFunding
from fundbot.resolve.http import HttpClient
from fundbot.resolve.resolver import resolve_funding
from fundbot.settings import Settings
from fundbot.storage.funding_cache import (
    MAX_STORED_BODY,
    ConditionalHttpClient,
    FundingCache,
    funding_from_json,
    funding_to_json,
)
from fundbot.storage.store import Store
from tests.builders import dep
from tests.fakes.registries import serve_npm
from tests.fakes.server import FakeServer


class Clock:
    def __init__(self) -> None:
        self.now = 5_000.0

    def __call__(self) -> float:
        return self.now


FOUND = PackageFunding(
    "npm",
    "@babel/core",
    "https://github.com/babel/babel",
    (
        FundingChannel(
            "open_collective", "https://opencollective.com/babel", "babel", "npm:funding"
        ),
    ),
    1.5,
    None,
    (FundingPlanOffer("Gold", 500.0, "USD", "monthly", ("oc",)),),
)
NOT_FOUND = PackageFunding("npm", "nope", None, (), 1.5, "not found on npm")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def cache(tmp_path: Path, clock: Clock) -> AsyncIterator[FundingCache]:
    cache = await FundingCache.own(Settings().with_overrides(data_dir=tmp_path), clock=clock)
    yield cache
    await cache.close()


@pytest.mark.parametrize("funding", [FOUND, NOT_FOUND])
def test_json_round_trip(funding: PackageFunding) -> None:
    """Every field, channels and offers included, survives storage unchanged."""
    assert funding_from_json(funding_to_json(funding)) == funding


@pytest.mark.parametrize(
    "text",
    ["not json", "[]", '{"v": 999}', '{"v": 1, "ecosystem": "npm"}', '{"v": 1, "channels": 3}'],
)
def test_damaged_entries_read_as_missing(text: str) -> None:
    """A damaged or foreign-schema entry is a cache miss, never an error."""
    assert funding_from_json(text) is None


async def test_persists_across_instances(tmp_path: Path, clock: Clock) -> None:
    """A new cache object on the same data dir (a new process) finds the stored entries."""
    settings = Settings().with_overrides(data_dir=tmp_path)
    first = await FundingCache.own(settings, clock=clock)
    first.put_many([FOUND, NOT_FOUND])
    await first.close()
    second = await FundingCache.own(settings, clock=clock)
    try:
        assert await second.load([FOUND.key, NOT_FOUND.key, ("npm", "other")]) == {
            FOUND.key: FOUND,
            NOT_FOUND.key: NOT_FOUND,
        }
    finally:
        await second.close()


async def test_the_store_s_thread_carries_the_cache_file(tmp_path: Path, clock: Clock) -> None:
    """Shared with the store (the App), the cache writes its own file, which a cache of the
    CLI on the same data dir reads; the store's file holds none of its tables."""
    settings = Settings().with_overrides(data_dir=tmp_path)
    store = Store(tmp_path / "state.sqlite3")
    await store.open()
    try:
        shared = FundingCache(settings, store, clock=clock)
        shared.put_many([FOUND])
        await shared.close()
        assert await store.ping()  # closing the cache leaves the store's connection open
    finally:
        await store.close()
    cli = await FundingCache.own(settings, clock=clock)
    try:
        assert await cli.load([FOUND.key]) == {FOUND.key: FOUND}
    finally:
        await cli.close()
    with closing(sqlite3.connect(tmp_path / "state.sqlite3")) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "funding" not in tables


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [
        (6 * 3600 - 1, {"@babel/core", "nope"}),
        (6 * 3600 + 1, {"@babel/core"}),
        (24 * 3600 + 1, set()),
    ],
)
async def test_ttl_by_kind(
    cache: FundingCache, clock: Clock, elapsed: float, expected: set[str]
) -> None:
    """Found entries live 24 h, not-found ones 6 h, in memory and on disk alike."""
    cache.put_many([FOUND, NOT_FOUND])
    await cache.flush()
    clock.now += elapsed
    assert {k[1] for k in await cache.load([FOUND.key, NOT_FOUND.key])} == expected
    cache._memory.clear()
    assert {k[1] for k in await cache.load([FOUND.key, NOT_FOUND.key])} == expected


async def test_damaged_row_on_disk_is_ignored(cache: FundingCache, tmp_path: Path) -> None:
    """A row someone damaged on disk is skipped and the rest still answer."""
    cache.put_many([FOUND, NOT_FOUND])
    await cache.flush()
    with closing(sqlite3.connect(cache.path)) as conn, conn:
        conn.execute("UPDATE funding SET data = 'garbage' WHERE name = 'nope'")
    cache._memory.clear()
    assert await cache.load([FOUND.key, NOT_FOUND.key]) == {FOUND.key: FOUND}


async def test_validators_stored_only_with_a_validator(cache: FundingCache) -> None:
    """A body is kept only when the server gave an ETag or Last-Modified, and not if huge."""
    cache.store_validators("https://r/a", {"etag": '"1"'}, b"body a")
    cache.store_validators("https://r/b", {"Content-Type": "application/json"}, b"body b")
    # Random bytes do not compress: over the limit even after zlib.
    cache.store_validators("https://r/c", {"Last-Modified": "x"}, os.urandom(MAX_STORED_BODY))
    await cache.flush()
    stored = await cache.validators("https://r/a")
    assert stored is not None
    assert (stored.body, stored.headers()) == (b"body a", {"If-None-Match": '"1"'})
    assert await cache.validators("https://r/b") is None
    assert await cache.validators("https://r/c") is None


async def test_conditional_client(fake: FakeServer, cache: FundingCache) -> None:
    """The client stores validators from a 200 and turns a later 304 into the stored 200."""
    fake.add("GET", "/doc", body=b"v1", headers={"ETag": '"e1"'})
    fake.add("GET", "/doc", status=304)
    # The fake on loopback is a configured registry: only those may be private addresses.
    settings = cache.settings.with_overrides(retry_sleep=False, npm_registry_url=fake.url)
    async with aiohttp.ClientSession() as session:
        client = ConditionalHttpClient(session, settings, cache=cache)
        first = await client.get(fake.url + "/doc")
        second = await client.get(fake.url + "/doc")
    assert (first.status, first.body) == (200, b"v1")
    assert (second.status, second.body) == (200, b"v1")
    assert fake.requests[1].headers["If-None-Match"] == '"e1"'
    assert client.revalidated == 1


async def test_damaged_cache_file_is_set_aside(tmp_path: Path, clock: Clock) -> None:
    """A cache file that is not a database is moved aside; the cache works from empty."""
    settings = Settings().with_overrides(data_dir=tmp_path)
    (tmp_path / "funding-cache.sqlite3").write_bytes(b"this is not sqlite" * 100)
    cache = await FundingCache.own(settings, clock=clock)
    try:
        assert await cache.load([FOUND.key]) == {}
        cache.put_many([FOUND])
        await cache.flush()
        cache._memory.clear()
        assert await cache.load([FOUND.key]) == {FOUND.key: FOUND}
    finally:
        await cache.close()
    assert (tmp_path / "funding-cache.damaged").exists()


async def test_validators_forgotten_when_the_server_stops_sending_them(
    cache: FundingCache,
) -> None:
    """A fresh 200 without ETag/Last-Modified drops the stored body it replaces, on disk too."""
    cache.store_validators("https://r/a", {"ETag": '"1"'}, b"old")
    await cache.flush()
    cache.store_validators("https://r/a", {}, b"new")
    assert await cache.validators("https://r/a") is None
    await cache.flush()
    assert await cache._read_validators("https://r/a") is None
    cache.store_validators("https://r/a", {"ETag": '"2"'}, b"again")
    stored = await cache.validators("https://r/a")
    assert stored is not None
    assert stored.body == b"again"


async def test_sqlite_runs_only_on_the_cache_thread_during_a_resolve(
    fake: FakeServer, settings: Settings, http: HttpClient
) -> None:
    """Cold run (reads, validators, writes) and warm rerun: every statement the cache's
    connection runs, runs off the event loop's thread; the warm rerun makes no request."""
    serve_npm(fake, "@babel/core")
    fake.add("GET", "/npm/missing/latest", status=404)
    store = Store(settings.data_dir / "state.sqlite3")
    await store.open()
    threads: set[int] = set()
    await store.run(
        lambda: store.connection().set_trace_callback(lambda _: threads.add(get_ident()))
    )
    cache = FundingCache(settings, store)
    deps = [dep("@babel/core"), dep("missing")]
    try:
        await resolve_funding(deps, settings, http, cache, github_token=None)
        requests = fake.count()
        cache._memory.clear()  # the warm rerun reads the disk
        found, stats = await resolve_funding(deps, settings, http, cache, github_token=None)
    finally:
        await cache.close()
        await store.close()
    assert fake.count() == requests
    assert stats.cache_hits == 2
    assert len(found) == 2
    assert threads
    assert get_ident() not in threads
