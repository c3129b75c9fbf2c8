"""Packagist: the composer v2 metadata's `funding` and `source` of the newest version."""

from __future__ import annotations

from typing import Any

from fundbot.resolve.base import Finding, PackageQuery
from fundbot.resolve.sources._registry import (
    RegistrySource,
    declared_funding,
    finding,
    first_repository,
    segment,
)

FOUND_VIA = "packagist:funding"


class PackagistSource(RegistrySource):
    """`{packagist}/p2/{vendor}/{name}.json` (tagged releases, newest first)."""

    NAME = "packagist"
    ECOSYSTEMS = frozenset({"packagist"})

    async def find(self, query: PackageQuery) -> Finding:
        if query.name.count("/") != 1:
            return Finding(not_found=True)  # composer names are always vendor/name
        vendor, package = (segment(part) for part in query.name.split("/"))
        document = await self.fetch_json(
            f"{self.settings.packagist_url}/p2/{vendor}/{package}.json"
        )
        versions = _versions(document, query.name)
        if not versions:
            return Finding(not_found=True)
        # The minified format lists the newest version in full, the rest as differences.
        latest = versions[0] if isinstance(versions[0], dict) else {}
        entries = latest.get("funding")
        pairs = [
            (entry.get("type"), entry.get("url"))
            for entry in (entries if isinstance(entries, list) else [])
            if isinstance(entry, dict)
        ]
        source = latest.get("source")
        urls = [source.get("url") if isinstance(source, dict) else None, latest.get("homepage")]
        return finding(first_repository(urls), declared_funding(pairs, FOUND_VIA))


def _versions(document: Any, name: str) -> list[Any]:
    packages = document.get("packages") if isinstance(document, dict) else None
    if not isinstance(packages, dict):
        return []
    versions = packages.get(name) or packages.get(name.lower())
    return versions if isinstance(versions, list) else []
