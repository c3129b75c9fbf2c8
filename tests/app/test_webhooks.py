"""The webhook endpoint: signatures, de-duplication, routing, and never a 5xx."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from fundbot.settings import Secret, Settings
from fundbot.storage.sqlite_queue import SqliteQueue
from fundbot.web import make_app
from tests.app.webhooks import SECRET, delivery_headers, example, examples

ALL_EXAMPLES = [
    (event, index)
    for event, payloads in sorted(examples().items())
    for index in range(len(payloads))
]


@pytest.fixture
async def queue(tmp_path: Path) -> AsyncIterator[SqliteQueue]:
    q = SqliteQueue(tmp_path / "queue.sqlite3")
    await q.start()
    yield q
    await q.close()


@pytest.fixture
async def client(queue: SqliteQueue) -> AsyncIterator[TestClient[Any, Any]]:
    settings = Settings(webhook_secret=Secret(SECRET))
    app = make_app(settings, queue=queue)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


async def _deliver(
    client: TestClient[Any, Any], event: str, payload: Any, **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = delivery_headers(event, body, **kwargs)
    resp = await client.post("/api/github/webhooks", data=body, headers=headers)
    return resp.status, await resp.json()


@pytest.mark.parametrize(("event", "index"), ALL_EXAMPLES)
async def test_every_real_payload_gets_2xx(
    client: TestClient[Any, Any], event: str, index: int
) -> None:
    """Every published example payload, of every event, is answered 2xx."""
    status, _ = await _deliver(client, event, examples()[event][index])
    assert 200 <= status < 300


async def test_installation_created_queues_a_full_scan(
    client: TestClient[Any, Any], queue: SqliteQueue
) -> None:
    """`installation created` queues one scan of the whole installation."""
    payload = example("installation", "created")
    status, body = await _deliver(client, "installation", payload)
    assert (status, body) == (202, {"status": "queued", "jobs": 1})
    claimed = await queue.claim()
    assert claimed is not None
    assert (claimed.job.kind, claimed.job.installation_id) == (
        "scan_installation",
        payload["installation"]["id"],
    )


async def test_repeated_delivery_is_answered_once(
    client: TestClient[Any, Any], queue: SqliteQueue
) -> None:
    """The same X-GitHub-Delivery twice: the second is a 200 no-op."""
    payload = example("installation", "created")
    first = await _deliver(client, "installation", payload, delivery_id="d-1")
    second = await _deliver(client, "installation", payload, delivery_id="d-1")
    assert (first[0], second) == (202, (200, {"status": "duplicate delivery"}))
    assert (await queue.counts())["queued"] == 1


async def test_repeated_delivery_after_restart_is_dropped(tmp_path: Path) -> None:
    """De-duplication survives a restart: the delivery ids are on disk."""
    settings = Settings(webhook_secret=Secret(SECRET))
    payload = example("installation", "created")
    statuses = []
    for _ in range(2):
        q = SqliteQueue(tmp_path / "q.sqlite3")
        await q.start()
        async with TestClient(TestServer(make_app(settings, queue=q), host="127.0.0.1")) as c:
            statuses.append((await _deliver(c, "installation", payload, delivery_id="x"))[0])
        await q.close()
    assert statuses == [202, 200]


def _push(paths: list[str], ref: str = "refs/heads/main") -> dict[str, Any]:
    payload = example("push")
    payload["ref"] = ref
    payload["repository"]["default_branch"] = "main"
    payload["deleted"] = False
    payload["installation"] = {"id": 42, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI="}
    payload["commits"] = [{"id": "c1", "added": [], "modified": paths, "removed": []}]
    return payload


@pytest.mark.parametrize(
    ("paths", "ref", "queued"),
    [
        (["package.json"], "refs/heads/main", True),
        (["services/api/requirements.txt"], "refs/heads/main", True),
        ([".github/fundbot.yml"], "refs/heads/main", True),
        (["README.md", "src/app.py"], "refs/heads/main", False),
        (["tests/fixtures/package.json"], "refs/heads/main", False),
        (["package.json"], "refs/heads/feature", False),
    ],
)
async def test_push_rescans_only_on_dependency_change_to_default_branch(
    client: TestClient[Any, Any], paths: list[str], ref: str, queued: bool
) -> None:
    """A push queues a rescan only when the default branch changes a dependency file."""
    status, body = await _deliver(client, "push", _push(paths, ref))
    assert (status, body["status"]) == ((202, "queued") if queued else (200, "ignored"))


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"X-GitHub-Event": None}, 400),
        ({"X-GitHub-Delivery": None}, 400),
        ({"X-Hub-Signature-256": None}, 401),
        ({"X-Hub-Signature-256": "sha256=" + "0" * 64}, 401),
        ({"X-Hub-Signature-256": "sha1=abc"}, 401),
    ],
)
async def test_bad_headers_are_refused(
    client: TestClient[Any, Any], headers: dict[str, str | None], status: int
) -> None:
    """Missing GitHub headers get 400; a missing or wrong signature gets 401."""
    body = json.dumps(example("ping")).encode()
    sent = {k: v for k, v in {**delivery_headers("ping", body), **headers}.items() if v}
    resp = await client.post("/api/github/webhooks", data=body, headers=sent)
    assert resp.status == status


async def test_signature_from_another_secret_is_refused(client: TestClient[Any, Any]) -> None:
    """A body signed with another secret is a 401."""
    status, _ = await _deliver(client, "ping", example("ping"), secret="not the secret")
    assert status == 401


@pytest.mark.parametrize("body", [b"payload=%7B%7D", b"{not json", b"\xff\xfe"])
async def test_body_that_is_not_json_gets_415(client: TestClient[Any, Any], body: bytes) -> None:
    """A signed body that is not JSON gets 415."""
    status, _ = await _deliver(client, "push", body)
    assert status == 415


@pytest.mark.parametrize("payload", [[], "x", 1, None, {"installation": "nope"}, {"ref": 5}])
async def test_odd_payload_shapes_never_get_5xx(client: TestClient[Any, Any], payload: Any) -> None:
    """Signed JSON of any shape is answered below 500."""
    for event in ("installation", "push", "installation_repositories"):
        status, _ = await _deliver(client, event, {"action": "created", "payload": payload})
        assert status < 500
        status, _ = await _deliver(client, event, payload)
        assert status < 500


async def test_payload_over_25_mb_gets_413(client: TestClient[Any, Any]) -> None:
    """A body over GitHub's 25 MB cap is refused with 413."""
    body = b'{"x": "' + b"a" * (25 * 1024 * 1024 + 10) + b'"}'
    headers = delivery_headers("push", body)
    resp = await client.post("/api/github/webhooks", data=io.BytesIO(body), headers=headers)
    assert resp.status == 413


async def test_health_metrics_and_home(client: TestClient[Any, Any], queue: SqliteQueue) -> None:
    """/healthz is 200 while the queue works, /metrics counts deliveries, / describes us."""
    await _deliver(client, "installation", example("installation", "created"))
    health = await client.get("/healthz")
    metrics = await (await client.get("/metrics")).text()
    home = await (await client.get("/")).text()
    assert health.status == 200
    assert 'fundbot_webhook_deliveries_total{event="installation",outcome="queued"} 1.0' in metrics
    assert 'fundbot_jobs{state="queued"} 1.0' in metrics
    assert "fundbot" in home
    assert "Jobs queued: 1" in home


async def test_health_is_503_when_the_queue_is_gone(
    client: TestClient[Any, Any], queue: SqliteQueue
) -> None:
    """/healthz answers 503 once the queue no longer works."""
    await queue.close()
    resp = await client.get("/healthz")
    assert resp.status == 503
