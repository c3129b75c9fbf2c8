"""PyPI: the JSON API's `info.project_urls`, read as the Project-URL specification says."""

from __future__ import annotations

from typing import Any

from fundbot.links.urls import repository_from_url
from fundbot.resolve.base import Finding, PackageQuery
from fundbot.resolve.sources._registry import (
    RegistrySource,
    finding,
    labelled_funding,
    labelled_links,
    normalise_label,
    segment,
    urls_funding,
)

FOUND_VIA = "pypi:project_urls"
# Where the source repository is most likely named, best first; `homepage` last.
REPOSITORY_LABELS = ("source", "sourcecode", "repository", "github", "code", "homepage")


class PyPISource(RegistrySource):
    """`{pypi}/pypi/{name}/json`."""

    NAME = "pypi"
    ECOSYSTEMS = frozenset({"pypi"})

    async def find(self, query: PackageQuery) -> Finding:
        document = await self.fetch_json(
            f"{self.settings.pypi_url}/pypi/{segment(query.name)}/json"
        )
        info = document.get("info") if isinstance(document, dict) else None
        if not isinstance(info, dict):
            return Finding(error=f"{self.NAME}: unreadable answer", error_kind="unreadable")
        urls = labelled_links(info.get("project_urls"))
        funding = labelled_funding(urls)
        return finding(repository(urls, info.get("home_page")), urls_funding(funding, FOUND_VIA))


def repository(urls: list[tuple[str, str]], home_page: Any) -> str | None:
    by_label: dict[str, list[str]] = {}
    for label, url in urls:
        by_label.setdefault(normalise_label(label), []).append(url)
    candidates = [url for label in REPOSITORY_LABELS for url in by_label.get(label, [])]
    if isinstance(home_page, str):
        candidates.append(home_page)
    for url in candidates:
        found = repository_from_url(url)
        if found is not None:
            return found
    return None
