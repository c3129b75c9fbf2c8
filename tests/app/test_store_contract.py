"""The store's contract, run against both backends: embedded SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from fundbot.model import Dependency, ScanError
from fundbot.storage.store import IssueRef, StoredInstallation, StoredScan
from tests.app.backends import Backend, postgres_backend, sqlite_backend


@pytest.fixture(params=["sqlite", "postgres"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "sqlite":
        async with sqlite_backend(tmp_path) as found:
            yield found
    else:
        from fundbot.storage.pg_schema import migrate

        url = request.getfixturevalue("pg_url")
        await migrate(url)
        async with postgres_backend(url) as found:
            yield found


async def test_forgetting_an_installation_leaves_nothing_of_it(backend: Backend) -> None:
    """Scans, issue numbers, developers and per-installation meta go; others' data stays."""
    store = backend.store
    for installation in (7, 17):
        await store.touch_installation(installation, f"org{installation}")
        await store.set_developers(installation, 3, "estimate")
        scan = StoredScan(f"org{installation}/r", {}, "t", None, (), (), None, 1.0)
        await store.save_scan(installation, scan)
        await store.save_issue(installation, f"org{installation}/r", "m", IssueRef(1, "h"))
        await store.set_meta(f"commands_state:{installation}", "{}")
    await store.set_meta("bot_login", "fundbot[bot]")
    await store.forget_installation(7)
    assert [i.id for i in await store.installations()] == [17]
    assert await store.scans(7) == []
    assert await store.issue("org7/r", "m") is None
    assert await store.get_meta("commands_state:7") is None
    assert await store.get_meta("commands_state:17") == "{}"
    assert await store.get_meta("bot_login") == "fundbot[bot]"
    kept = await store.developers(17)
    assert kept is not None
    assert (kept.count, kept.method) == (3, "estimate")  # a row with named fields


async def test_a_scan_comes_back_as_it_was_saved_and_is_replaced(backend: Backend) -> None:
    store = backend.store
    dep = Dependency("npm", "chalk", "5.0.0", "runtime", True, "package.json")
    first = StoredScan(
        "o/r", {"private": False}, "t1", "c1", (dep,), (ScanError("a", "b"),), None, 2.0
    )
    await store.save_scan(1, first)
    assert await store.scan(1, "o/r") == first
    second = StoredScan("o/r", {}, "t2", None, (), (), "archived", 3.0)
    await store.save_scan(1, second)
    assert await store.scans(1) == [second]
    await store.forget_repositories(1, ["o/r"])
    assert await store.scan(1, "o/r") is None


async def test_issues_meta_and_staleness(backend: Backend) -> None:
    store = backend.store
    await store.save_issue(1, "o/r", "plan", IssueRef(3, "h1"))
    await store.save_issue(1, "o/r", "plan", IssueRef(3, "h2"))
    assert await store.issue("o/r", "plan") == IssueRef(3, "h2")
    await store.set_meta("k", "1")
    await store.set_meta("k", "2")
    assert await store.get_meta("k") == "2"
    await store.touch_installation(1, "o")
    await store.touch_installation(2, "p")
    assert await store.stale_installations(100.0) == [1, 2]
    await store.mark_scanned(1)
    assert await store.stale_installations(100.0) == [2]
    assert await store.last_scan(1) is not None
    first, second = await store.installations()
    assert (first.id, first.account, second) == (1, "o", StoredInstallation(2, "p", None))
    assert isinstance(first.last_scan_at, float)
    assert await store.ping() is True
