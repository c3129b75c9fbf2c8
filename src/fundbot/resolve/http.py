"""One HTTP client for every funding source: per-host limits, retries, request counts."""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from fundbot.errors import FundbotError
from fundbot.settings import Settings

log = logging.getLogger(__name__)

RETRYABLE = frozenset({429, 500, 502, 503, 504})
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
# Longer than this and we give up on the package rather than stall the whole scan.
RETRY_AFTER_CAP = 60.0
MAX_BODY_BYTES = 32 * 1024 * 1024


class FetchError(FundbotError):
    """A request that failed after its retries; the caller marks its packages unknown."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        self.url = url
        self.reason = reason
        self.status = status
        super().__init__(f"{url}: {reason}")


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON; invalid JSON raises FetchError (a broken mirror, not our bug)."""
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):
            raise FetchError("", f"invalid JSON in a {self.status} answer") from None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class HostDeadlines:
    """A deadline per host for one resolve run: a host that gives no complete answer for
    `seconds` (counted from its first request, then from its latest answer) is given up
    on, with every request to it still waiting or yet to come; its packages are unchecked.

    So a registry that accepts connections and never answers costs `seconds`, not minutes,
    while a healthy registry answering thousands of lookups is never cut off. A new run
    starts new clocks.
    """

    seconds: float
    last: dict[str, float] = field(default_factory=dict)  # loop time of the latest answer
    expired: set[str] = field(default_factory=set)
    _waiting: dict[str, set[asyncio.Timeout]] = field(default_factory=dict)
    _rescheduled: dict[str, float] = field(default_factory=dict)

    def deadline(self, host: str) -> float:
        now = asyncio.get_running_loop().time()
        return self.last.setdefault(host, now) + self.seconds

    def waiting(self, host: str) -> set[asyncio.Timeout]:
        """The deadlines of this host's requests in flight (the caller adds and removes)."""
        return self._waiting.setdefault(host, set())

    def answered(self, host: str) -> None:
        """An answer arrived: requests still waiting on this host get a fresh deadline.

        Rescheduling every waiting timer on every answer would be quadratic (2,000 queued
        lookups: 4 million timer handles); the deadline is coarse, so the waiting timers are
        moved at most four times per `seconds`, and always stay at least 3/4 of it ahead."""
        now = asyncio.get_running_loop().time()
        self.last[host] = now
        if now - self._rescheduled.get(host, float("-inf")) < self.seconds / 4:
            return
        self._rescheduled[host] = now
        for timeout in self._waiting.get(host, ()):
            timeout.reschedule(now + self.seconds)

    def reason(self, host: str) -> str:
        return f"no answer from {host} within {self.seconds:g} s (FUNDBOT_HTTP_DEADLINE)"


Sleep = Callable[[float], Awaitable[None]]


