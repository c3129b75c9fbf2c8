"""The smee-style webhook proxy: SSE parsing, JSON.stringify fidelity, forwarding, reconnects."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import BaseTestServer, TestServer

from fundbot.devproxy.proxy import (
    Backoff,
    SseEvent,
    SseParser,
    WebhookProxy,
    delivery,
    js_stringify,
    local_webhook_url,
    run_proxy,
)
from fundbot.settings import Secret, Settings
from fundbot.storage.sqlite_queue import SqliteQueue
from fundbot.web import make_app
from tests.app.webhooks import SECRET, example, sign
from tests.fakes.server import FakeServer

Seen = list[tuple[str, dict[str, str], bytes]]  # (path and query, headers, body)
Recorder = tuple[BaseTestServer, Seen]
FAST = Backoff(initial=0.01, maximum=0.05)


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        (  # what smee.io sends: a ready event, a ping, a message
            [b"id: 0\nevent: ready\ndata: {}\n\nid: 1\nevent: ping\ndata: {}\n\n", b"data: {}\n\n"],
            [SseEvent("ready", "{}"), SseEvent("ping", "{}"), SseEvent("message", "{}")],
        ),
        ([b"data: a\r", b"\n\r\n"], [SseEvent("message", "a")]),  # CRLF split across chunks
        ([b"data: a\r\r", b"\ndata: b\n\n"], [SseEvent("message", "a"), SseEvent("message", "b")]),
        ([b"data: a\rdata: b\r\r"], [SseEvent("message", "a\nb")]),  # bare CR, two data lines
        ([b": keep-alive\ndata:x\n\n"], [SseEvent("message", "x")]),  # comment; no space
        ([b"data: \xc3", b"\xa9\n\n"], [SseEvent("message", "\u00e9")]),  # UTF-8 split
        ([b"\xef\xbb\xbfdata: 1\n\n"], [SseEvent("message", "1")]),  # byte order mark
        ([b"event: ping\n\n", b"data: half"], []),  # no data; an unfinished event
    ],
)
def test_sse_parser(chunks: list[bytes], expected: list[SseEvent]) -> None:
    """Events come out whole whatever the chunking and line endings (WHATWG rules)."""
    parser = SseParser()
    assert [e for chunk in chunks for e in parser.feed(chunk)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),  # expected: node's JSON.stringify(JSON.parse(text))
    [
        ("1e21", "1e+21"),
        ("1.5e-7", "1.5e-7"),
        ("0.000001", "0.000001"),
        ("1e-7", "1e-7"),
        ("123e-20", "1.23e-18"),
        ("100.0", "100"),
        ("-0.0", "0"),
        ("12345.678", "12345.678"),
        ("123456789012345678901234", "1.2345678901234569e+23"),
        ("9007199254740993", "9007199254740992"),
        ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ("[1.0,2.50,-0.0,1E400]", "[1,2.5,0,null]"),
        (
            '{"b":1,"2":2,"a":3,"1":4,"01":5,"4294967295":6,"4294967294":7}',
            '{"1":4,"2":2,"4294967294":7,"b":1,"a":3,"01":5,"4294967295":6}',
        ),
        (
            '"\\u0001\\u001f\\u007f\\u2028 \\u00e9 \\ud83d\\ude00 \\ud800 <>&/\\"\\\\"',
            '"\\u0001\\u001f\u007f\u2028 \u00e9 \U0001f600 \\ud800 <>&/\\"\\\\"',
        ),
        (
            '{"a": [true, false, null, {}], "b": {"c": "d"}}',
            '{"a":[true,false,null,{}],"b":{"c":"d"}}',
        ),
    ],
)
def test_js_stringify_matches_javascript(text: str, expected: str) -> None:
    """Numbers, key order, escapes and lone surrogates come out as JSON.stringify writes them."""
    assert js_stringify(json.loads(text)) == expected


def _message(event: str, payload: Any, **extra: Any) -> str:
    """A smee.io channel message: the request's headers, its parsed body, query, timestamp."""
    body = js_stringify(payload).encode()
    message = {
        "host": "smee.io",
        "content-length": str(len(body)),
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/abc123",
        "x-github-event": event,
        "x-github-delivery": f"delivery-{event}",
        "x-github-hook-id": "42",
        "x-hub-signature-256": sign(body),
        "accept": "*/*",
        "body": payload,
        "query": {},
        "timestamp": 1700000000000,
        **extra,
    }
    return json.dumps(message)


def test_delivery_keeps_github_headers_and_signature_bytes() -> None:
    """The forwarded request: original GitHub headers (not host), query merged, exact body."""
    payload = example("installation", "created")
    data = _message("installation", payload, query={"src": "smee"})
    found = delivery(data, "http://127.0.0.1:3000/api/github/webhooks?x=1")
    assert found is not None
    assert found.url == "http://127.0.0.1:3000/api/github/webhooks?x=1&src=smee"
    assert sign(found.body) == json.loads(data)["x-hub-signature-256"]
    assert sorted(found.headers) == [
        "accept",
        "content-type",
        "user-agent",
        "x-github-delivery",
        "x-github-event",
        "x-github-hook-id",
        "x-hub-signature-256",
    ]


@pytest.mark.parametrize("data", ["not json", "[1]", '{"x-github-event": "push"}'])
def test_messages_that_are_not_webhooks_are_skipped(data: str) -> None:
    """Garbage on the channel is no delivery (and no exception)."""
    assert delivery(data, "http://127.0.0.1/hook") is None


