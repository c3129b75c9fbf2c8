"""NuGet: the newest version's `.nuspec` from the flat container: `repository`, `projectUrl`."""

from __future__ import annotations

import re
from typing import Any

from fundbot.resolve.base import Finding, PackageQuery
from fundbot.resolve.sources import _xml
from fundbot.resolve.sources._registry import RegistrySource, first_repository

_ID = re.compile(r"^[A-Za-z0-9_.-]+$")


class NuGetSource(RegistrySource):
    """`{nuget}/v3-flatcontainer/{id}/index.json`, then `{id}/{version}/{id}.nuspec`."""

    NAME = "nuget"
    ECOSYSTEMS = frozenset({"nuget"})

    async def find(self, query: PackageQuery) -> Finding:
        package = query.name.lower()  # the flat container is lower-case throughout
        if not _ID.match(package):
            return Finding(not_found=True)
        base = f"{self.settings.nuget_url}/v3-flatcontainer/{package}"
        version = newest(await self.fetch_json(f"{base}/index.json"))
        if version is None:
            return Finding(not_found=True)
        nuspec = await self.fetch(f"{base}/{version}/{package}.nuspec")
        root = _xml.parse(nuspec.body, f"{package}.nuspec")
        repository = _xml.child(root, "metadata", "repository")
        urls = [
            repository.get("url") if repository is not None else None,
            _xml.child_text(root, "metadata", "projectUrl"),
        ]
        return Finding(repository=first_repository(urls))


def newest(index: Any) -> str | None:
    """The last stable version listed (oldest first), else the last prerelease."""
    versions = index.get("versions") if isinstance(index, dict) else None
    if not isinstance(versions, list):
        return None
    valid = [v.lower() for v in versions if isinstance(v, str) and _ID.match(v)]
    stable = [v for v in valid if "-" not in v]
    candidates = stable or valid
    return candidates[-1] if candidates else None
