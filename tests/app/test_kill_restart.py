"""`fundbot serve` killed (SIGKILL) again and again while pushes arrive: every restart comes
up healthy, no job is lost and no issue is duplicated.

Each server is a real separate process running `fundbot serve` from its environment. They
are forked from a forkserver that has fundbot imported already, so twenty restarts cost
milliseconds each, not an interpreter start each.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import random
import re
import socket
import sqlite3
import time
from collections.abc import Iterator
from multiprocessing.context import ForkServerContext
from pathlib import Path

import aiohttp
import pytest

from fundbot.model import Dependency
from tests.app.harness import acme, push_payload, serve_registry_fixtures
from tests.app.webhooks import SECRET, delivery_headers, example
from tests.fakes.github import FakeGitHub
from tests.fakes.registries import GO_GET_PREFIX, PREFIXES
from tests.fakes.server import FakeServer

SHOP = "acme/shop"
PLAN = "acme/.github"
CYCLES = 20
# npm packages whose recorded registry documents the fake serves.
ROTATION = ("chalk", "axios", "debug", "mocha")


def _serve_main(env: dict[str, str]) -> None:
    """The child: `fundbot serve`, configured by its environment only."""
    os.environ.clear()
    os.environ.update(env)
    from fundbot.cli import main

    main(["serve", "--env-file", os.devnull])


@pytest.fixture(scope="module")
def forkserver() -> Iterator[ForkServerContext]:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["fundbot.cli", "fundbot.app", "tests.app.test_kill_restart"])
    return context


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def serve_env(fake: FakeServer, github: FakeGitHub, data_dir: Path, port: int) -> dict[str, str]:
    env = {
        "APP_ID": str(github.app_id),
        "PRIVATE_KEY": github.private_key,
        "WEBHOOK_SECRET": SECRET,
        "GHE_HOST": f"127.0.0.1:{fake.port}",
        "GHE_PROTOCOL": "http",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "FUNDBOT_DATA_DIR": str(data_dir),
        "FUNDBOT_GO_GET_URL": fake.url + GO_GET_PREFIX + "/{path}?go-get=1",
        "LOG_LEVEL": "warn",
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
    }
    env.update({f"FUNDBOT_{attr.upper()}": fake.url + p for attr, p in PREFIXES.items()})
    return env


class Server:
    """One `fundbot serve` process at a time, on one port and one data directory."""

    def __init__(self, context: ForkServerContext, env: dict[str, str]) -> None:
        self.context = context
        self.env = env
        self.url = f"http://127.0.0.1:{env['PORT']}"
        self.process: multiprocessing.process.BaseProcess | None = None

    async def start(self, session: aiohttp.ClientSession) -> None:
        self.process = self.context.Process(target=_serve_main, args=(self.env,), daemon=True)
        self.process.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.process.is_alive(), f"serve exited with {self.process.exitcode}"
            try:
                async with session.get(self.url + "/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await _sleep(0.02)
        raise AssertionError("serve did not become healthy")

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no shutdown code runs
        self.process.join(5)

    async def counts(self, session: aiohttp.ClientSession) -> tuple[int, int, int]:
        async with session.get(self.url + "/") as resp:
            page = await resp.text()
        found = re.search(r"Jobs queued: (\d+), running: (\d+),\s*failed: (\d+)", page)
        assert found, page
        queued, running, failed = (int(n) for n in found.groups())
        return queued, running, failed

    async def settle(self, session: aiohttp.ClientSession, timeout: float = 30) -> None:
        """Until the queue is empty and stays so (follow-up jobs are queued before the job
        that queues them finishes, so a few quiet looks in a row mean done)."""
        quiet = 0
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            queued, running, failed = await self.counts(session)
            assert failed == 0
            quiet = quiet + 1 if queued == running == 0 else 0
            if quiet >= 5:
                return
            await _sleep(0.05)
        raise AssertionError(f"jobs did not settle: {await self.counts(session)}")


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


async def deliver(
    session: aiohttp.ClientSession, server: Server, event: str, payload: dict[str, object]
) -> int:
    body = json.dumps(payload).encode()
    async with session.post(
        server.url + "/api/github/webhooks", data=body, headers=delivery_headers(event, body)
    ) as resp:
        return resp.status


def scanned_npm_names(data_dir: Path, repo: str) -> set[str]:
    """The npm packages the App's store holds as the repository's last scan."""
    with contextlib.closing(sqlite3.connect(data_dir / "state.sqlite3")) as db:
        (scan,) = db.execute("SELECT scan FROM repositories WHERE full_name=?", (repo,)).fetchone()
    found = (Dependency(*fields) for fields in json.loads(scan)["dependencies"])
    return {d.name for d in found if d.ecosystem == "npm"}


async def test_twenty_kills_during_pushes_lose_nothing_and_duplicate_nothing(
    fake: FakeServer, tmp_path: Path, forkserver: ForkServerContext
) -> None:
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    github.install(fake)
    serve_registry_fixtures(fake)
    server = Server(forkserver, serve_env(fake, github, tmp_path / "data", _free_port()))
    rng = random.Random(13)
    accepted = 0
    async with aiohttp.ClientSession() as session:
        await server.start(session)
        installed = example("installation", "created")
        installed["installation"]["id"] = 7
        installed["installation"]["account"]["login"] = "acme"
        assert await deliver(session, server, "installation", installed) == 202
        for cycle in range(CYCLES):
            if cycle:
                await server.start(session)  # asserts it comes up healthy
            name = ROTATION[cycle % len(ROTATION)]
            github.repo(SHOP).files["package.json"] = json.dumps(
                {"name": "shop", "dependencies": {name: "^1.0.0"}}
            )
            # Two pushes: the first one's job running, the second's identical job queued
            # behind it when the kill comes (the state that once broke every restart).
            for n in (2 * cycle, 2 * cycle + 1):
                push = push_payload(SHOP, modified=("package.json",))
                push["after"] = f"{n:040x}"
                assert await deliver(session, server, "push", push) == 202
                accepted += 1
                await _sleep(rng.uniform(0.0, 0.15))  # somewhere in the middle of the work
            server.kill()
        await server.start(session)
        await server.settle(session)
        server.kill()
    assert accepted == 2 * CYCLES
    # No issue duplicated, whatever write a kill interrupted.
    assert len(github.bot_issues(SHOP)) == 1
    assert len(github.bot_issues(PLAN)) == 1
    # No job lost: the last push's content is what the App holds as the shop's scan.
    assert scanned_npm_names(tmp_path / "data", SHOP) == {ROTATION[(CYCLES - 1) % len(ROTATION)]}
    assert "palletsprojects.com/donate" in github.bot_issues(PLAN)[0].body
