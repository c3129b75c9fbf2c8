"""The HTTP face of the App: the webhook endpoint, health, metrics and a small home page.

The webhook handler only decides: it checks the signature, drops repeated deliveries,
turns the event into plain-value jobs and answers once they are on disk. It never calls
GitHub; workers do that.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web
from gidgethub import sansio
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from fundbot import __version__, events
from fundbot.logs import RateLimitedLog
from fundbot.metrics import Metrics, event_label
from fundbot.settings import Settings
from fundbot.storage.sqlite_queue import FailedJob

if TYPE_CHECKING:
    from fundbot.jobs.model import Job

log = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB


class WebQueue(Protocol):
    """What the web front needs of a queue: the SQLite one, or PostgreSQL's."""

    def seen(self, delivery_id: str) -> bool: ...
    async def submit(
        self,
        delivery_id: str | None,
        event: str,
        jobs: Sequence[Job],
        *,
        body_digest: str | None = None,
    ) -> bool: ...
    async def ping(self) -> bool: ...
    async def counts(self) -> dict[str, int]: ...
    async def failed_jobs(self, limit: int = 20) -> list[FailedJob]: ...


QUEUE_KEY: web.AppKey[WebQueue] = web.AppKey("queue")
METRICS_KEY = web.AppKey("metrics", Metrics)
REFUSAL_LOG_KEY = web.AppKey("refusal_log", RateLimitedLog)
SETTINGS_KEY = web.AppKey("settings", Settings)
# The webhook secret as bytes, revealed once when the app is made rather than per request.
SECRET_KEY = web.AppKey("webhook_secret", bytes)
# The last health probe (monotonic time, result): the public home page reuses a recent one
# instead of running the queue's synced write probe for every anonymous visitor.
HEALTH_KEY = web.AppKey("health", list)
HOME_HEALTH_MAX_AGE = 30.0
StatusProvider = Callable[[], Awaitable[Mapping[str, Any]]]
STATUS_KEY: web.AppKey[StatusProvider] = web.AppKey("status")
HealthCheck = Callable[[], Awaitable[bool]]
CHECKS_KEY: web.AppKey[tuple[HealthCheck, ...]] = web.AppKey("checks")


def verified_digest(secret: bytes, body: bytes, header: str | None) -> str | None:
    """The body's HMAC-SHA256 (hex) when `X-Hub-Signature-256: sha256=<hex>` matches it,
    compared in constant time; None otherwise.

    Whatever the header holds (non-ASCII, odd length, not hex) the answer is None, never an
    exception: compare_digest refuses non-ASCII str, so both sides are compared as bytes.
    The digest also names the body for replay detection: one pass over it, not two.
    """
    if not header or not header.startswith("sha256="):
        return None
    given = header[len("sha256=") :].strip().encode("utf-8", "surrogateescape")
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return expected if hmac.compare_digest(expected.encode(), given) else None


def _answer(status: int, outcome: str, **extra: Any) -> web.Response:
    return web.json_response({"status": outcome, **extra}, status=status)


