"""The funding platform table (config/platforms.yml): classify links, build profile URLs."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final
from urllib.parse import urlsplit

import yaml

from fundbot.links.urls import normalize_url
from fundbot.model import PLATFORMS as PLATFORMS  # re-exported: the table follows it
from fundbot.model import FundingChannel

CUSTOM: Final = "custom"


@dataclass(frozen=True, slots=True)
class Platform:
    """One row of platforms.yml."""

    id: str
    name: str
    hosts: frozenset[str]
    url: str | None
    paths: tuple[re.Pattern[str], ...]
    handle: re.Pattern[str] | None
    funding_yml: str | None
    graphql: str | None
    fold_case: bool

    def profile_url(self, handle: str) -> str | None:
        return self.url.format(handle=handle) if self.url else None


@dataclass(frozen=True, slots=True)
class _Table:
    by_id: dict[str, Platform]
    by_host: dict[str, Platform]
    by_key: dict[str, Platform]  # FUNDING.yml keys and GraphQL enum values
    deprecated: frozenset[str]


@functools.cache
def _table() -> _Table:
    """Read the table once, on first use, from the package data."""
    text = resources.files("fundbot").joinpath("data/platforms.yml").read_text("utf-8")
    raw: dict[str, Any] = yaml.safe_load(text)
    rows = tuple(_platform(row) for row in raw["platforms"])
    deprecated = raw.get("deprecated", {})
    return _Table(
        by_id={p.id: p for p in rows},
        by_host={host: p for p in rows for host in p.hosts},
        by_key={key: p for p in rows for key in (p.funding_yml, p.graphql) if key is not None},
        deprecated=frozenset(deprecated.get("funding_yml", []) + deprecated.get("graphql", [])),
    )


def _platform(row: dict[str, Any]) -> Platform:
    return Platform(
        id=row["id"],
        name=row["name"],
        hosts=frozenset(row["hosts"]),
        url=row["url"],
        paths=tuple(re.compile(p) for p in row["paths"]),
        handle=re.compile(row["handle"]) if row["handle"] else None,
        funding_yml=row["funding_yml"],
        graphql=row["graphql"],
        fold_case=bool(row["fold_case"]),
    )


def platform(platform_id: str) -> Platform | None:
    """The table row for a platform id, or None."""
    return _table().by_id.get(platform_id)


def funding_yml_keys() -> frozenset[str]:
    """Every key GitHub documents for FUNDING.yml, deprecated ones included."""
    table = _table()
    keys = {p.funding_yml for p in table.by_id.values() if p.funding_yml}
    return frozenset(keys | {k for k in table.deprecated if k.islower()})


def is_deprecated(key: str) -> bool:
    """A FUNDING.yml key or GraphQL enum value GitHub keeps but whose service is gone."""
    return key.strip() in _table().deprecated


def display_name(platform_id: str) -> str:
    """The platform's name as people write it (`Open Collective`); unknown ids as given."""
    row = _table().by_id.get(platform_id)
    return row.name if row else platform_id


def platform_url(platform_id: str, handle: str) -> str | None:
    """The profile URL for a handle on a platform, or None when it has no profiles."""
    row = _table().by_id.get(platform_id)
    return row.profile_url(handle) if row else None


def channel_from_url(url: str, found_via: str) -> FundingChannel | None:
    """Classify a link by host and path; None for anything that is not a web URL."""
    normal = normalize_url(url)
    if normal is None:
        return None
    parts = urlsplit(normal)
    host = parts.netloc.removeprefix("www.")
    row = _table().by_host.get(host)
    if row is not None:
        handle = _handle_from_path(row, parts.path.lstrip("/"))
        channel = _channel(row, handle, found_via) if handle is not None else None
        if channel is not None:
            return channel
    return FundingChannel(CUSTOM, normal, None, found_via)


def _handle_from_path(row: Platform, path: str) -> str | None:
    for pattern in row.paths:
        match = pattern.match(path)
        if match:
            return "/".join(g for g in match.groups() if g)
    return None


def _channel(row: Platform, handle: str, found_via: str) -> FundingChannel | None:
    """The platform's channel for a handle; None for a row without a profile URL template."""
    if row.fold_case:
        handle = handle.lower()
    url = row.profile_url(handle)
    return FundingChannel(row.id, url, handle, found_via) if url is not None else None


def channel_from_platform(platform: str, value: str, found_via: str) -> FundingChannel | None:
    """A channel from a FUNDING.yml key or GraphQL enum and its value (handle or URL)."""
    if not isinstance(platform, str) or not isinstance(value, str):
        return None
    key, text = platform.strip(), value.strip()
    if not text or is_deprecated(key):
        return None
    table = _table()
    row = table.by_key.get(key) or table.by_key.get(key.lower()) or table.by_key.get(key.upper())
    if row is None or row.handle is None:
        return channel_from_url(text, found_via)
    if _looks_like_url(row, text):
        return _channel_from_platform_url(row, text, found_via)
    match = row.handle.match(text)
    if match is None:
        return None
    return _channel(row, match.group("handle"), found_via)


def _looks_like_url(row: Platform, text: str) -> bool:
    if "://" in text:
        return True
    first = text.split("/", 1)[0].lower().removeprefix("www.")
    return first in row.hosts


def _channel_from_platform_url(row: Platform, text: str, found_via: str) -> FundingChannel | None:
    """A URL under a platform key; GitHub's GraphQL gives `https://github.com/{login}`."""
    channel = channel_from_url(text, found_via)
    if channel is None or channel.platform != CUSTOM:
        return channel
    parts = urlsplit(channel.url)
    path = parts.path.strip("/")
    if parts.netloc.removeprefix("www.") in row.hosts and row.handle is not None:
        match = row.handle.match(path)
        if match:
            return _channel(row, match.group("handle"), found_via) or channel
    return channel
