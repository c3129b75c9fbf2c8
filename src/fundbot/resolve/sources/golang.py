"""Go: a module path to its repository: code-host paths directly, gopkg.in by convention,
anything else (golang.org/x, vanity hosts) through the `go-import` meta tag."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from fundbot.links.packages import known_go_repository
from fundbot.links.urls import normalize_url, repository_from_url
from fundbot.resolve.base import Finding, PackageQuery
from fundbot.resolve.http import HttpClient
from fundbot.resolve.sources._registry import RegistrySource
from fundbot.settings import Settings

_PATH = re.compile(r"^[a-z0-9.-]+\.[a-z]{2,}(?::\d+)?(?:/[A-Za-z0-9_.~+-]+)*$")


class GoSource(RegistrySource):
    """No registry document: the module path says where the code lives."""

    NAME = "go"
    ECOSYSTEMS = frozenset({"go"})

    def __init__(
        self, http: HttpClient, settings: Settings, *, go_get_url: str | None = None
    ) -> None:
        super().__init__(http, settings)
        # Vanity hosts are the module paths themselves; tests and mirrors redirect them.
        self.go_get_url = go_get_url or settings.go_get_url

    async def find(self, query: PackageQuery) -> Finding:
        path = query.name.strip()
        direct = known_go_repository(path)
        if direct is not None:
            return Finding(repository=direct)
        if not _PATH.match(path):
            return Finding(not_found=True)
        page = await self.fetch(self.go_get_url.format(path=path))
        root = go_import_root(page.text, path)
        if root is None:
            return Finding()
        return Finding(repository=repository_from_url(root) or _plain_repository(root))


def go_import_root(html: str, path: str) -> str | None:
    """The repo root of the `go-import` tag whose prefix covers path."""
    parser = _MetaParser()
    parser.feed(html)
    for content in parser.go_imports:
        fields = content.split()
        if len(fields) != 3 or fields[1] == "mod":
            continue
        prefix, _, root = fields
        if path == prefix or path.startswith(prefix + "/"):
            return root
    return None


def _plain_repository(root: str) -> str | None:
    """A repo root on a host fundbot does not know (go.googlesource.com/net), as a URL."""
    url = normalize_url(root)
    return url.removesuffix(".git") if url else None


class _MetaParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.go_imports: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta":
            return
        values = dict(attrs)
        if values.get("name") == "go-import" and values.get("content"):
            self.go_imports.append(values["content"] or "")
