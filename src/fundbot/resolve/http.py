"""One HTTP client for every funding source: per-host limits, retries, request counts."""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
import weakref
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

import aiohttp

from fundbot.errors import FundbotError
from fundbot.model import UncheckedKind
from fundbot.resolve.address_guard import (
    AddressRefused,
    Origin,
    configured_origins,
    url_origin,
    url_refusal,
)
from fundbot.resolve.budget import Grant, InflightBudget, Starved, TooBig
from fundbot.settings import Settings

log = logging.getLogger(__name__)

RETRYABLE = frozenset({429, 500, 502, 503, 504})
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
# Longer than this and we give up on the package rather than stall the whole scan.
RETRY_AFTER_CAP = 60.0
MAX_BODY_BYTES = 32 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
MAX_REDIRECTS: Final = 5
REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
# Credentials meant for one host never travel with a redirect to another.
_PRIVATE_HEADERS: Final = frozenset({"authorization", "cookie", "proxy-authorization"})
FetchErrorKind = UncheckedKind


class FetchError(FundbotError):
    """A request that failed after its retries; the caller marks its packages unknown.
    `kind` says what failed, for code; `reason` says it for people."""

    def __init__(
        self,
        url: str,
        reason: str,
        status: int | None = None,
        *,
        kind: FetchErrorKind = "unreachable",
    ) -> None:
        self.url = url
        self.reason = reason
        self.status = status
        self.kind: FetchErrorKind = kind
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
            reason = f"invalid JSON in a {self.status} answer"
            raise FetchError("", reason, kind="unreadable") from None

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

# One in-flight budget per session, so every client sharing the application's one session
# (each registry source has its own HttpClient) counts against the same bytes.
_BUDGETS: weakref.WeakKeyDictionary[aiohttp.ClientSession, InflightBudget] = (
    weakref.WeakKeyDictionary()
)


def shared_budget(session: aiohttp.ClientSession, settings: Settings) -> InflightBudget:
    """The in-flight budget of every client on `session` (FUNDBOT_INFLIGHT_BYTES)."""
    budget = _BUDGETS.get(session)
    if budget is None:
        budget = _BUDGETS[session] = InflightBudget(settings.inflight_bytes)
    return budget


