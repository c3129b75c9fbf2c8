"""gidgethub, made a good citizen: rate limits honoured, writes paced, requests counted."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from gidgethub import HTTPException
from gidgethub import aiohttp as gh_aiohttp

log = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
# GitHub: "wait at least one minute" after a secondary rate limit without retry-after.
SECONDARY_LIMIT_WAIT = 60.0
MAX_WAIT = 15 * 60.0
MAX_ATTEMPTS = 5


@dataclass
class RequestLog:
    """Counts what one installation's client sent; benchmarks and metrics read it."""

    by_method: dict[str, int] = field(default_factory=dict)
    lowest_remaining: int | None = None
    retries: dict[int, int] = field(default_factory=dict)  # status -> requests retried

    @property
    def total(self) -> int:
        return sum(self.by_method.values())


@dataclass
class Pacing:
    """How hard we may push GitHub. Tests set sleeping off and the write gap to zero."""

    concurrency: int = 8  # requests in flight per installation
    write_gap: float = 1.0  # seconds between content-creating requests (GitHub's advice)
    sleep: bool = True


class GitHubClient(gh_aiohttp.GitHubAPI):
    """One installation's client: its own ETag cache, concurrency limit and write lock."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        requester: str,
        *,
        oauth_token: str | None = None,
        cache: Any = None,
        base_url: str,
        pacing: Pacing | None = None,
        log_to: RequestLog | None = None,
    ) -> None:
        super().__init__(
            session, requester, oauth_token=oauth_token, cache=cache, base_url=base_url
        )
        self.pacing = pacing or Pacing()
        self.requests = log_to or RequestLog()
        self._slots = asyncio.Semaphore(self.pacing.concurrency)
        self._write_lock = asyncio.Lock()
        self._last_write = 0.0

    async def _request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes = b""
    ) -> tuple[int, Mapping[str, str], bytes]:
        async with self._slots:
            if method in WRITE_METHODS:
                # Content-creating requests one at a time, spaced (secondary limits).
                async with self._write_lock:
                    gap = self._last_write + self.pacing.write_gap - time.monotonic()
                    if gap > 0 and self.pacing.sleep:
                        await asyncio.sleep(gap)
                    try:
                        return await self._send(method, url, headers, body)
                    finally:
                        self._last_write = time.monotonic()
            return await self._send(method, url, headers, body)

    async def _send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, Mapping[str, str], bytes]:
        self.requests.by_method[method] = self.requests.by_method.get(method, 0) + 1
        status, response_headers, data = await super()._request(method, url, headers, body)
        remaining = response_headers.get("x-ratelimit-remaining")
        if remaining is not None and remaining.isdigit():
            value = int(remaining)
            low = self.requests.lowest_remaining
            self.requests.lowest_remaining = value if low is None else min(low, value)
        return status, response_headers, data

    async def sleep(self, seconds: float) -> None:
        if self.pacing.sleep:
            await asyncio.sleep(seconds)
        else:
            await asyncio.sleep(0)

    async def manage_rate_limit(self, *, method: str, url: str) -> None:
        """Primary limit exhausted: wait for the reset rather than collect 403s."""
        limit = self.rate_limit
        if limit is None or limit.remaining > 0:
            return
        wait = limit.reset_datetime.timestamp() - time.time()
        if 0 < wait <= MAX_WAIT:
            log.warning("rate limit exhausted, waiting", extra={"seconds": round(wait)})
            await self.sleep(wait)

    async def handle_rate_limit_error(
        self, *, method: str, url: str, exception: HTTPException, attempt: int
    ) -> bool:
        """Retry 403/429 rate limits and 5xx answers, waiting as GitHub asks."""
        if attempt >= MAX_ATTEMPTS:
            return False
        status = exception.status_code
        if status >= 500 and method == "POST":
            # The POST may have landed (a created issue): let the job rerun, which looks
            # for our issue first, rather than risk a second one.
            return False
        wait = retry_delay(status, exception.headers, attempt, str(exception))
        if wait is None or wait > MAX_WAIT:
            return False
        self.requests.retries[status] = self.requests.retries.get(status, 0) + 1
        log.warning(
            "GitHub asked us to wait",
            extra={"status": exception.status_code, "seconds": round(wait, 1), "attempt": attempt},
        )
        await self.sleep(wait)
        return True


def retry_delay(
    status: int, headers: Mapping[str, str] | None, attempt: int, message: str = ""
) -> float | None:
    """Seconds to wait before retrying, or None when the failure is not worth retrying."""
    headers = headers or {}
    lowered = {k.lower(): v for k, v in headers.items()}
    retry_after = lowered.get("retry-after", "")
    if status in (403, 429):
        if retry_after.isdigit():
            return float(retry_after)
        if lowered.get("x-ratelimit-remaining") == "0":
            reset = lowered.get("x-ratelimit-reset", "")
            if reset.isdigit():
                return max(1.0, float(reset) - time.time())
        if status == 429 or "secondary rate limit" in message.lower():
            return _backoff(SECONDARY_LIMIT_WAIT, attempt)
        return None  # a plain 403 is a permission problem: retrying will not help
    if status >= 500:
        return _backoff(1.0, attempt)
    return None


def _backoff(base: float, attempt: int) -> float:
    ceiling: float = min(MAX_WAIT, base * 2 ** (attempt - 1))
    return random.uniform(ceiling * 0.75, ceiling)  # noqa: S311  (jitter, not a secret)
