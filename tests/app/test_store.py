"""The App's state store: what an uninstall forgets."""

from __future__ import annotations

from pathlib import Path

from fundbot.storage.store import IssueRef, Store, StoredScan
from tests.app.harness import app_under_test
from tests.fakes.github import FakeGitHub
from tests.fakes.server import FakeServer


async def test_forgetting_an_installation_leaves_nothing_of_it(tmp_path: Path) -> None:
    """Scans, issue numbers, developers and per-installation meta go; others' data stays."""
    store = Store(tmp_path / "state.sqlite3")
    await store.open()
    try:
        for installation in (7, 17):
            await store.touch_installation(installation, f"org{installation}")
            await store.set_developers(installation, 3, "estimate")
            scan = StoredScan(f"org{installation}/r", {}, "t", None, (), (), None, 1.0)
            await store.save_scan(installation, scan)
            await store.save_issue(installation, f"org{installation}/r", "m", IssueRef(1, "h"))
            await store.set_meta(f"commands_state:{installation}", "{}")
        await store.set_meta("bot_login", "fundbot[bot]")
        await store.forget_installation(7)
        assert [i for i, _, _ in await store.installations()] == [17]
        assert await store.scans(7) == []
        assert await store.issue("org7/r", "m") is None
        assert await store.get_meta("commands_state:7") is None
        assert await store.get_meta("commands_state:17") == "{}"
        assert await store.get_meta("bot_login") == "fundbot[bot]"
        assert await store.developers(17) is not None
    finally:
        await store.close()


async def test_health_is_503_when_the_store_is_gone(fake: FakeServer, tmp_path: Path) -> None:
    """/healthz checks the store as well as the queue."""
    async with app_under_test(fake, tmp_path, FakeGitHub()) as app:
        healthy = (await app.client.get("/healthz")).status
        await app.started.context.store.close()
        broken = (await app.client.get("/healthz")).status
    assert (healthy, broken) == (200, 503)