@dataclass
class HttpClient:
    """Wraps the application's one aiohttp session; counts requests per host.

    Hosts that are not configured base URLs are checked before each request and each
    redirect (address_guard); the session's connector (`new_session`) checks the addresses
    their names resolve to. Answers are read in chunks against one in-flight budget."""

    session: aiohttp.ClientSession
    settings: Settings
    sleep: Sleep = asyncio.sleep
    requests: Counter[str] = field(default_factory=Counter)
    # Hosts given up on in this run (a name that does not resolve, a refused address), with
    # why and its kind: later requests fail without waiting. Clients of one run share it.
    unreachable: dict[str, tuple[str, FetchErrorKind]] = field(default_factory=dict)
    _limits: dict[str, asyncio.Semaphore] = field(default_factory=dict)
    # Set per resolve run by the Resolver; None: no overall deadline (only per request).
    deadlines: HostDeadlines | None = None
    # None: the budget shared by every client of the session.
    budget: InflightBudget | None = None
    _configured: frozenset[Origin] = field(default=frozenset(), init=False, repr=False)
    _inflight: InflightBudget = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._configured = configured_origins(self.settings)
        self._inflight = self.budget or shared_budget(self.session, self.settings)

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
        all_headers = {"User-Agent": self.settings.user_agent, **(headers or {})}
        attempts = self.settings.http_retries + 1
        last = "no attempt"
        kind: FetchErrorKind = "unreachable"
        for attempt in range(attempts):
            try:
                response = await self._follow(method, url, all_headers, json_body)
            except Starved:
                last = "no in-flight memory left (FUNDBOT_INFLIGHT_BYTES)"
                delay = self._backoff(attempt)
            except (TimeoutError, aiohttp.ClientError) as exc:
                last = f"connection failed ({type(exc).__name__})"
                delay = self._backoff(attempt)
            else:
                if response.status not in RETRYABLE:
                    return response
                last = f"HTTP {response.status}"
                kind = "rate_limited" if response.status == 429 else "unreachable"
                delay = _retry_after(response.headers) or self._backoff(attempt)
                if delay > RETRY_AFTER_CAP:
                    raise FetchError(
                        url, f"{last}, retry after {delay:.0f}s", response.status, kind=kind
                    )
            if attempt + 1 < attempts:
                log.debug("retrying", extra={"url": url, "reason": last, "delay": delay})
                await self.sleep(delay if self.settings.retry_sleep else 0)
        raise FetchError(url, f"{last} after {attempts} attempts", kind=kind)

    async def _follow(
        self, method: str, url: str, headers: dict[str, str], json_body: Any
    ) -> Response:
        """Send, following redirects by hand: each hop is checked like a URL from dependency
        data (a configured registry may not redirect fundbot into the private network)."""
        first = url
        for _ in range(MAX_REDIRECTS + 1):
            response = await self._hop(first, method, url, headers, json_body)
            location = response.headers.get("Location")
            if response.status not in REDIRECTS or not location:
                return response
            target = urljoin(url, location)
            if url_origin(target) != url_origin(url):
                headers = {k: v for k, v in headers.items() if k.lower() not in _PRIVATE_HEADERS}
            if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                method, json_body = "GET", None
            url = target
        raise FetchError(first, f"more than {MAX_REDIRECTS} redirects")

    async def _hop(
        self, first: str, method: str, url: str, headers: Mapping[str, str], json_body: Any
    ) -> Response:
        """One request of a redirect chain; failures name the URL first asked for."""
        host = urlsplit(url).netloc
        if host in self.unreachable:
            reason, kind = self.unreachable[host]
            raise FetchError(first, reason, kind=kind)
        refused = url_refusal(url, self._configured)
        if refused is not None:
            raise self._give_up(first, host, refused.reason, "address_refused")
        try:
            return await self._send(method, url, host, headers, json_body)
        except aiohttp.ClientConnectorDNSError as exc:
            if isinstance(exc.os_error, AddressRefused):
                raise self._give_up(first, host, exc.os_error.reason, "address_refused") from None
            # A name that does not resolve will not resolve in a second: say so once,
            # and fail every later request to that host at once (a scan asks hundreds).
            raise self._give_up(first, host, f"DNS lookup failed for {host}") from None

    def _give_up(
        self, url: str, host: str, reason: str, kind: FetchErrorKind = "unreachable"
    ) -> FetchError:
        """Remember a host that no retry will help, for the rest of the run."""
        if host not in self.unreachable:
            log.warning("host given up", extra={"host": host, "reason": reason})
        self.unreachable[host] = (reason, kind)
        return FetchError(url, reason, kind=kind)

    async def _send(
        self, method: str, url: str, host: str, headers: Mapping[str, str], json_body: Any
    ) -> Response:
        timeout = aiohttp.ClientTimeout(total=self.settings.http_timeout)
        async with self._limit(host):
            self.requests[host] += 1
            started = time.monotonic()
            async with self.session.request(
                method,
                url,
                headers=headers,
                json=json_body,
                timeout=timeout,
                allow_redirects=False,
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
                if resp.status in REDIRECTS and "Location" in resp.headers:
                    return Response(resp.status, dict(resp.headers), b"")
                async with self._inflight.grant() as grant:
                    body = await self._read(url, resp, grant)
                return Response(resp.status, dict(resp.headers), body)

    async def _read(self, url: str, resp: aiohttp.ClientResponse, grant: Grant) -> bytes:
        """The body, in chunks, each counted against the in-flight budget before it is kept.
        A length the server announces is taken at once (an answer too big fails unread)."""
        announced = resp.content_length
        try:
            if announced is not None:
                if announced > MAX_BODY_BYTES:
                    raise FetchError(url, "answer larger than 32 MB", resp.status, kind="too_big")
                await grant.take(announced)
            # read(n) returns what has arrived so far, not n bytes: collect to the end.
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.content.iter_chunked(CHUNK_BYTES):
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise FetchError(url, "answer larger than 32 MB", resp.status, kind="too_big")
                if size > grant.held:
                    await grant.take(size - grant.held)
                chunks.append(chunk)
        except TooBig:
            reason = (
                f"answer larger than the in-flight budget of {self._inflight.limit} bytes "
                "(FUNDBOT_INFLIGHT_BYTES)"
            )
            raise FetchError(url, reason, resp.status, kind="too_big") from None
        return b"".join(chunks)

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
