"""An App under test: the real server, workers and queue, against the fake GitHub and
registries on 127.0.0.1, driven by signed webhook deliveries."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from fundbot.app import Role, Running, running
from fundbot.github.client import Pacing
from fundbot.settings import Secret, Settings
from fundbot.web import server_options
from tests.app.webhooks import SECRET, delivery_headers, example
from tests.fakes.github import FakeGitHub, Repo
from tests.fakes.openapi import problems
from tests.fakes.registries import registry_settings, serve_npm, serve_pypi
from tests.fakes.server import FakeServer

SHOP_PACKAGE_JSON = json.dumps(
    {"name": "shop", "dependencies": {"chalk": "^5.0.0", "axios": "^1.6.0"}}, indent=2
)
SHOP_REQUIREMENTS = "flask==3.0.0\nrequests==2.32.0\n"


def acme(installation_id: int = 7) -> list[Repo]:
    """An organisation: a shop with npm and PyPI deps, the .github repo, an archived one."""
    return [
        Repo(
            "acme/shop",
            files={
                "package.json": SHOP_PACKAGE_JSON,
                "api/requirements.txt": SHOP_REQUIREMENTS,
                "tests/fixtures/package.json": '{"dependencies": {"left-pad": "1"}}',
                "README.md": "# shop\n",
            },
            authors=[("alice", "User"), ("bob", "User"), ("dependabot[bot]", "Bot")],
        ),
        Repo("acme/.github", files={".github/fundbot.yml": "developers: 5\n"}),
        Repo("acme/old", files={"package.json": '{"dependencies": {"debug": "1"}}'}, archived=True),
    ]


def serve_acme_registries(fake: FakeServer) -> None:
    """The registry documents the acme shop needs, each answered any number of times."""
    for name in ("chalk", "axios"):
        serve_npm(fake, name, times=None, required=False)
    for name in ("flask", "requests"):
        serve_pypi(fake, name, times=None, required=False)


_DELIVERY_NUMBERS = itertools.count(1)


@dataclass
class AppUnderTest:
    fake: FakeServer
    github: FakeGitHub
    client: TestClient[Any, Any]
    started: Running

    async def deliver(
        self,
        event: str,
        payload: dict[str, Any],
        delivery_id: str | None = None,
        *,
        replay: bool = False,
    ) -> int:
        """Send a signed delivery. GitHub's deliveries differ byte for byte (timestamps,
        shas), and the App drops a body it accepted in the last day as a replay; tests that
        send one payload twice as two events get a distinct body unless `replay`."""
        sent = payload if replay else {**payload, "test_delivery": next(_DELIVERY_NUMBERS)}
        body = json.dumps(sent).encode()
        headers = delivery_headers(event, body, delivery_id=delivery_id)
        resp = await self.client.post("/api/github/webhooks", data=body, headers=headers)
        return resp.status

    async def settle(self, timeout: float = 30.0) -> None:
        """Wait until every queued job has run (follow-up jobs included)."""
        queue = self.started.context.queue
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            counts = await queue.counts()
            if (
                counts["queued"] == 0
                and counts["running"] == 0
                and (self.started.workers.running == 0)
            ):
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"jobs did not settle: {await queue.counts()}")

    def installation_payload(
        self, installation_id: int = 7, action: str = "created", account: str = "acme"
    ) -> dict[str, Any]:
        payload = example("installation", action)
        payload["installation"]["id"] = installation_id
        payload["installation"]["account"]["login"] = account
        return payload

    async def install(self, installation_id: int = 7, account: str = "acme") -> None:
        """Deliver `installation created` and wait for the full scan."""
        payload = self.installation_payload(installation_id, account=account)
        assert await self.deliver("installation", payload) == 202
        await self.settle()


def push_payload(
    full_name: str,
    *,
    installation_id: int = 7,
    branch: str = "main",
    default_branch: str = "main",
    added: tuple[str, ...] = (),
    modified: tuple[str, ...] = (),
    removed: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A real `push` example, pointed at a repository, a branch and the paths it touched."""
    payload = example("push", index=4)
    payload["ref"] = f"refs/heads/{branch}"
    payload["deleted"] = False
    payload["installation"] = {"id": installation_id}
    payload["repository"]["full_name"] = full_name
    payload["repository"]["name"] = full_name.split("/")[1]
    payload["repository"]["default_branch"] = default_branch
    commit = payload["head_commit"]
    commit.update(added=list(added), modified=list(modified), removed=list(removed))
    payload["commits"] = [commit]
    return payload


def repositories_payload(action: str, names: list[str], installation_id: int = 7) -> dict[str, Any]:
    """A real `installation_repositories` example with these repositories added or removed."""
    payload = example("installation_repositories", action)
    payload["installation"]["id"] = installation_id
    listed = [{"full_name": n, "name": n.split("/")[1], "private": False} for n in names]
    payload["repositories_added"] = listed if action == "added" else []
    payload["repositories_removed"] = listed if action == "removed" else []
    return payload


def app_settings(fake: FakeServer, github: FakeGitHub, data_dir: Path) -> Settings:
    return registry_settings(
        fake,
        data_dir,
        app_id=github.app_id,
        private_key=Secret(github.private_key),
        webhook_secret=Secret(SECRET),
    )


@contextlib.asynccontextmanager
async def app_under_test(
    fake: FakeServer,
    data_dir: Path,
    github: FakeGitHub | None = None,
    *,
    workers: int = 2,
    queue_backoff: float = 0.01,
    database_url: str | None = None,
    role: Role = "all",
    reconcile: bool = False,
) -> AsyncIterator[AppUnderTest]:
    """The App on SQLite under data_dir, or with `database_url` on PostgreSQL."""
    github = github or FakeGitHub()
    github.install(fake)
    settings = app_settings(fake, github, data_dir)
    if database_url:
        settings = settings.with_overrides(
            database_url=Secret(database_url), worker_heartbeat=0.2, stalled_after=2.0
        )
    pacing = Pacing(write_gap=0, sleep=False)
    async with running(
        settings,
        workers=workers,
        pacing=pacing,
        queue_backoff=queue_backoff,
        role=role,
        reconcile=reconcile,
    ) as started:
        server = await started_server(started.app, settings)
        async with TestClient(server) as client:
            yield AppUnderTest(fake, github, client, started)
    assert_valid_requests(github)


async def started_server(app: web.Application, settings: Settings) -> TestServer:
    """A started test server with the options `fundbot serve` uses (TestServer's own
    constructor drops runner options; start_server takes them)."""
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(**server_options(settings))
    return server


def assert_valid_requests(github: FakeGitHub) -> None:
    """Every REST request fundbot sent fits GitHub's published REST description."""
    found = [
        problem
        for method, path, query, body in github.bodies
        for problem in problems(method, path, query, body)
    ]
    assert found == []


NPM_FIXTURES = ("@babel/core", "axios", "chalk", "debug", "follow-redirects", "mocha")
PYPI_FIXTURES = ("django", "flask", "httpx", "pydantic", "pytest", "requests")


def serve_registry_fixtures(fake: FakeServer) -> None:
    """Every recorded npm and PyPI document, each answered any number of times, or never."""
    for name in NPM_FIXTURES:
        serve_npm(fake, name, times=None, required=False)
    for name in PYPI_FIXTURES:
        serve_pypi(fake, name, times=None, required=False)
