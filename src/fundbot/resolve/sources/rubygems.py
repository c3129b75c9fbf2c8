"""RubyGems: the gem API's `funding_uri` and `source_code_uri` (`homepage_uri` fallback)."""

from __future__ import annotations

from typing import Any

from fundbot.resolve.base import Finding, PackageQuery
from fundbot.resolve.sources._registry import (
    RegistrySource,
    finding,
    first_repository,
    segment,
    urls_funding,
)

FOUND_VIA = "rubygems:funding_uri"


class RubyGemsSource(RegistrySource):
    """`{rubygems}/api/v1/gems/{name}.json`."""

    NAME = "rubygems"
    ECOSYSTEMS = frozenset({"rubygems"})

    async def find(self, query: PackageQuery) -> Finding:
        gem = await self.fetch_json(
            f"{self.settings.rubygems_url}/api/v1/gems/{segment(query.name)}.json"
        )
        if not isinstance(gem, dict):
            return Finding(error=f"{self.NAME}: unreadable answer", error_kind="unreadable")
        metadata = gem.get("metadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        # The top-level fields mirror the gemspec metadata; older gems have only one of them.
        funding = [gem.get("funding_uri"), metadata.get("funding_uri")]
        return finding(repository(gem, metadata), urls_funding(funding, FOUND_VIA))


def repository(gem: dict[str, Any], metadata: dict[str, Any]) -> str | None:
    return first_repository(
        [
            gem.get("source_code_uri"),
            metadata.get("source_code_uri"),
            gem.get("homepage_uri"),
            metadata.get("homepage_uri"),
        ]
    )