async def webhook(request: web.Request) -> web.Response:
    app = request.app
    metrics = app[METRICS_KEY]
    claimed_event = request.headers.get("X-GitHub-Event")
    delivery_id = request.headers.get("X-GitHub-Delivery")
    # Until the signature is checked nothing the sender says is trusted, the event name
    # included: every refusal before that counts under one label.
    refused = metrics.unauthenticated
    if not claimed_event or not delivery_id:
        refused("bad_request")
        return _answer(400, "missing X-GitHub-Event or X-GitHub-Delivery header")
    if request.headers.get("Content-Encoding", "identity").strip().lower() != "identity":
        # GitHub never compresses webhooks; inflating a stranger's body is a memory bomb.
        refused("encoded")
        return _answer(415, "Content-Encoding is not supported: send the body uncompressed")
    if (request.content_length or 0) > MAX_PAYLOAD_BYTES:
        refused("too_large")
        return _answer(413, "payload over 25 MB")
    try:
        # A client trickling its body gets read_timeout seconds for all of it; the server's
        # lingering_time of 0 then closes the connection instead of draining the rest.
        async with asyncio.timeout(app[SETTINGS_KEY].read_timeout):
            body = await request.read()
    except TimeoutError:
        refused("slow_body")
        return web.json_response(
            {"outcome": "body not received in time"}, status=408, headers={"Connection": "close"}
        )
    except web.HTTPRequestEntityTooLarge:
        refused("too_large")
        return _answer(413, "payload over 25 MB")
    digest = verified_digest(app[SECRET_KEY], body, request.headers.get("X-Hub-Signature-256"))
    if digest is None:
        refused("bad_signature")
        app[REFUSAL_LOG_KEY].warning("bad signature")
        return _answer(401, "bad or missing X-Hub-Signature-256")
    label = event_label(claimed_event)
    queue = app[QUEUE_KEY]
    if queue.seen(delivery_id):
        metrics.deliveries.labels(label, "duplicate").inc()
        return _answer(200, "duplicate delivery")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        metrics.deliveries.labels(label, "not_json").inc()
        return _answer(415, "body is not JSON: set the webhook content type to application/json")
    if not isinstance(data, dict):
        metrics.deliveries.labels(label, "bad_request").inc()
        return _answer(400, "payload is not a JSON object")
    return await _enqueue(app, claimed_event, delivery_id, data, digest)


async def _enqueue(
    app: web.Application, event_name: str, delivery_id: str, data: dict[str, Any], digest: str
) -> web.Response:
    metrics = app[METRICS_KEY]
    context = {"delivery_id": delivery_id, "event": event_name, "action": data.get("action")}
    label = event_label(event_name)
    if event_name == "ping":
        metrics.deliveries.labels(label, "ignored").inc()
        return _answer(200, "pong")
    try:
        jobs = await events.decide(sansio.Event(data, event=event_name, delivery_id=delivery_id))
    except Exception:  # An odd payload shape must never become a 5xx.
        log.warning("payload not understood", extra=context, exc_info=True)
        metrics.deliveries.labels(label, "not_understood").inc()
        return _answer(400, "payload not understood")
    if not jobs:
        metrics.deliveries.labels(label, "ignored").inc()
        return _answer(200, "ignored")
    try:
        accepted = await app[QUEUE_KEY].submit(delivery_id, event_name, jobs, body_digest=digest)
    except Exception:
        log.exception("could not queue delivery", extra=context)
        metrics.deliveries.labels(label, "unavailable").inc()
        return _answer(503, "queue unavailable, redeliver later")
    if not accepted:
        metrics.deliveries.labels(label, "duplicate").inc()
        return _answer(200, "duplicate delivery")
    metrics.deliveries.labels(label, "queued").inc()
    log.info("delivery queued", extra={**context, "jobs": len(jobs)})
    return _answer(202, "queued", jobs=len(jobs))


async def _healthy(app: web.Application) -> bool:
    """The queue and everything else the caller registered (the store) answer."""
    ok = await app[QUEUE_KEY].ping() and all([await check() for check in app[CHECKS_KEY]])
    app[HEALTH_KEY][:] = [time.monotonic(), ok]
    return ok


async def _recently_healthy(app: web.Application) -> bool:
    checked_at, ok = app[HEALTH_KEY]
    if time.monotonic() - checked_at < HOME_HEALTH_MAX_AGE:
        return bool(ok)
    return await _healthy(app)


async def healthz(request: web.Request) -> web.Response:
    ok = await _healthy(request.app)
    return _answer(200 if ok else 503, "ok" if ok else "unhealthy")


