"""A host that accepts connections and never answers costs FUNDBOT_HTTP_DEADLINE, not minutes."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp

from fundbot.resolve.http import FetchError, HostDeadlines, HttpClient
from fundbot.settings import Settings
from tests.fakes.server import FakeServer, SilentListener


def _settings(tmp_path: Path, deadline: float, registry: str) -> Settings:
    # A per-request timeout far beyond the deadline: only the deadline can end the wait.
    # The host on loopback is a configured registry: only those may be private addresses.
    return Settings().with_overrides(
        http_deadline=deadline,
        http_timeout=60.0,
        retry_sleep=False,
        data_dir=tmp_path,
        npm_registry_url=registry,
    )


async def _many(client: HttpClient, url: str, count: int) -> list[str]:
    async def one(i: int) -> str:
        try:
            await client.get(f"{url}/p{i}")
        except FetchError as exc:
            return exc.reason
        return "answered"

    return await asyncio.gather(*(one(i) for i in range(count)))


def test_a_silent_host_fails_every_package_at_its_deadline(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[str], float]:
        with SilentListener() as silent:
            settings = _settings(tmp_path, 0.5, silent.url)
            async with aiohttp.ClientSession() as session:
                client = HttpClient(session, settings, deadlines=HostDeadlines(0.5))
                start = time.monotonic()
                reasons = await _many(client, silent.url, 30)
                return reasons, time.monotonic() - start

    reasons, elapsed = asyncio.run(scenario())
    assert elapsed < 5  # without the deadline: 60 s per attempt, 4 attempts
    assert len(set(reasons)) == 1
    assert reasons[0].endswith("within 0.5 s (FUNDBOT_HTTP_DEADLINE)")


def test_a_healthy_host_is_never_cut_off_while_it_keeps_answering(tmp_path: Path) -> None:
    """Each answer restarts the clock: 60 lookups one at a time, 0.05 s each (3 s in all),
    deadline 2 s."""
    slow = FakeServer(latency=0.05).start()
    try:
        for i in range(60):
            slow.add("GET", f"/p{i}", json={})
        settings = _settings(tmp_path, 2.0, slow.url).with_overrides(http_concurrency=1)

        async def scenario() -> list[str]:
            async with aiohttp.ClientSession() as session:
                client = HttpClient(session, settings, deadlines=HostDeadlines(2.0))
                return await _many(client, slow.url, 60)

        assert asyncio.run(scenario()) == ["answered"] * 60
        slow.check()
    finally:
        slow.stop()
