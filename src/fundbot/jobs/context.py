"""The long-lived services every job shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fundbot.github.factory import GitHubFactory
from fundbot.resolve.http import HttpClient
from fundbot.settings import Settings
from fundbot.storage.funding_cache import FundingCache
from fundbot.storage.sqlite_queue import SqliteQueue
from fundbot.storage.store import Store

if TYPE_CHECKING:  # PostgreSQL's are imported only when DATABASE_URL is set
    from fundbot.storage.pg_queue import PgQueue
    from fundbot.storage.pg_store import PgStore


@dataclass
class AppContext:
    """The long-lived services every job shares; built once by `fundbot serve`."""

    settings: Settings
    github: GitHubFactory
    store: Store | PgStore
    queue: SqliteQueue | PgQueue
    http: HttpClient
    funding_cache: FundingCache

    async def bot_login(self) -> str | None:
        """`slug[bot]`: the login fundbot writes as, asked of GitHub once and remembered."""
        login = await self.store.get_meta("bot_login")
        if login is not None:
            return login or None
        auth = self.github.auth
        if auth is None:
            return None
        app = await self.github.app_client().getitem("/app", jwt=auth.app_jwt())
        login = f"{app['slug']}[bot]"
        await self.store.set_meta("bot_login", login)
        return login
