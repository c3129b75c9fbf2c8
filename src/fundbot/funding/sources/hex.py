"""hex.pm: the package's `meta.links`, labelled as their authors liked."""

from __future__ import annotations

from fundbot.funding.base import Finding, PackageQuery
from fundbot.funding.sources._registry import (
    RegistrySource,
    finding,
    first_repository,
    is_funding_label,
    is_known_platform,
    segment,
    text,
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
            return Finding(error=f"{self.NAME}: unreadable answer")
        links = meta.get("links")
        pairs = [
            (label, url)
            for label, url in (links.items() if isinstance(links, dict) else ())
            if isinstance(label, str) and text(url) is not None
        ]
        funding = [url for label, url in pairs if is_funding_label(label) or is_known_platform(url)]
        return finding(first_repository(url for _, url in pairs), urls_funding(funding, FOUND_VIA))
