"""The resolver: dedupe, stage order, merging, failures, the cache, offline and no-token runs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from fundbot.model import ECOSYSTEMS, Dependency, FundingChannel
from fundbot.resolve.base import Finding, PackageKey, PackageQuery
from fundbot.resolve.http import HttpClient
from fundbot.resolve.resolver import (
    NO_TOKEN_NOTE,
    NO_TOKEN_REASON,
    OFFLINE_REASON,
    Resolver,
    resolve_dependencies,
)
from fundbot.resolve.sources.npm import NpmSource
from fundbot.resolve.sources.pypi import PyPISource
from fundbot.settings import Settings
from fundbot.storage.funding_cache import FundingCache
from tests.fakes.github_graphql import FakeGitHubGraphQL, FakeRepo
from tests.fakes.registries import fixture, serve_npm, serve_pypi
from tests.fakes.server import FakeServer, Recorded, Reply

SPONSORS_BABEL = FundingChannel("github", "https://github.com/sponsors/babel", "babel", "github:x")
OC_BABEL = FundingChannel(
    "open_collective", "https://opencollective.com/babel", "babel", "npm:funding"
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeGitHub:
    """Stands in for stage 2 where GraphQL is not what a test is about."""

    answers: dict[str, Finding] = field(default_factory=dict)  # by repository
    seen: list[PackageQuery] = field(default_factory=list)
    NAME: str = "github"
    ECOSYSTEMS: frozenset[str] = frozenset(ECOSYSTEMS)

    async def lookup(self, queries: Sequence[PackageQuery]) -> dict[PackageKey, Finding]:
        self.seen += queries
        return {q.key: self.answers.get(q.repository or "", Finding()) for q in queries}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def cache(settings: Settings, clock: Clock) -> AsyncIterator[FundingCache]:
    cache = await FundingCache.own(settings, clock=clock)
    yield cache
    await cache.close()


def resolver(
    settings: Settings,
    http: HttpClient,
    cache: FundingCache,
    github: FakeGitHub | None = None,
    token: str | None = "t",
    **kw: object,
) -> Resolver:
    gh = github or FakeGitHub()
    return Resolver(
        settings,
        http,
        cache,
        github_token=token,
        sources=(NpmSource, PyPISource),
        github=lambda _http, _settings, _token: gh,
        clock=cache.clock,
        **kw,  # type: ignore[arg-type]
    )


def q(ecosystem: str, name: str) -> PackageQuery:
    return PackageQuery(ecosystem, name)


async def test_dedupe_and_stage_order(
    fake: FakeServer, http: HttpClient, settings: Settings, cache: FundingCache
) -> None:
    """One lookup per package; registry channels come first, GitHub's are added after,
    a link both give keeps the registry's found_via."""
    serve_npm(fake, "@babel/core")
    github = FakeGitHub(
        {
            "https://github.com/babel/babel": Finding(
                channels=(
                    SPONSORS_BABEL,
                    FundingChannel("open_collective", OC_BABEL.url, "babel", "github:x"),
                )
            )
        }
    )
    r = resolver(settings, http, cache, github)
    results = await r.resolve([q("npm", "@babel/core"), q("npm", "@babel/core")])
    assert fake.count() == 1
    assert list(results) == [("npm", "@babel/core")]
    funding = results[("npm", "@babel/core")]
    assert funding.channels == (OC_BABEL, SPONSORS_BABEL)
    assert funding.repository == "https://github.com/babel/babel"
    assert funding.unknown_reason is None
    assert github.seen == [
        PackageQuery("npm", "@babel/core", None, "https://github.com/babel/babel")
    ]
    assert r.stats.requests_by_source["npm"] == 1


