"""RubyGems, Packagist, pub.dev, hex.pm, crates.io, NuGet, Maven and Go sources on realistic
documents: repository and funding as each registry states them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fundbot.links.packages import known_go_repository
from fundbot.model import FundingChannel
from fundbot.resolve.base import Finding
from fundbot.resolve.http import HttpClient
from fundbot.resolve.sources.crates import CratesSource
from fundbot.resolve.sources.golang import GoSource, go_import_root
from fundbot.resolve.sources.hex import HexSource
from fundbot.resolve.sources.maven import MavenSource
from fundbot.resolve.sources.npm import NpmSource
from fundbot.resolve.sources.nuget import NuGetSource, newest
from fundbot.resolve.sources.packagist import PackagistSource
from fundbot.resolve.sources.pubdev import PubDevSource
from fundbot.resolve.sources.pypi import PyPISource
from fundbot.resolve.sources.rubygems import RubyGemsSource
from fundbot.settings import Settings
from tests.fakes import registries as reg
from tests.fakes.server import FakeServer
from tests.resolve.conftest import lookup_one, make_source

Serve = Callable[[FakeServer], object]


def _gson(fake: FakeServer) -> None:
    reg.serve_maven_metadata(fake, "com.google.code.gson", "gson")
    reg.serve_maven_pom(fake, "com.google.code.gson", "gson", "2.10.1")
    reg.serve_maven_pom(fake, "com.google.code.gson", "gson-parent", "2.10.1")


def _okhttp(fake: FakeServer) -> None:
    reg.serve_maven_metadata(fake, "com.squareup.okhttp3", "okhttp")
    reg.serve_maven_pom(fake, "com.squareup.okhttp3", "okhttp", "4.12.0")


CASES: list[tuple[type, str, str, Serve, Finding]] = [
    (
        RubyGemsSource,
        "rubygems",
        "nokogiri",
        lambda f: reg.serve_rubygems(f, "nokogiri"),
        Finding(
            repository="https://github.com/sparklemotion/nokogiri",
            channels=(
                FundingChannel(
                    "github",
                    "https://github.com/sponsors/flavorjones",
                    "flavorjones",
                    "rubygems:funding_uri",
                ),
            ),
        ),
    ),
    (
        RubyGemsSource,
        "rubygems",
        "rails",
        lambda f: reg.serve_rubygems(f, "rails"),
        Finding(repository="https://github.com/rails/rails"),
    ),
    (
        PackagistSource,
        "packagist",
        "monolog/monolog",
        lambda f: reg.serve_packagist(f, "monolog/monolog"),
        Finding(
            repository="https://github.com/seldaek/monolog",
            channels=(
                FundingChannel(
                    "github", "https://github.com/sponsors/seldaek", "seldaek", "packagist:funding"
                ),
                FundingChannel(
                    "tidelift",
                    "https://tidelift.com/funding/github/packagist/monolog/monolog",
                    "packagist/monolog/monolog",
                    "packagist:funding",
                ),
            ),
        ),
    ),
    (
        PubDevSource,
        "pub",
        "http",
        lambda f: reg.serve_pubdev(f, "http"),
        Finding(repository="https://github.com/dart-lang/http"),
    ),
    (
        PubDevSource,
        "pub",
        "provider",
        lambda f: reg.serve_pubdev(f, "provider"),
        Finding(
            repository="https://github.com/rrousselgit/provider",
            channels=(
                FundingChannel(
                    "github",
                    "https://github.com/sponsors/rrousselgit",
                    "rrousselgit",
                    "pub:funding",
                ),
            ),
        ),
    ),
    (
        HexSource,
        "hex",
        "phoenix",
        lambda f: reg.serve_hex(f, "phoenix"),
        Finding(repository="https://github.com/phoenixframework/phoenix"),
    ),
    (
        HexSource,
        "hex",
        "jason",
        lambda f: reg.serve_hex(f, "jason"),
        Finding(
            repository="https://github.com/michalmuskala/jason",
            channels=(
                FundingChannel(
                    "github",
                    "https://github.com/sponsors/michalmuskala",
                    "michalmuskala",
                    "hex:links",
                ),
            ),
        ),
    ),
    (
        CratesSource,
        "cargo",
        "serde",
        lambda f: reg.serve_crates(f, "serde"),
        Finding(repository="https://github.com/serde-rs/serde"),
    ),
    (
        NuGetSource,
        "nuget",
        "Newtonsoft.Json",
        lambda f: reg.serve_nuget(f, "Newtonsoft.Json", "13.0.3"),
        Finding(repository="https://github.com/jamesnk/newtonsoft.json"),
    ),
    (
        MavenSource,
        "maven",
        "com.google.code.gson:gson",
        _gson,
        Finding(repository="https://github.com/google/gson"),
    ),
    (
        MavenSource,
        "maven",
        "com.squareup.okhttp3:okhttp",
        _okhttp,
        Finding(repository="https://github.com/square/okhttp"),
    ),
    (
        GoSource,
        "go",
        "golang.org/x/net",
        lambda f: reg.serve_go_get(f, "golang.org/x/net"),
        Finding(repository="https://go.googlesource.com/net"),
    ),
    (
        GoSource,
        "go",
        "k8s.io/client-go/kubernetes",
        lambda f: reg.serve_go_get(
            f, "k8s.io/client-go/kubernetes", body=reg.fixture("go/k8s.io-client-go.html")
        ),
        Finding(repository="https://github.com/kubernetes/client-go"),
    ),
    (
        GoSource,
        "go",
        "github.com/spf13/cobra/v2",
        lambda f: None,
        Finding(repository="https://github.com/spf13/cobra"),
    ),
    (
        GoSource,
        "go",
        "gopkg.in/yaml.v3",
        lambda f: None,
        Finding(repository="https://github.com/go-yaml/yaml"),
    ),
]


@pytest.mark.parametrize(
    ("cls", "ecosystem", "name", "serve", "expected"),
    CASES,
    ids=[f"{c[1]}:{c[2]}" for c in CASES],
)
async def test_documents(
    fake: FakeServer,
    http: HttpClient,
    settings: Settings,
    cls: type,
    ecosystem: str,
    name: str,
    serve: Serve,
    expected: Finding,
) -> None:
    """Each registry's document gives the repository and the funding it declares."""
    serve(fake)
    source = make_source(cls, http, settings, fake)
    assert await lookup_one(source, ecosystem, name) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "github.com/prometheus/client_golang/prometheus",
            "https://github.com/prometheus/client_golang",
        ),
        ("gopkg.in/check.v1", "https://github.com/go-check/check"),
        ("gopkg.in/alecthomas/kingpin.v2", "https://github.com/alecthomas/kingpin"),
        ("bitbucket.org/o/r/sub", "https://bitbucket.org/o/r"),
        ("golang.org/x/net", None),
        ("github.com/only-owner", None),
    ],
)
def test_known_go_repositories(path: str, expected: str | None) -> None:
    """Code-host and gopkg.in paths map to repositories without a request."""
    assert known_go_repository(path) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            '<meta name="go-import" content="x.io/a git https://github.com/o/a">',
            "https://github.com/o/a",
        ),
        ('<meta name="go-import" content="x.io/a mod https://proxy.x.io">', None),
        ('<meta name="go-import" content="x.io/ab git https://github.com/o/ab">', None),
        ('<meta name="go-import" content="broken">', None),
        ("<html><body>nothing here</body></html>", None),
    ],
)
def test_go_import_tag(html: str, expected: str | None) -> None:
    """Only a `go-import` tag whose prefix covers the path (and is not `mod`) counts."""
    assert go_import_root(html, "x.io/a/sub") == expected


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        ({"versions": ["1.0.0", "2.0.0", "3.0.0-rc1"]}, "2.0.0"),
        ({"versions": ["1.0.0-beta"]}, "1.0.0-beta"),
        ({"versions": []}, None),
        ({"versions": "1.0"}, None),
        ([], None),
    ],
)
def test_nuget_newest(index: object, expected: str | None) -> None:
    """The newest stable version is chosen, a prerelease only when nothing else exists."""
    assert newest(index) == expected


