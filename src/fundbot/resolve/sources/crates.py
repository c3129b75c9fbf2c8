"""crates.io: the crate's `repository` (funding comes from the repository, stage 2)."""

from __future__ import annotations

from fundbot.resolve.base import Finding, PackageQuery
from fundbot.resolve.sources._registry import RegistrySource, first_repository, segment


class CratesSource(RegistrySource):
    """`{crates}/api/v1/crates/{name}`; crates.io refuses clients without a User-Agent,
    which HttpClient always sends."""

    NAME = "crates.io"
    ECOSYSTEMS = frozenset({"cargo"})

    async def find(self, query: PackageQuery) -> Finding:
        document = await self.fetch_json(
            f"{self.settings.crates_url}/api/v1/crates/{segment(query.name)}"
        )
        crate = document.get("crate") if isinstance(document, dict) else None
        if not isinstance(crate, dict):
            return Finding(error=f"{self.NAME}: unreadable answer", error_kind="unreadable")
        return Finding(
            repository=first_repository([crate.get("repository"), crate.get("homepage")])
        )
