"""Builds GitHub clients: one per installation, sharing the application's one session."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import aiohttp
from cachetools import LRUCache

from fundbot import __version__
from fundbot.github.auth import AppAuth
from fundbot.github.client import GitHubClient, Pacing, RequestLog
from fundbot.settings import Settings

# gidgethub's ETag cache is keyed by URL alone, so each installation gets its own: two
# installations must never see each other's cached private answers.
ETAG_CACHE_SIZE = 4096


@dataclass
class GitHubFactory:
    session: aiohttp.ClientSession
    settings: Settings
    pacing: Pacing = field(default_factory=Pacing)
    auth: AppAuth | None = None
    _clients: dict[int, GitHubClient] = field(default_factory=dict)
    logs: dict[int, RequestLog] = field(default_factory=dict)
    # What forgotten installations' clients sent, so that totals never go down.
    retired: RequestLog = field(default_factory=RequestLog)

    @property
    def requester(self) -> str:
        return f"fundbot/{__version__}"

    def __post_init__(self) -> None:
        if self.auth is None and self.settings.app_id and self.settings.private_key:
            self.auth = AppAuth(self.settings.app_id, self.settings.private_key, self._mint)

    def app_client(self) -> GitHubClient:
        """A client for `/app/...` endpoints, authenticated per call with the App JWT."""
        return GitHubClient(
            self.session,
            self.requester,
            base_url=self.settings.github_api_url,
            pacing=self.pacing,
            log_to=self.logs.setdefault(0, RequestLog()),
        )

    async def installation_ids(self) -> list[int]:
        """Every installation of the App, as GitHub knows them (`GET /app/installations`):
        the one list that survives a lost data directory."""
        if self.auth is None:
            return []
        jwt = self.auth.app_jwt()
        client = self.app_client()
        return [int(i["id"]) async for i in client.getiter("/app/installations", jwt=jwt)]

    async def _mint(self, jwt: str, installation_id: int) -> dict[str, str]:
        answer = await self.app_client().post(
            f"/app/installations/{installation_id}/access_tokens", data=b"", jwt=jwt
        )
        return cast(dict[str, str], answer)

    async def for_installation(self, installation_id: int) -> GitHubClient:
        """The installation's client, with a token valid for at least five more minutes."""
        if self.auth is None:
            raise RuntimeError("APP_ID and PRIVATE_KEY are needed to act as an installation")
        token = await self.auth.token(installation_id)
        client = self._clients.get(installation_id)
        if client is None:
            cache: Any = LRUCache(maxsize=ETAG_CACHE_SIZE)
            client = GitHubClient(
                self.session,
                self.requester,
                oauth_token=token.reveal(),
                cache=cache,
                base_url=self.settings.github_api_url,
                pacing=self.pacing,
                log_to=self.logs.setdefault(installation_id, RequestLog()),
            )
            self._clients[installation_id] = client
        client.oauth_token = token.reveal()
        return client

    def request_totals(self) -> dict[str, int]:
        """Requests sent since start, by method, over every installation (and the App)."""
        totals = dict(self.retired.by_method)
        for requests in self.logs.values():
            for method, count in requests.by_method.items():
                totals[method] = totals.get(method, 0) + count
        return totals

    def lowest_remaining(self) -> dict[int, int | None]:
        """The lowest `x-ratelimit-remaining` each installation's client has seen."""
        return {i: r.lowest_remaining for i, r in self.logs.items() if i != 0}

    def forget(self, installation_id: int) -> None:
        self._clients.pop(installation_id, None)
        gone = self.logs.pop(installation_id, None)
        if gone is not None:
            for method, count in gone.by_method.items():
                self.retired.by_method[method] = self.retired.by_method.get(method, 0) + count
        if self.auth is not None:
            self.auth.forget(installation_id)