@dataclass
class HttpClient:
    """Wraps the application's one aiohttp session; counts requests per host."""

    session: aiohttp.ClientSession
    settings: Settings
    sleep: Sleep = asyncio.sleep
    requests: Counter[str] = field(default_factory=Counter)
    # Hosts found unreachable in this run, with why: later requests fail without waiting.
    unreachable: dict[str, str] = field(default_factory=dict)
    _limits: dict[str, asyncio.Semaphore] = field(default_factory=dict)
    # Set per resolve run by the Resolver; None: no overall deadline (only per request).
    deadlines: HostDeadlines | None = None

    def _limit(self, host: str) -> asyncio.Semaphore:
        semaphore = self._limits.get(host)
        if semaphore is None:
            semaphore = self._limits[host] = asyncio.Semaphore(self.settings.http_concurrency)
        return semaphore

    async def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> Response:
        return await self.request("GET", url, headers=headers)

    async def post_json(
        self, url: str, payload: Any, *, headers: Mapping[str, str] | None = None
    ) -> Response:
        return await self.request("POST", url, headers=headers, json_body=payload)

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
    ) -> Response:
        """Send with retries on 429/5xx and connection errors; other statuses are returned.

        With `deadlines`, everything (waiting for a slot, retries, reading) ends at the
        host's deadline; after it, every request to that host fails at once."""
        host = urlsplit(url).netloc
        if self.deadlines is None:
            return await self._attempts(method, url, host, headers, json_body)
        deadlines = self.deadlines
        when = deadlines.deadline(host)
        if host in deadlines.expired or when <= asyncio.get_running_loop().time():
            raise FetchError(url, deadlines.reason(host))
        try:
            async with asyncio.timeout_at(when) as timeout:
                waiting = deadlines.waiting(host)
                waiting.add(timeout)
                try:
                    response = await self._attempts(method, url, host, headers, json_body)
                finally:
                    waiting.discard(timeout)
        except TimeoutError:
            if host not in deadlines.expired:
                deadlines.expired.add(host)
                log.warning("no answer within the host deadline", extra={"host": host})
            raise FetchError(url, deadlines.reason(host)) from None
        deadlines.answered(host)
        return response

    async def _attempts(
        self,
        method: str,
        url: str,
        host: str,
        headers: Mapping[str, str] | None,
        json_body: Any,
    ) -> Response:
        if host in self.unreachable:
            raise FetchError(url, self.unreachable[host])
        all_headers = {"User-Agent": self.settings.user_agent, **(headers or {})}
        attempts = self.settings.http_retries + 1
        last = "no attempt"
        for attempt in range(attempts):
            try:
                response = await self._send(method, url, host, all_headers, json_body)
            except aiohttp.ClientConnectorDNSError:
                # A name that does not resolve will not resolve in a second: say so once,
                # and fail every later request to that host at once (a scan asks hundreds).
                self.unreachable[host] = f"DNS lookup failed for {host}"
                raise FetchError(url, self.unreachable[host]) from None
            except (TimeoutError, aiohttp.ClientError) as exc:
                last = f"connection failed ({type(exc).__name__})"
                delay = self._backoff(attempt)
            else:
                if response.status not in RETRYABLE:
                    return response
                last = f"HTTP {response.status}"
                delay = _retry_after(response.headers) or self._backoff(attempt)
                if delay > RETRY_AFTER_CAP:
                    raise FetchError(url, f"{last}, retry after {delay:.0f}s", response.status)
            if attempt + 1 < attempts:
                log.debug("retrying", extra={"url": url, "reason": last, "delay": delay})
                await self.sleep(delay if self.settings.retry_sleep else 0)
        raise FetchError(url, f"{last} after {attempts} attempts")

    async def _send(
        self, method: str, url: str, host: str, headers: Mapping[str, str], json_body: Any
    ) -> Response:
        timeout = aiohttp.ClientTimeout(total=self.settings.http_timeout)
        async with self._limit(host):
            self.requests[host] += 1
            started = time.monotonic()
            async with self.session.request(
                method, url, headers=headers, json=json_body, timeout=timeout
            ) as resp:
                # `fundbot -vv`: every request, its status and how long it took.
                log.debug(
                    "%s %s -> %s in %.0f ms",
                    method,
                    url,
                    resp.status,
                    (time.monotonic() - started) * 1000,
                    extra={"url": url, "status": resp.status},
                )
                # read(n) returns what has arrived so far, not n bytes: collect to the end.
                chunks: list[bytes] = []
                size = 0
                async for chunk in resp.content.iter_chunked(64 * 1024):
                    size += len(chunk)
                    if size > MAX_BODY_BYTES:
                        raise FetchError(url, "answer larger than 32 MB", resp.status)
                    chunks.append(chunk)
                return Response(resp.status, dict(resp.headers), b"".join(chunks))

    @staticmethod
    def _backoff(attempt: int) -> float:
        ceiling: float = min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311  (jitter, not a secret)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` as seconds or an HTTP date; `x-ratelimit-reset` as GitHub sends it."""
    value = headers.get("Retry-After") or headers.get("retry-after")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, parsed.timestamp() - time.time())
    reset = headers.get("x-ratelimit-reset") or headers.get("X-RateLimit-Reset")
    remaining = headers.get("x-ratelimit-remaining") or headers.get("X-RateLimit-Remaining")
    if reset and remaining == "0" and reset.isdigit():
        return max(0.0, float(reset) - time.time())
    return None
