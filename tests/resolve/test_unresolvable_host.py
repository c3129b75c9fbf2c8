"""A registry host whose name does not resolve: one clear failure, no retries (fixed in aca0409)."""

from __future__ import annotations

import socket

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from fundbot.resolve.http import FetchError, HttpClient
from fundbot.settings import Settings


class _NoSuchHost(AbstractResolver):
    """A resolver that answers every name like a DNS server that has never heard of it."""

    async def resolve(self, host: str, port: int = 0, family: int = 0) -> list[ResolveResult]:
        raise OSError(socket.EAI_NONAME, "Name or service not known")

    async def close(self) -> None:
        return None


async def test_a_name_that_does_not_resolve_is_not_retried() -> None:
    """A host whose name does not resolve fails at once: no retry, no backoff sleep."""
    slept: list[float] = []

    async def sleep(delay: float) -> None:
        slept.append(delay)

    connector = aiohttp.TCPConnector(resolver=_NoSuchHost())
    async with aiohttp.ClientSession(connector=connector) as session:
        client = HttpClient(session, Settings(), sleep=sleep)
        with pytest.raises(FetchError, match="DNS") as caught:
            await client.get("https://registry.invalid/pkg")
    assert slept == []
    assert caught.value.kind == "unreachable"  # not a refused address: the name is unknown