async def test_repositories_known_from_the_name(
    fake: FakeServer, http: HttpClient, settings: Settings, cache: FundingCache
) -> None:
    """Actions, Swift and Go GitHub paths go straight to stage 2, without a registry."""
    github = FakeGitHub()
    r = resolver(settings, http, cache, github)
    await r.resolve(
        [
            q("github-actions", "actions/checkout"),
            q("swift", "github.com/apple/swift-nio"),
            q("go", "github.com/spf13/cobra/v2/doc"),
            q("swift", "example.com/not/a/code/host"),
        ]
    )
    assert fake.count() == 0
    assert sorted(s.repository or "" for s in github.seen) == [
        "https://github.com/actions/checkout",
        "https://github.com/apple/swift-nio",
        "https://github.com/spf13/cobra",
    ]


async def test_one_source_down_does_not_fail_the_scan(
    fake: FakeServer, http: HttpClient, settings: Settings, cache: FundingCache
) -> None:
    """PyPI failing marks its packages unknown with the reason; npm's still resolve;
    the failure is not cached and is retried on the next run."""
    serve_npm(fake, "follow-redirects")
    fake.add("GET", "/pypi/pypi/requests/json", status=503, times=4)
    fake.add("GET", "/npm/nope/latest", status=404)
    r = resolver(settings, http, cache)
    results = await r.resolve(
        [q("npm", "follow-redirects"), q("pypi", "requests"), q("npm", "nope")]
    )
    assert results[("pypi", "requests")].unknown_reason == "pypi: HTTP 503 after 4 attempts"
    assert results[("npm", "nope")].unknown_reason == "not found on npm"
    assert results[("npm", "follow-redirects")].channels[0].platform == "github"
    assert r.stats.failed == 1
    fake.reset()
    serve_pypi(fake, "requests")
    again = await r.resolve([q("npm", "follow-redirects"), q("pypi", "requests"), q("npm", "nope")])
    assert fake.count() == 1
    assert again[("pypi", "requests")].repository == "https://github.com/psf/requests"


async def test_a_crashing_source_is_contained(
    fake: FakeServer, http: HttpClient, settings: Settings, cache: FundingCache
) -> None:
    """A source that raises marks its own packages failed; stage 2 still runs for the rest."""

    class Broken:
        NAME = "broken"
        ECOSYSTEMS = frozenset({"cargo"})

        def __init__(self, http: HttpClient, settings: Settings) -> None:
            pass

        async def lookup(self, queries: Sequence[PackageQuery]) -> dict[PackageKey, Finding]:
            raise RuntimeError("bug")

    github = FakeGitHub()
    r = Resolver(
        settings,
        http,
        cache,
        github_token="t",
        sources=(Broken,),
        github=lambda *_: github,
    )
    results = await r.resolve([q("cargo", "serde"), q("github-actions", "actions/cache")])
    assert results[("cargo", "serde")].unknown_reason == "broken: failed (RuntimeError)"
    assert [s.name for s in github.seen] == ["actions/cache"]


async def test_warm_rerun_makes_no_request(
    fake: FakeServer, http: HttpClient, settings: Settings, clock: Clock
) -> None:
    """A second run of the same scan, with a fresh process (new cache object, same SQLite
    file), answers everything from the cache: no registry and no GitHub request."""
    serve_npm(fake, "@babel/core")
    serve_pypi(fake, "flask")
    fake.add("GET", "/npm/missing/latest", status=404)
    queries = [q("npm", "@babel/core"), q("pypi", "flask"), q("npm", "missing")]
    first_cache = await FundingCache.own(settings, clock=clock)
    first = await resolver(settings, http, first_cache).resolve(queries)
    await first_cache.close()
    requests_before = fake.count()
    github = FakeGitHub()
    second_cache = await FundingCache.own(settings, clock=clock)
    r = resolver(settings, http, second_cache, github)
    second = await r.resolve(queries)
    await second_cache.close()
    assert fake.count() == requests_before == 3
    assert github.seen == []
    assert second == first
    assert (r.stats.cache_hits, r.stats.cache_misses) == (3, 0)
    assert sum(r.stats.requests_by_source.values()) == 0


