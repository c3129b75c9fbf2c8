"""npm: the `latest` version document's `funding` and `repository`."""

from __future__ import annotations

from typing import Any

from fundbot.links.urls import repository_from_url
from fundbot.resolve.base import Finding, PackageQuery
from fundbot.resolve.sources._registry import RegistrySource, declared_funding, finding, segment

FOUND_VIA = "npm:funding"


class NpmSource(RegistrySource):
    """`{registry}/{name}/latest`; scoped names as `@scope%2fname`, as npm's client sends."""

    NAME = "npm"
    ECOSYSTEMS = frozenset({"npm"})

    async def find(self, query: PackageQuery) -> Finding:
        name = segment(query.name).replace("%40", "@", 1)
        document = await self.fetch_json(f"{self.settings.npm_registry_url}/{name}/latest")
        if not isinstance(document, dict):
            return Finding(error=f"{self.NAME}: unreadable answer")
        declared = declared_funding(funding_entries(document.get("funding")), FOUND_VIA)
        return finding(repository(document.get("repository")), declared)


def funding_entries(value: Any) -> list[tuple[str | None, Any]]:
    """`funding` as a string, a `{type, url}` object, or an array of either."""
    items = value if isinstance(value, list) else [value]
    entries: list[tuple[str | None, Any]] = []
    for item in items:
        if isinstance(item, str):
            entries.append((None, item))
        elif isinstance(item, dict):
            kind = item.get("type")
            entries.append((kind if isinstance(kind, str) else None, item.get("url")))
    return entries


def repository(value: Any) -> str | None:
    """`repository` as `github:o/r`, `o/r`, a git URL, or `{type, url, directory}`."""
    if isinstance(value, dict):
        value = value.get("url")
    if not isinstance(value, str):
        return None
    # A bare `o/r` is GitHub, as npm documents the shorthand.
    return repository_from_url(value, default_host="github.com")
