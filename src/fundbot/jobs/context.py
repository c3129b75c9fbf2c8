"""The long-lived services every job shares."""

from __future__ import annotations

from dataclasses import dataclass

from fundbot.github.factory import GitHubFactory
from fundbot.resolve.http import HttpClient
from fundbot.settings import Settings
from fundbot.storage.funding_cache import FundingCache
from fundbot.storage.sqlite_queue import SqliteQueue
from fundbot.storage.store import Store


@dataclass
class AppContext:
    """The long-lived services every job shares; built once by `fundbot serve`."""

    settings: Settings
    github: GitHubFactory
    store: Store
    queue: SqliteQueue
    http: HttpClient
    funding_cache: FundingCache