async def test_offline(
    fake: FakeServer, http: HttpClient, settings: Settings, cache: FundingCache
) -> None:
    """Offline answers from the cache only, never requests, and says what it did not know."""
    serve_npm(fake, "chalk")
    await resolver(settings, http, cache).resolve([q("npm", "chalk")])
    fake.reset()
    r = resolver(settings, http, cache, offline=True)
    results = await r.resolve([q("npm", "chalk"), q("pypi", "flask"), q("go", "github.com/a/b")])
    assert fake.count() == 0
    assert results[("npm", "chalk")].repository == "https://github.com/chalk/chalk"
    assert results[("pypi", "flask")].unknown_reason == OFFLINE_REASON
    assert results[("go", "github.com/a/b")].repository == "https://github.com/a/b"


async def test_ttl_expiry(
    fake: FakeServer, http: HttpClient, settings: Settings, cache: FundingCache, clock: Clock
) -> None:
    """Not-found results expire after 6 h, found ones after 24 h; then they are refetched."""
    serve_npm(fake, "follow-redirects", times=2)
    fake.add("GET", "/npm/nope/latest", status=404, times=3)
    queries = [q("npm", "follow-redirects"), q("npm", "nope")]
    r = resolver(settings, http, cache)
    await r.resolve(queries)
    assert fake.count() == 2
    clock.now += settings.cache_ttl_not_found + 1
    await r.resolve(queries)
    assert [x.path for x in fake.requests[2:]] == ["/npm/nope/latest"]
    clock.now += settings.cache_ttl_found
    await r.resolve(queries)
    assert fake.count() == 5


async def test_conditional_request_reuses_document_on_304(
    fake: FakeServer, http: HttpClient, settings: Settings, cache: FundingCache, clock: Clock
) -> None:
    """A refresh sends the stored ETag and Last-Modified; a 304 reuses the stored document."""
    body = fixture("npm/follow-redirects.json")
    validators = {"ETag": 'W/"abc"', "Last-Modified": "Wed, 21 Oct 2026 07:28:00 GMT"}
    fake.add("GET", "/npm/follow-redirects/latest", body=body, headers=validators)
    seen: list[Recorded] = []

    def not_modified(request: Recorded) -> Reply:
        seen.append(request)
        return Reply(304)

    fake.add("GET", "/npm/follow-redirects/latest", handler=not_modified)
    r = resolver(settings, http, cache)
    first = await r.resolve([q("npm", "follow-redirects")])
    clock.now += settings.cache_ttl_found + 1
    second = await r.resolve([q("npm", "follow-redirects")])
    assert seen[0].headers["If-None-Match"] == 'W/"abc"'
    assert seen[0].headers["If-Modified-Since"] == validators["Last-Modified"]
    key = ("npm", "follow-redirects")
    assert second[key].channels == first[key].channels
    assert second[key].checked_at == clock.now
    assert r.stats.revalidated == 1


async def test_no_token_skips_github_once(
    fake: FakeServer, http: HttpClient, settings: Settings, cache: FundingCache
) -> None:
    """Without a token stage 2 is skipped with one note; registry channels are kept;
    a later run with a token does ask GitHub."""
    serve_npm(fake, "@babel/core")
    serve_npm(fake, "debug")
    r = resolver(settings, http, cache, token=None)
    results = await r.resolve([q("npm", "@babel/core"), q("npm", "debug")])
    assert results[("npm", "@babel/core")].channels == (OC_BABEL,)
    assert results[("npm", "debug")].unknown_reason == NO_TOKEN_REASON
    assert r.stats.notes == [NO_TOKEN_NOTE]
    github = FakeGitHub({"https://github.com/debug-js/debug": Finding(channels=(SPONSORS_BABEL,))})
    serve_npm(fake, "debug")
    with_token = await resolver(settings, http, cache, github).resolve([q("npm", "debug")])
    assert with_token[("npm", "debug")].channels == (SPONSORS_BABEL,)


