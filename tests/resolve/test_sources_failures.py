"""Every registry source under failure: not found, broken documents, 5xx and 429 retries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from fundbot.model import ECOSYSTEMS
from fundbot.resolve.base import Finding, PackageQuery
from fundbot.resolve.http import HttpClient
from fundbot.resolve.sources import REGISTRY_SOURCES
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
from tests.fakes import registries as reg
from tests.fakes.server import FakeServer
from tests.resolve.conftest import lookup_one, make_source

Serve = Callable[..., Any]


def _maven(fake: FakeServer, **kw: Any) -> None:
    reg.serve_maven_metadata(fake, "com.squareup.okhttp3", "okhttp", **kw)
    reg.serve_maven_pom(fake, "com.squareup.okhttp3", "okhttp", "4.12.0")


def _nuget(fake: FakeServer, **kw: Any) -> None:
    index, _ = reg.serve_nuget(fake, "Newtonsoft.Json", "13.0.3")
    fake.routes.remove(index)
    fake.add("GET", index.path, body=reg.fixture("nuget/newtonsoft.json.index.json"), **kw)


@dataclass(frozen=True)
class SourceCase:
    """One registry source, the package it is tried with, and what a good answer says."""

    cls: type
    eco: str
    name: str
    path: str  # of its first request
    query: dict[str, str] | None
    serve: Serve  # serves the good answer
    repo: str  # the repository the good answer names


SOURCES: list[SourceCase] = [
    SourceCase(
        CratesSource,
        "cargo",
        "serde",
        "/crates/api/v1/crates/serde",
        None,
        lambda f, **kw: reg.serve_crates(f, "serde", **kw),
        "https://github.com/serde-rs/serde",
    ),
    SourceCase(
        GoSource,
        "go",
        "golang.org/x/net",
        "/goget/golang.org/x/net",
        {"go-get": "1"},
        lambda f, **kw: reg.serve_go_get(f, "golang.org/x/net", **kw),
        "https://go.googlesource.com/net",
    ),
    SourceCase(
        HexSource,
        "hex",
        "phoenix",
        "/hex/api/packages/phoenix",
        None,
        lambda f, **kw: reg.serve_hex(f, "phoenix", **kw),
        "https://github.com/phoenixframework/phoenix",
    ),
    SourceCase(
        MavenSource,
        "maven",
        "com.squareup.okhttp3:okhttp",
        "/maven2/com/squareup/okhttp3/okhttp/maven-metadata.xml",
        None,
        _maven,
        "https://github.com/square/okhttp",
    ),
    SourceCase(
        NpmSource,
        "npm",
        "axios",
        "/npm/axios/latest",
        None,
        lambda f, **kw: reg.serve_npm(f, "axios", **kw),
        "https://github.com/axios/axios",
    ),
    SourceCase(
        NuGetSource,
        "nuget",
        "Newtonsoft.Json",
        "/nuget/v3-flatcontainer/newtonsoft.json/index.json",
        None,
        _nuget,
        "https://github.com/jamesnk/newtonsoft.json",
    ),
    SourceCase(
        PackagistSource,
        "packagist",
        "monolog/monolog",
        "/packagist/p2/monolog/monolog.json",
        None,
        lambda f, **kw: reg.serve_packagist(f, "monolog/monolog", **kw),
        "https://github.com/seldaek/monolog",
    ),
    SourceCase(
        PubDevSource,
        "pub",
        "http",
        "/pub/api/packages/http",
        None,
        lambda f, **kw: reg.serve_pubdev(f, "http", **kw),
        "https://github.com/dart-lang/http",
    ),
    SourceCase(
        PyPISource,
        "pypi",
        "requests",
        "/pypi/pypi/requests/json",
        None,
        lambda f, **kw: reg.serve_pypi(f, "requests", **kw),
        "https://github.com/psf/requests",
    ),
    SourceCase(
        RubyGemsSource,
        "rubygems",
        "rails",
        "/rubygems/api/v1/gems/rails.json",
        None,
        lambda f, **kw: reg.serve_rubygems(f, "rails", **kw),
        "https://github.com/rails/rails",
    ),
]
IDS = [case.eco for case in SOURCES]


def test_registry_contract() -> None:
    """Sources are listed alphabetically by module, with unique names, known ecosystems,
    and no ecosystem answered by two sources."""
    modules = [cls.__module__ for cls in REGISTRY_SOURCES]
    assert modules == sorted(modules)
    names = [cls.NAME for cls in REGISTRY_SOURCES]
    assert all(names)
    assert len(set(names)) == len(names)
    ecosystems = [e for cls in REGISTRY_SOURCES for e in cls.ECOSYSTEMS]
    assert set(ecosystems) <= set(ECOSYSTEMS)
    assert len(set(ecosystems)) == len(ecosystems)


def test_every_registry_source_is_covered() -> None:
    """The failure table covers every source in the registry, so a new one cannot skip it."""
    assert {case.cls for case in SOURCES} == set(REGISTRY_SOURCES)


@pytest.mark.parametrize("case", SOURCES, ids=IDS)
@pytest.mark.parametrize("status", [404, 410])
async def test_not_found(
    fake: FakeServer,
    http: HttpClient,
    settings: Settings,
    case: SourceCase,
    status: int,
) -> None:
    """A 404/410 from the registry means the package does not exist."""
    fake.add("GET", case.path, status=status, body="Not Found", query=case.query)
    source = make_source(case.cls, http, settings, fake)
    assert await lookup_one(source, case.eco, case.name) == Finding(not_found=True)


@pytest.mark.parametrize("case", SOURCES, ids=IDS)
async def test_unavailable_after_retries(
    fake: FakeServer,
    http: HttpClient,
    settings: Settings,
    case: SourceCase,
) -> None:
    """A registry that keeps answering 503 fails that package with the reason, after 4 tries."""
    fake.add("GET", case.path, status=503, times=4, query=case.query)
    source = make_source(case.cls, http, settings, fake)
    finding = await lookup_one(source, case.eco, case.name)
    assert finding == Finding(error=f"{source.NAME}: HTTP 503 after 4 attempts")


@pytest.mark.parametrize("case", SOURCES, ids=IDS)
async def test_unexpected_status(
    fake: FakeServer,
    http: HttpClient,
    settings: Settings,
    case: SourceCase,
) -> None:
    """A status that is neither success, not-found nor retryable fails the package at once."""
    fake.add("GET", case.path, status=403, query=case.query)
    source = make_source(case.cls, http, settings, fake)
    assert await lookup_one(source, case.eco, case.name) == Finding(
        error=f"{source.NAME}: HTTP 403"
    )


@pytest.mark.parametrize("case", SOURCES, ids=IDS)
async def test_503_then_success(
    fake: FakeServer,
    http: HttpClient,
    settings: Settings,
    case: SourceCase,
) -> None:
    """One 503 is retried and the second answer used."""
    fake.add("GET", case.path, status=503, times=1, query=case.query)
    case.serve(fake)
    source = make_source(case.cls, http, settings, fake)
    assert (await lookup_one(source, case.eco, case.name)).repository == case.repo


@pytest.mark.parametrize("case", SOURCES, ids=IDS)
async def test_429_honours_retry_after(
    fake: FakeServer,
    settings: Settings,
    case: SourceCase,
) -> None:
    """A 429 waits the Retry-After the registry asked for, then succeeds."""
    fake.add("GET", case.path, status=429, headers={"Retry-After": "7"}, times=1, query=case.query)
    case.serve(fake)
    slept: list[float] = []

    async def sleep(delay: float) -> None:
        slept.append(delay)

    async with aiohttp.ClientSession() as session:
        http = HttpClient(session, settings.with_overrides(retry_sleep=True), sleep=sleep)
        source = make_source(case.cls, http, settings, fake)
        assert (await lookup_one(source, case.eco, case.name)).repository == case.repo
    assert slept == [7.0]


JSON_SOURCES = [case for case in SOURCES if case.cls not in (GoSource, MavenSource)]


@pytest.mark.parametrize("case", JSON_SOURCES, ids=[case.eco for case in JSON_SOURCES])
@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '{"unexpected": true}', "null"])
async def test_broken_json(
    fake: FakeServer,
    http: HttpClient,
    settings: Settings,
    case: SourceCase,
    body: str,
) -> None:
    """Invalid or oddly shaped JSON fails (or empties) that package, never raises."""
    fake.add("GET", case.path, body=body, query=case.query)
    source = make_source(case.cls, http, settings, fake)
    finding = await lookup_one(source, case.eco, case.name)
    assert finding.repository is None
    assert finding.channels == ()
    if body == "{not json":
        assert finding.error == f"{source.NAME}: invalid JSON"


async def test_one_bad_package_does_not_spoil_the_batch(
    fake: FakeServer, http: HttpClient, settings: Settings
) -> None:
    """In one lookup, a failing package is marked and the others are answered."""
    reg.serve_pypi(fake, "requests")
    fake.add("GET", "/pypi/pypi/broken/json", status=500, times=4)
    fake.add("GET", "/pypi/pypi/gone/json", status=404)
    queries = [PackageQuery("pypi", n) for n in ("requests", "broken", "gone")]
    found = await PyPISource(http, settings).lookup(queries)
    assert found == {
        ("pypi", "requests"): Finding(repository="https://github.com/psf/requests"),
        ("pypi", "broken"): Finding(error="pypi: HTTP 500 after 4 attempts"),
        ("pypi", "gone"): Finding(not_found=True),
    }
