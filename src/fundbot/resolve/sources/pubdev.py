"""pub.dev: the latest pubspec's `funding`, `repository` and `homepage`."""

from __future__ import annotations

from fundbot.resolve.base import Finding, PackageQuery
from fundbot.resolve.sources._registry import (
    RegistrySource,
    finding,
    first_repository,
    segment,
    urls_funding,
)

FOUND_VIA = "pub:funding"


class PubDevSource(RegistrySource):
    """`{pubdev}/api/packages/{name}`."""

    NAME = "pub.dev"
    ECOSYSTEMS = frozenset({"pub"})

    async def find(self, query: PackageQuery) -> Finding:
        document = await self.fetch_json(
            f"{self.settings.pubdev_url}/api/packages/{segment(query.name)}"
        )
        latest = document.get("latest") if isinstance(document, dict) else None
        pubspec = latest.get("pubspec") if isinstance(latest, dict) else None
        if not isinstance(pubspec, dict):
            return Finding(error=f"{self.NAME}: unreadable answer", error_kind="unreadable")
        funding = pubspec.get("funding")
        declared = urls_funding(funding if isinstance(funding, list) else [], FOUND_VIA)
        urls = [pubspec.get("repository"), pubspec.get("homepage")]
        return finding(first_repository(urls), declared)