@pytest.mark.parametrize(
    ("host", "expected"),
    [("0.0.0.0", "http://127.0.0.1:3000/hook"), ("::1", "http://[::1]:3000/hook")],
)
def test_local_webhook_url(host: str, expected: str) -> None:
    """`serve` delivers to itself on loopback when it listens on every interface."""
    settings = Settings(host=host, webhook_path="/hook")
    assert local_webhook_url(settings) == expected


def _stream(*messages: str) -> bytes:
    events = ["id: 0\nevent: ready\ndata: {}\n", ": keep-alive\nid: 1\nevent: ping\ndata: {}\n"]
    events += [f"id: {n}\ndata: {m}\n" for n, m in enumerate(messages, 2)]
    return "\n".join(events).encode() + b"\n"


def _channel(fake: FakeServer, *messages: str) -> str:
    """A channel that fails once (503), streams the messages, then streams nothing."""
    sse = {"Content-Type": "text/event-stream"}
    fake.add("GET", "/Xk3Channel", status=503, body="busy")
    fake.add("GET", "/Xk3Channel", body=_stream(*messages), headers=sse)
    fake.add("GET", "/Xk3Channel", body=b"", headers=sse, times=None, required=False)
    return f"{fake.url}/Xk3Channel"


async def _until(condition: Any, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    """A real local webhook endpoint that records what reaches it."""
    seen: Seen = []

    async def hook(request: web.Request) -> web.Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        seen.append((request.path_qs, headers, await request.read()))
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/api/github/webhooks", hook)
    async with TestServer(app, host="127.0.0.1") as server:
        yield server, seen


async def test_proxy_forwards_each_event_with_its_headers_after_reconnecting(
    fake: FakeServer, recorder: Recorder
) -> None:
    """Two channel events reach the endpoint in order, signed bytes intact, despite a 503."""
    server, seen = recorder
    install, push = example("installation", "created"), example("push")
    source = _channel(fake, _message("installation", install), _message("push", push))
    settings = Settings(webhook_proxy_url=source)
    task = asyncio.create_task(
        run_proxy(settings, str(server.make_url("/api/github/webhooks")), backoff=FAST)
    )
    try:
        await _until(lambda: len(seen) >= 2)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert [h["x-github-event"] for _, h, _ in seen] == ["installation", "push"]
    for (path, headers, body), payload in zip(seen, [install, push], strict=True):
        assert path == "/api/github/webhooks"
        assert headers["x-hub-signature-256"] == sign(body)
        assert json.loads(body) == payload
        assert headers["user-agent"] == "GitHub-Hookshot/abc123"
        assert "timestamp" not in headers
    assert fake.count("GET", "/Xk3Channel") >= 2


@pytest.fixture
async def fundbot_hook(tmp_path: Path) -> AsyncIterator[tuple[str, SqliteQueue]]:
    """fundbot's own webhook endpoint (signature check, queue) on a real local port."""
    queue = SqliteQueue(tmp_path / "queue.sqlite3")
    await queue.start()
    app = make_app(Settings(webhook_secret=Secret(SECRET)), queue=queue)
    async with TestServer(app, host="127.0.0.1") as server:
        yield str(server.make_url("/api/github/webhooks")), queue
    await queue.close()


async def test_fundbot_accepts_proxied_deliveries_and_queues_their_jobs(
    fake: FakeServer, fundbot_hook: tuple[str, SqliteQueue]
) -> None:
    """Through the proxy, fundbot's signature check passes and the installation is scanned."""
    url, queue = fundbot_hook
    payload = example("installation", "created")
    settings = Settings(webhook_proxy_url=_channel(fake, _message("installation", payload)))
    task = asyncio.create_task(run_proxy(settings, url, backoff=FAST))
    try:
        claimed = None
        for _ in range(500):
            claimed = await queue.claim()
            if claimed is not None:
                break
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert claimed is not None
    assert (claimed.job.kind, claimed.job.delivery_id) == (
        "scan_installation",
        "delivery-installation",
    )


async def test_bytes_javascript_would_not_write_fail_the_signature(
    recorder: Recorder, fake: FakeServer
) -> None:
    """The documented limit: GitHub bytes unlike JSON.stringify's (`\\u003c`) lose the signature."""
    server, seen = recorder
    original = b'{"zen":"\\u003cb\\u003e"}'
    message = json.loads(_message("ping", json.loads(original)))
    message["x-hub-signature-256"] = sign(original)
    settings = Settings(webhook_proxy_url=_channel(fake, json.dumps(message)))
    task = asyncio.create_task(
        run_proxy(settings, str(server.make_url("/api/github/webhooks")), backoff=FAST)
    )
    try:
        await _until(lambda: len(seen) >= 1)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    _, headers, body = seen[0]
    assert body == b'{"zen":"<b>"}'
    assert headers["x-hub-signature-256"] != sign(body)


@pytest.mark.parametrize("url", [None, "ftp://smee.io/x"])
async def test_without_a_usable_proxy_url_nothing_starts(url: str | None) -> None:
    """Unset or non-http WEBHOOK_PROXY_URL: run_proxy returns at once, the server goes on."""
    await asyncio.wait_for(run_proxy(Settings(webhook_proxy_url=url), "http://x/"), 1)


async def test_an_unreachable_endpoint_never_stops_the_proxy(fake: FakeServer) -> None:
    """Deliveries that fail (nothing listens) are logged; the proxy keeps listening."""
    payload = example("installation", "created")
    source = _channel(fake, _message("installation", payload))
    async with aiohttp.ClientSession() as session:
        proxy = WebhookProxy(source, "http://127.0.0.1:9/api/github/webhooks", session, FAST)
        task = asyncio.create_task(proxy.run())
        try:
            await _until(lambda: fake.count("GET", "/Xk3Channel") >= 4)
            assert not task.done()
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
    assert proxy.forwarded == 0