async def test_maven_without_scm_anywhere(
    fake: FakeServer, http: HttpClient, settings: Settings
) -> None:
    """A POM chain without scm or url gives no repository, and stops at the top."""
    fake.add(
        "GET",
        "/maven2/org/x/lib/maven-metadata.xml",
        body="<metadata><versioning><versions><version>1.0</version></versions></versioning>"
        "</metadata>",
    )
    fake.add(
        "GET",
        "/maven2/org/x/lib/1.0/lib-1.0.pom",
        body="<project><artifactId>lib</artifactId></project>",
    )
    finding = await lookup_one(MavenSource(http, settings), "maven", "org.x:lib")
    assert finding == Finding()


async def test_hostile_xml_is_refused(
    fake: FakeServer, http: HttpClient, settings: Settings
) -> None:
    """An XML entity declaration (billion laughs) is refused by defusedxml, not expanded."""
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;">]><metadata>&lol2;</metadata>'
    )
    fake.add("GET", "/maven2/org/x/lib/maven-metadata.xml", body=bomb)
    finding = await lookup_one(MavenSource(http, settings), "maven", "org.x:lib")
    assert finding == Finding(error="maven: invalid XML in maven-metadata.xml")


@pytest.mark.parametrize(
    ("cls", "ecosystem", "name"),
    [
        (PackagistSource, "packagist", "no-vendor"),
        (MavenSource, "maven", "no-colon"),
        (MavenSource, "maven", "../etc:passwd"),
        (NuGetSource, "nuget", "bad/id"),
        (GoSource, "go", "not a path"),
        (PyPISource, "pypi", "../../admin"),
        (NpmSource, "npm", "has space"),
        (RubyGemsSource, "rubygems", ""),
        (CratesSource, "cargo", "x\u0000y"),
        (HexSource, "hex", "a" * 301),
    ],
)
async def test_impossible_names_are_not_found_without_request(
    fake: FakeServer, http: HttpClient, settings: Settings, cls: type, ecosystem: str, name: str
) -> None:
    """A name that cannot exist in the registry is not found, and nothing is requested."""
    source = make_source(cls, http, settings, fake)
    assert await lookup_one(source, ecosystem, name) == Finding(not_found=True)
    assert fake.count() == 0


async def test_special_characters_are_encoded(
    fake: FakeServer, http: HttpClient, settings: Settings
) -> None:
    """A name with URL-special characters stays one path segment; it cannot add a query."""
    fake.add("GET", "/pypi/pypi/a?b#c/json", status=404)
    assert await lookup_one(PyPISource(http, settings), "pypi", "a?b#c") == Finding(not_found=True)
