"""Every registry source puts a package name into its URL safely: percent-encoded as one path
segment, lower-cased where the registry says so, split into a path where the name says so."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from yarl import URL

from fundbot.resolve.base import Finding
from fundbot.resolve.http import HttpClient, Response
from fundbot.resolve.sources.crates import CratesSource
from fundbot.resolve.sources.golang import GoSource
from fundbot.resolve.sources.hex import HexSource
from fundbot.resolve.sources.maven import MavenSource
from fundbot.resolve.sources.npm import NpmSource
from fundbot.resolve.sources.nuget import NuGetSource
from fundbot.resolve.sources.packagist import PackagistSource
from fundbot.resolve.sources.pubdev import PubDevSource
from fundbot.resolve.sources.pypi import PyPISource
from fundbot.resolve.sources.rubygems import RubyGemsSource
from fundbot.settings import Settings
from tests.fakes.server import FakeServer
from tests.resolve.conftest import lookup_one, make_source


@dataclass
class RecordingHttp(HttpClient):
    """An HttpClient that remembers every URL a source asked for, exactly as built."""

    urls: list[str] = field(default_factory=list)

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
    ) -> Response:
        self.urls.append(url)
        return await super().request(method, url, headers=headers, json_body=json_body)


@pytest.fixture
async def recording(settings: Settings) -> AsyncIterator[RecordingHttp]:
    async with aiohttp.ClientSession() as session:
        yield RecordingHttp(session, settings)


@pytest.mark.parametrize(
    ("cls", "ecosystem", "name", "wire", "served"),
    [
        # Scoped npm names go out as `@scope%2fname`, as the npm client sends them.
        (NpmSource, "npm", "@types/node", "/npm/@types%2Fnode/latest", "/npm/@types/node/latest"),
        (NpmSource, "npm", "@a/b%c", "/npm/@a%2Fb%25c/latest", "/npm/@a/b%c/latest"),
        (PyPISource, "pypi", "a?b#c", "/pypi/pypi/a%3Fb%23c/json", "/pypi/pypi/a?b#c/json"),
        (PyPISource, "pypi", "zope.interface", None, "/pypi/pypi/zope.interface/json"),
        (CratesSource, "cargo", "a%2f", "/crates/api/v1/crates/a%252f", None),
        # `&` is plain in a path (aiohttp leaves it so); `+` stays encoded, never a space.
        (RubyGemsSource, "rubygems", "a+b&c", "/rubygems/api/v1/gems/a%2Bb&c.json", None),
        (PubDevSource, "pub", "a#b", "/pub/api/packages/a%23b", "/pub/api/packages/a#b"),
        (HexSource, "hex", "a/b", "/hex/api/packages/a%2Fb", "/hex/api/packages/a/b"),
        (
            PackagistSource,
            "packagist",
            "ven%dor/na?me",
            "/packagist/p2/ven%25dor/na%3Fme.json",
            "/packagist/p2/ven%dor/na?me.json",
        ),
        # Maven's group is a path; NuGet's flat container is lower-case throughout.
        (
            MavenSource,
            "maven",
            "org.apache.commons:commons-lang3",
            None,
            "/maven2/org/apache/commons/commons-lang3/maven-metadata.xml",
        ),
        (
            NuGetSource,
            "nuget",
            "Newtonsoft.Json",
            None,
            "/nuget/v3-flatcontainer/newtonsoft.json/index.json",
        ),
        (GoSource, "go", "go.example.dev/a+b~c", None, "/goget/go.example.dev/a+b~c"),
    ],
)
async def test_names_reach_the_registry_encoded(
    fake: FakeServer,
    recording: RecordingHttp,
    settings: Settings,
    cls: type,
    ecosystem: str,
    name: str,
    wire: str | None,
    served: str | None,
) -> None:
    """The request line carries the name encoded (`wire`, default: `served` as is), the
    registry sees the name itself back (`served`), and nothing else is requested."""
    served = served or str(URL(wire or "").path)
    fake.add("GET", served, status=404)
    source = make_source(cls, recording, settings, fake)
    assert await lookup_one(source, ecosystem, name) == Finding(not_found=True)
    assert len(recording.urls) == 1
    sent = URL(recording.urls[0])  # what aiohttp puts on the request line
    assert sent.raw_path == (wire or served)
