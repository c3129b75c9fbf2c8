"""hex.pm: the package's `meta.links`, labelled as their authors liked."""

from __future__ import annotations

from fundbot.resolve.base import Finding, PackageQuery
from fundbot.resolve.sources._registry import (
    RegistrySource,
    finding,
    first_repository,
    labelled_funding,
    labelled_links,
    segment,
    urls_funding,
)

FOUND_VIA = "hex:links"


class HexSource(RegistrySource):
    """`{hex}/api/packages/{name}`."""

    NAME = "hex.pm"
    ECOSYSTEMS = frozenset({"hex"})

    async def find(self, query: PackageQuery) -> Finding:
        document = await self.fetch_json(
            f"{self.settings.hex_url}/api/packages/{segment(query.name)}"
        )
        meta = document.get("meta") if isinstance(document, dict) else None
        if not isinstance(meta, dict):
            return Finding(error=f"{self.NAME}: unreadable answer", error_kind="unreadable")
        pairs = labelled_links(meta.get("links"))
        funding = labelled_funding(pairs)
        return finding(first_repository(url for _, url in pairs), urls_funding(funding, FOUND_VIA))
