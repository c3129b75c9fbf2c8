"""Fixtures for the funding tests: settings aimed at the fake, one HttpClient per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from fundbot.resolve.base import Finding, PackageQuery, Source
from fundbot.resolve.http import HttpClient
from fundbot.resolve.sources.golang import GoSource
from fundbot.settings import Settings
from tests.fakes.registries import go_get_url, registry_settings
from tests.fakes.server import FakeServer


@pytest.fixture
def settings(fake: FakeServer, tmp_path: Path) -> Settings:
    return registry_settings(fake, tmp_path)


@pytest.fixture
async def http(settings: Settings) -> AsyncIterator[HttpClient]:
    async with aiohttp.ClientSession() as session:
        yield HttpClient(session, settings)


def make_source(cls: type, http: HttpClient, settings: Settings, fake: FakeServer) -> Source:
    """A registry source as the resolver builds it; Go's vanity lookups go to the fake."""
    if cls is GoSource:
        return GoSource(http, settings, go_get_url=go_get_url(fake))
    source: Source = cls(http, settings)
    return source


async def lookup_one(source: Source, ecosystem: str, name: str) -> Finding:
    query = PackageQuery(ecosystem, name)
    return (await source.lookup([query]))[query.key]
