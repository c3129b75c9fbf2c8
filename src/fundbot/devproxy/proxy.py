"""Local development without a public URL: forward a smee.io channel's webhooks to ourselves.

As Probot does with `WEBHOOK_PROXY_URL`: subscribe to the channel's event stream and POST
each event's `body` to our own webhook URL with the original GitHub headers, reconnecting
for as long as the server runs. Reading the stream and re-serialising the body the way
smee-client does (and why signatures may then fail) is `smee_wire`'s part.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp

from fundbot.devproxy.smee_wire import MAX_EVENT_CHARS as MAX_EVENT_CHARS
from fundbot.devproxy.smee_wire import Delivery as Delivery
from fundbot.devproxy.smee_wire import SseEvent as SseEvent
from fundbot.devproxy.smee_wire import SseParser as SseParser
from fundbot.devproxy.smee_wire import delivery as delivery
from fundbot.devproxy.smee_wire import js_stringify as js_stringify
from fundbot.settings import Settings, local_url_host

log = logging.getLogger(__name__)

# smee.io pings every 30 s; a silent minute means the connection is dead.
READ_TIMEOUT = 90.0


@dataclass(frozen=True)
class Backoff:
    initial: float = 1.0
    maximum: float = 60.0


@dataclass
class WebhookProxy:
    """Listen to `source` and POST each event to `target`, reconnecting for as long as it runs."""

    source: str
    target: str
    session: aiohttp.ClientSession
    backoff: Backoff = field(default_factory=Backoff)
    read_timeout: float = READ_TIMEOUT
    forwarded: int = 0
    _opened: bool = False

    async def run(self) -> None:
        delay = self.backoff.initial
        while True:
            self._opened = False
            try:
                await self._listen()
                reason = "the channel ended the stream"
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the proxy must never take the server down
                reason = _describe(exc)
            opened = self._opened
            if opened:
                delay = self.backoff.initial
            log.warning(
                "webhook proxy disconnected; reconnecting",
                extra={"reason": reason, "retry_in": round(delay, 2)},
            )
            await asyncio.sleep(delay)
            if not opened:
                delay = min(max(delay, 0.001) * 2, self.backoff.maximum)

    async def _listen(self) -> None:
        """One connection, until the channel ends it."""
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=self.read_timeout)
        async with self.session.get(self.source, headers=headers, timeout=timeout) as resp:
            if resp.status != 200 or resp.content_type != "text/event-stream":
                raise ConnectionError(f"the channel answered {resp.status} {resp.content_type}")
            self._opened = True
            log.info("webhook proxy connected", extra={"channel": _host(self.source)})
            parser = SseParser()
            async for chunk in resp.content.iter_any():
                for event in parser.feed(chunk):
                    if event.type == "message":
                        await self._forward(event.data)

    async def _forward(self, data: str) -> None:
        found = delivery(data, self.target)
        if found is None:
            log.warning("webhook proxy: a channel message that is not a webhook, skipped")
            return
        event = found.headers.get("x-github-event", "")
        delivery_id = found.headers.get("x-github-delivery", "")
        try:
            async with self.session.post(
                found.url, data=found.body, headers=found.headers, timeout=_POST_TIMEOUT
            ) as resp:
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("webhook proxy: delivery failed", extra={"reason": _describe(exc)})
            return
        self.forwarded += 1
        log.info(
            "webhook proxy delivered",
            extra={"event": event, "delivery_id": delivery_id, "status": status},
        )


_POST_TIMEOUT = aiohttp.ClientTimeout(total=60)


async def run_proxy(
    settings: Settings, deliver_url: str, *, backoff: Backoff | None = None
) -> None:
    """Forward WEBHOOK_PROXY_URL's events to `deliver_url` until cancelled; no-op when unset."""
    source = settings.webhook_proxy_url
    if not source:
        return
    if urlsplit(source).scheme not in ("http", "https"):
        log.error("WEBHOOK_PROXY_URL must be an http(s) URL; webhook proxy not started")
        return
    headers = {"User-Agent": settings.user_agent}
    async with aiohttp.ClientSession(headers=headers) as session:
        proxy = WebhookProxy(source, deliver_url, session, backoff or Backoff())
        log.info("webhook proxy forwarding", extra={"channel": _host(source), "to": deliver_url})
        await proxy.run()


def local_webhook_url(settings: Settings) -> str:
    """Our own webhook endpoint as seen from this machine."""
    return f"http://{local_url_host(settings.host)}:{settings.port}{settings.webhook_path}"


def _host(url: str) -> str:
    # The channel's path is its only secret: whoever knows it reads the payloads.
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