async def metrics_endpoint(request: web.Request) -> web.Response:
    app = request.app
    counts = await app[QUEUE_KEY].counts()
    for state, count in counts.items():
        app[METRICS_KEY].jobs.labels(state).set(count)
    app[METRICS_KEY].refresh()
    body = generate_latest(app[METRICS_KEY].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def home(request: web.Request) -> web.Response:
    app = request.app
    healthy = await _recently_healthy(app)
    status = dict(await app[STATUS_KEY]())
    # Counts only: the page is public, so no repository name and no error text (which can
    # quote one); both stay in the logs and in `fundbot` commands run by the operator.
    counts = await app[QUEUE_KEY].counts()
    install_url = status.get("install_url")
    install = (
        f'<p><a href="{html.escape(str(install_url))}">Install the App</a></p>'
        if install_url
        else ""
    )
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>fundbot</title></head>
<body><h1>fundbot {html.escape(__version__)}</h1>
<p>A GitHub App that turns the open source an organisation depends on into a funding plan
sized by the Open Source Pledge, and keeps it current in issues.</p>{install}
<p>Health: <strong>{"ok" if healthy else "unhealthy"}</strong>.
Installations served: {int(status.get("installations", 0))}.
Jobs queued: {counts.get("queued", 0)}, running: {counts.get("running", 0)},
failed: {counts.get("failed", 0)}.</p>
</body></html>"""
    return web.Response(text=page, content_type="text/html")


async def _no_status() -> Mapping[str, Any]:
    return {}


def server_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for the aiohttp runner serving `make_app` (serve and tests alike).

    auto_decompress off: aiohttp would otherwise inflate a gzip or deflate body (or refuse
    brotli with a 400) before the handler sees its Content-Encoding; the handler refuses
    every encoding with 415 instead, nothing inflated.

    keepalive_timeout: aiohttp arms it when a connection opens and after each answer, and
    closes the connection if no complete request head has arrived by then, so it is the
    header read timeout (a client trickling its headers is closed after read_timeout).
    The body's own timeout is in the webhook handler; lingering_time 0 closes a connection
    whose body was not read to the end rather than reading a slow client for 10 s more.
    """
    return {
        "auto_decompress": False,
        "access_log": None,
        "keepalive_timeout": settings.read_timeout,
        "lingering_time": 0,
    }


_BUSY = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class _Busy(asyncio.Protocol):
    """A connection over the cap: told 503 and closed, nothing read."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if isinstance(transport, asyncio.Transport):
            transport.write(_BUSY)
        transport.close()


async def listen(runner: web.AppRunner, settings: Settings, port: int) -> asyncio.Server:
    """Serve the set-up `runner` on settings.host:port with at most settings.max_connections
    connections open; one more is answered 503 and closed (so slow clients cannot hold
    every file descriptor). The caller closes the returned server before runner.cleanup().
    """
    server = runner.server
    if server is None:
        raise RuntimeError("listen() needs runner.setup() first")
    limit = settings.max_connections

    def connection() -> asyncio.BaseProtocol:
        if len(server.connections) >= limit:
            return _Busy()
        return server()

    loop = asyncio.get_running_loop()
    return await loop.create_server(connection, settings.host, port, reuse_address=True)


def make_app(
    settings: Settings,
    *,
    queue: WebQueue,
    metrics: Metrics | None = None,
    status: StatusProvider = _no_status,
    checks: Sequence[HealthCheck] = (),
    webhooks: bool = True,
) -> web.Application:
    """The aiohttp application; the caller owns the queue's and workers' lifecycles.

    `webhooks=False` leaves out the webhook endpoint: a worker's health port.
    """
    app = web.Application(client_max_size=MAX_PAYLOAD_BYTES + 1024)
    app[SETTINGS_KEY] = settings
    app[SECRET_KEY] = settings.webhook_secret.reveal().encode()
    app[HEALTH_KEY] = [float("-inf"), False]
    app[QUEUE_KEY] = queue
    app[METRICS_KEY] = metrics or Metrics()
    app[REFUSAL_LOG_KEY] = RateLimitedLog(log, interval=60.0)
    app[STATUS_KEY] = status
    app[CHECKS_KEY] = tuple(checks)
    if webhooks:
        app.router.add_post(settings.webhook_path, webhook)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_endpoint)
    app.router.add_get("/", home)
    return app
