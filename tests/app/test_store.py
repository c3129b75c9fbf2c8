"""The App's state store in the running App (its contract: test_store_contract.py)."""

from __future__ import annotations

from pathlib import Path

from tests.app.harness import app_under_test
from tests.fakes.github import FakeGitHub
from tests.fakes.server import FakeServer


async def test_health_is_503_when_the_store_is_gone(fake: FakeServer, tmp_path: Path) -> None:
    """/healthz checks the store as well as the queue."""
    async with app_under_test(fake, tmp_path, FakeGitHub()) as app:
        healthy = (await app.client.get("/healthz")).status
        await app.started.context.store.close()
        broken = (await app.client.get("/healthz")).status
    assert (healthy, broken) == (200, 503)
