"""GitHub App authentication: an App JWT, and installation tokens cached until near expiry."""

from __future__ import annotations

import asyncio
import datetime
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from gidgethub.apps import get_jwt

from fundbot.settings import Secret

log = logging.getLogger(__name__)

# Refresh a token this long before GitHub expires it (tokens live one hour).
REFRESH_MARGIN = 5 * 60.0


@dataclass(frozen=True)
class InstallationToken:
    token: Secret = field(repr=False)
    expires_at: float  # unix time

    def fresh(self, now: float) -> bool:
        return now < self.expires_at - REFRESH_MARGIN


# Given an App JWT and an installation id, ask GitHub for a token (the client does I/O).
TokenMinter = Callable[[str, int], Awaitable[dict[str, str]]]


@dataclass
class AppAuth:
    """Mints and caches installation tokens; one mint at a time per installation."""

    app_id: int
    private_key: Secret = field(repr=False)
    minter: TokenMinter = field(repr=False)
    clock: Callable[[], float] = time.time
    _tokens: dict[int, InstallationToken] = field(default_factory=dict, repr=False)
    _locks: dict[int, asyncio.Lock] = field(default_factory=dict, repr=False)
    minted: int = 0

    def app_jwt(self) -> str:
        return get_jwt(app_id=str(self.app_id), private_key=self.private_key.reveal())

    async def token(self, installation_id: int) -> Secret:
        cached = self._tokens.get(installation_id)
        if cached is not None and cached.fresh(self.clock()):
            return cached.token
        lock = self._locks.setdefault(installation_id, asyncio.Lock())
        async with lock:
            cached = self._tokens.get(installation_id)
            if cached is not None and cached.fresh(self.clock()):
                return cached.token
            answer = await self.minter(self.app_jwt(), installation_id)
            token = InstallationToken(Secret(answer["token"]), _parse_time(answer["expires_at"]))
            self._tokens[installation_id] = token
            self.minted += 1
            log.info("installation token minted", extra={"installation_id": installation_id})
            return token.token

    def forget(self, installation_id: int) -> None:
        self._tokens.pop(installation_id, None)


def _parse_time(value: str) -> float:
    """GitHub's `2016-07-11T22:14:10Z`."""
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
