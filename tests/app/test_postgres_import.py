"""`fundbot db import-sqlite PATH`: a SQLite deployment's store and cache, into PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import psycopg
import pytest

from fundbot.cli import main
from fundbot.model import FundingChannel, PackageFunding
from fundbot.settings import Settings
from fundbot.storage.funding_cache import FundingCache
from fundbot.storage.store import IssueRef, Store, StoredScan


async def sqlite_deployment(data_dir: Path) -> None:
    store = Store(data_dir / "state.sqlite3")
    await store.open()
    try:
        await store.touch_installation(7, "acme")
        await store.mark_scanned(7)
        await store.save_scan(7, StoredScan("acme/shop", {"a": 1}, "t", None, (), (), None, 1.0))
        await store.save_issue(7, "acme/shop", "repository", IssueRef(12, "h"))
        await store.set_meta("bot_login", "fundbot[bot]")
    finally:
        await store.close()
    cache = await FundingCache.own(Settings().with_overrides(data_dir=data_dir))
    channel = FundingChannel("github", "https://github.com/sponsors/chalk", "chalk", "npm:funding")
    cache.put_many([PackageFunding("npm", "chalk", None, (channel,), time.time())])
    await cache.close()


IMPORT = ["db", "--env-file", "/nonexistent", "import-sqlite"]


def test_import_copies_store_and_cache_and_can_be_rerun(
    tmp_path: Path,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    asyncio.run(sqlite_deployment(tmp_path))
    monkeypatch.setenv("DATABASE_URL", pg_url)
    assert main(["db", "--env-file", "/nonexistent", "migrate"]) == 0
    assert main([*IMPORT, str(tmp_path)]) == 0
    first = capsys.readouterr().out
    assert main([*IMPORT, str(tmp_path)]) == 0
    second = capsys.readouterr().out
    assert "installations: 1 rows copied" in first
    assert "funding: 1 rows copied" in first
    assert "installations: 0 rows copied" in second  # rerun: PostgreSQL's rows win
    assert "reconcile" in first
    with psycopg.connect(pg_url) as conn:
        issue = conn.execute("SELECT number FROM issues WHERE repository='acme/shop'").fetchone()
        scanned = conn.execute("SELECT last_scan_at FROM installations").fetchone()
    assert issue == (12,)
    assert scanned is not None
    assert scanned[0] is not None


def test_import_of_a_directory_without_state_says_so(
    tmp_path: Path,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", pg_url)
    assert main(["db", "--env-file", "/nonexistent", "migrate"]) == 0
    assert main([*IMPORT, str(tmp_path)]) == 1
    assert "FUNDBOT_DATA_DIR" in capsys.readouterr().err