async def test_progress_reaches_total(
    fake: FakeServer, http: HttpClient, settings: Settings, cache: FundingCache
) -> None:
    """The progress callback ends at (total, total) and never goes backwards."""
    serve_npm(fake, "debug")
    serve_pypi(fake, "requests")
    calls: list[tuple[int, int]] = []
    r = resolver(settings, http, cache, progress=lambda d, t: calls.append((d, t)))
    await r.resolve([q("npm", "debug"), q("pypi", "requests"), q("github-actions", "a/b")])
    assert calls[-1] == (3, 3)
    assert calls.count((3, 3)) >= 2  # registries done, then everything done
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


async def test_progress_moves_per_package_and_names_the_hosts_still_answering(
    fake: FakeServer, http: HttpClient, settings: Settings, cache: FundingCache
) -> None:
    """Each package's answer moves the bar; `waiting` names the registries still answering."""
    for name in ("chalk", "debug", "axios"):
        serve_npm(fake, name)
    serve_pypi(fake, "requests")
    done: list[int] = []
    waiting: list[tuple[str, ...]] = []
    r = resolver(
        settings, http, cache, progress=lambda d, t: done.append(d), waiting=waiting.append
    )
    await r.resolve([q("npm", n) for n in ("chalk", "debug", "axios")] + [q("pypi", "requests")])
    assert {1, 2, 3, 4} <= set(done)  # one step per package, not one per registry
    assert ("npm", "pypi") in waiting
    assert waiting[-1] == ()


async def test_resolve_dependencies_end_to_end(
    fake: FakeServer, settings: Settings, tmp_path: Path
) -> None:
    """The entry point skips skip_reason dependencies, uses the persistent cache and closes."""
    serve_npm(fake, "chalk")
    deps = [
        Dependency("npm", "chalk", "5.3.0", "runtime", True, "package.json"),
        Dependency("npm", "chalk", "5.0.0", "dev", False, "a/package.json"),
        Dependency("npm", "local-thing", None, "runtime", True, "package.json", "path"),
    ]
    results, stats = await resolve_dependencies(deps, settings)
    assert list(results) == [("npm", "chalk")]
    assert (stats.packages, stats.skipped) == (1, 1)
    assert stats.notes == [NO_TOKEN_NOTE]
    again, stats = await resolve_dependencies(deps, settings, offline=True)
    assert again == results
    assert fake.count() == 1


async def test_with_the_real_github_source(
    fake: FakeServer, http: HttpClient, settings: Settings, cache: FundingCache
) -> None:
    """Registries then the real GraphQL source on its fake: one query for every repository,
    links merged and deduplicated, a missing repository tolerated, the warm rerun silent."""
    graphql = FakeGitHubGraphQL("gh-token").install(fake)
    graphql.add(
        FakeRepo(
            "babel",
            "babel",
            "Organization",
            has_sponsors_listing=True,
            funding_links=[("OPEN_COLLECTIVE", "https://opencollective.com/babel")],
        ),
        FakeRepo("chalk", "chalk", funding_links=[("GITHUB", "https://github.com/chalk")]),
    )
    serve_npm(fake, "@babel/core")
    serve_npm(fake, "chalk")
    queries = [q("npm", "@babel/core"), q("npm", "chalk"), q("github-actions", "gone/away")]
    r = Resolver(settings, http, cache, github_token="gh-token", sources=(NpmSource,))
    results = await r.resolve(queries)
    assert graphql.calls == 1
    babel = results[("npm", "@babel/core")]
    assert [(c.url, c.found_via) for c in babel.channels] == [
        ("https://opencollective.com/babel", "npm:funding"),
        ("https://github.com/sponsors/babel", "github:sponsors_listing"),
    ]
    assert [c.url for c in results[("npm", "chalk")].channels] == [
        "https://github.com/sponsors/chalk"
    ]
    assert results[("github-actions", "gone/away")].channels == ()
    assert r.stats.requests_by_source["github"] == 1
    before = fake.count()
    await Resolver(settings, http, cache, github_token="gh-token").resolve(queries)
    assert fake.count() == before
