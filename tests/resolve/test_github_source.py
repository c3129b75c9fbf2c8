"""GitHubSource against the fake GraphQL endpoint: batching, concurrency, errors, renames,
rate limits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from fundbot.model import FundingChannel, FundingPlanOffer
from fundbot.resolve.base import Finding, PackageQuery
from fundbot.resolve.http import HttpClient, Response
from fundbot.resolve.sources.github import (
    BATCH_SIZE,
    VIA_FUNDING_JSON,
    VIA_LINKS,
    VIA_LISTING,
    VIA_OWNER_YML,
    GitHubSource,
    sponsor_button_repository,
)
from fundbot.settings import Settings
from tests.fakes.github_graphql import FakeGitHubGraphQL, FakeRepo
from tests.fakes.server import FakeServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "funding"
TOKEN = "test-token"


@pytest.fixture
def settings(fake: FakeServer, tmp_path: Path) -> Settings:
    return Settings().with_overrides(
        ghe_host=f"127.0.0.1:{fake.port}", ghe_protocol="http", retry_sleep=False, data_dir=tmp_path
    )


@pytest.fixture
async def http(settings: Settings) -> AsyncIterator[HttpClient]:
    async with aiohttp.ClientSession() as session:
        yield HttpClient(session, settings)


@pytest.fixture
def graphql(fake: FakeServer) -> FakeGitHubGraphQL:
    return FakeGitHubGraphQL(TOKEN).install(fake)


def _q(repository: str, name: str | None = None) -> PackageQuery:
    return PackageQuery("npm", name or repository.rsplit("/", 1)[-1], None, repository)


def _gh(handle: str, via: str) -> FundingChannel:
    return FundingChannel("github", f"https://github.com/sponsors/{handle}", handle, via)


async def test_funding_links_and_sponsors_listing(
    http: HttpClient, settings: Settings, graphql: FakeGitHubGraphQL
) -> None:
    """fundingLinks become channels, a listed owner adds its Sponsors page, in one query."""
    graphql.add(
        FakeRepo(
            "Hynek",
            "stamina",
            has_sponsors_listing=True,
            funding_links=[
                ("GITHUB", "https://github.com/hynek"),
                ("TIDELIFT", "https://tidelift.com/funding/github/pypi/stamina"),
                ("CUSTOM", "https://hynek.me/say-thanks/"),
            ],
        ),
        FakeRepo("expressjs", "express", "Organization", has_sponsors_listing=True),
    )
    source = GitHubSource(http, settings, TOKEN)
    found = await source.lookup(
        [_q("https://github.com/hynek/stamina"), _q("https://github.com/expressjs/express")]
    )
    assert found[("npm", "stamina")] == Finding(
        repository="https://github.com/hynek/stamina",
        channels=(
            _gh("hynek", VIA_LINKS),
            FundingChannel(
                "tidelift",
                "https://tidelift.com/funding/github/pypi/stamina",
                "pypi/stamina",
                VIA_LINKS,
            ),
            FundingChannel("custom", "https://hynek.me/say-thanks", None, VIA_LINKS),
        ),
    )
    assert found[("npm", "express")].channels == (_gh("expressjs", VIA_LISTING),)
    assert graphql.calls == 1
    assert "rateLimit { cost remaining resetAt }" in graphql.queries[0]


async def test_many_packages_of_one_repository_share_one_alias(
    http: HttpClient, settings: Settings, graphql: FakeGitHubGraphQL
) -> None:
    """Packages from one monorepo are asked about once and all get the answer."""
    graphql.add(
        FakeRepo(
            "babel",
            "babel",
            funding_links=[("OPEN_COLLECTIVE", "https://opencollective.com/babel")],
        )
    )
    queries = [_q("https://github.com/babel/babel", n) for n in ("@babel/core", "@babel/cli")]
    found = await GitHubSource(http, settings, TOKEN).lookup(queries)
    assert {k: len(v.channels) for k, v in found.items()} == {
        ("npm", "@babel/core"): 1,
        ("npm", "@babel/cli"): 1,
    }
    assert graphql.queries[0].count("repository(") == 2  # the repo and its owner's .github


async def test_250_repositories_take_3_queries(
    http: HttpClient, settings: Settings, graphql: FakeGitHubGraphQL
) -> None:
    """Repositories are sent at most 100 per query: 250 take exactly 3 queries."""
    graphql.add(*(FakeRepo(f"owner{i % 7}", f"repo{i}") for i in range(250)))
    graphql.listed_owners.add("owner3")
    queries = [_q(f"https://github.com/owner{i % 7}/repo{i}") for i in range(250)]
    found = await GitHubSource(http, settings, TOKEN).lookup(queries)
    assert graphql.calls == 3
    assert [q.count('name: ".github"') for q in graphql.queries] == [7, 7, 7]
    # Batches run concurrently, so they may reach the server in any order.
    sizes = sorted(q.count(": repository(") - 7 for q in graphql.queries)
    assert sizes == [50, BATCH_SIZE, BATCH_SIZE]
    assert len(found) == 250
    assert all(f.error is None and not f.not_found for f in found.values())
    listed = [k for k, f in found.items() if f.channels]
    assert len(listed) == len([i for i in range(250) if i % 7 == 3])


async def test_missing_repository_does_not_lose_the_batch(
    http: HttpClient, settings: Settings, graphql: FakeGitHubGraphQL
) -> None:
    """A NOT_FOUND alias becomes not_found; the other aliases of the query keep their data."""
    graphql.add(
        FakeRepo(
            "psf", "requests", funding_links=[("CUSTOM", "https://www.python.org/psf/sponsorship/")]
        )
    )
    found = await GitHubSource(http, settings, TOKEN).lookup(
        [_q("https://github.com/psf/requests"), _q("https://github.com/gone/away")]
    )
    assert found[("npm", "away")] == Finding(not_found=True)
    assert found[("npm", "requests")].channels == (
        FundingChannel("custom", "https://www.python.org/psf/sponsorship", None, VIA_LINKS),
    )
    assert graphql.calls == 1


async def test_forbidden_alias_is_an_error_for_that_repository_only(
    http: HttpClient, settings: Settings, graphql: FakeGitHubGraphQL
) -> None:
    """A FORBIDDEN alias (SAML-protected org) marks that package unknown, not the batch."""
    graphql.add(FakeRepo("a", "open", has_sponsors_listing=True), FakeRepo("saml", "closed"))
    graphql.forbidden.add("saml/closed")
    found = await GitHubSource(http, settings, TOKEN).lookup(
        [_q("https://github.com/a/open"), _q("https://github.com/saml/closed")]
    )
    error = found[("npm", "closed")].error
    assert error is not None
    assert error.startswith("GitHub: Resource protected by organization SAML enforcement.")
    assert found[("npm", "open")].channels == (_gh("a", VIA_LISTING),)


async def test_renamed_repository(
    http: HttpClient, settings: Settings, graphql: FakeGitHubGraphQL
) -> None:
    """A renamed repository answers under its new nameWithOwner, which becomes the repository."""
    graphql.add(
        FakeRepo("Kludex", "starlette", funding_links=[("GITHUB", "https://github.com/Kludex")])
    )
    graphql.rename("encode/starlette", "Kludex/starlette")
    found = await GitHubSource(http, settings, TOKEN).lookup(
        [_q("https://github.com/encode/starlette")]
    )
    assert found[("npm", "starlette")] == Finding(
        repository="https://github.com/kludex/starlette", channels=(_gh("kludex", VIA_LINKS),)
    )


OWNER_YML = "github: [acme-dev]\nopen_collective: acme\n"


@pytest.mark.parametrize(
    ("graphql_applied", "path"),
    [
        (False, ".github/FUNDING.yml"),
        (False, "FUNDING.yml"),
        (True, ".github/FUNDING.yml"),
    ],
)
async def test_owner_default_funding_yml_applied_once(
    http: HttpClient,
    settings: Settings,
    graphql: FakeGitHubGraphQL,
    graphql_applied: bool,
    path: str,
) -> None:
    """The owner's default FUNDING.yml gives the same channels, once, applied or not by GraphQL."""
    applied = [
        ("GITHUB", "https://github.com/acme-dev"),
        ("OPEN_COLLECTIVE", "https://opencollective.com/acme"),
    ]
    graphql.add(
        FakeRepo("acme", ".github", "Organization", files={path: OWNER_YML}),
        FakeRepo(
            "acme", "widget", "Organization", funding_links=applied if graphql_applied else []
        ),
        FakeRepo(
            "acme", "gadget", "Organization", funding_links=[("KO_FI", "https://ko-fi.com/gadget")]
        ),
    )
    found = await GitHubSource(http, settings, TOKEN).lookup(
        [_q("https://github.com/acme/widget"), _q("https://github.com/acme/gadget")]
    )
    widget = found[("npm", "widget")].channels
    assert [c.url for c in widget] == [
        "https://github.com/sponsors/acme-dev",
        "https://opencollective.com/acme",
    ]
    assert {c.found_via for c in widget} == {VIA_LINKS if graphql_applied else VIA_OWNER_YML}
    # A repository with links of its own does not inherit the default.
    assert [c.platform for c in found[("npm", "gadget")].channels] == ["ko_fi"]


async def test_owner_default_prefers_dot_github_folder(
    http: HttpClient, settings: Settings, graphql: FakeGitHubGraphQL
) -> None:
    """In the owner's .github repository, .github/FUNDING.yml wins over the root file."""
    graphql.add(
        FakeRepo(
            "acme",
            ".github",
            files={".github/FUNDING.yml": "ko_fi: inner\n", "FUNDING.yml": "ko_fi: root\n"},
        ),
        FakeRepo("acme", "widget"),
    )
    found = await GitHubSource(http, settings, TOKEN).lookup([_q("https://github.com/acme/widget")])
    assert [c.handle for c in found[("npm", "widget")].channels] == ["inner"]


async def test_funding_json_channels_and_plans(
    http: HttpClient, settings: Settings, graphql: FakeGitHubGraphQL
) -> None:
    """A funding.json at the repository root adds its channels and its plans (asking amounts)."""
    manifest = (FIXTURES / "funding.json" / "AerynOS-os-tools.json").read_text()
    graphql.add(
        FakeRepo(
            "AerynOS",
            "os-tools",
            "Organization",
            funding_links=[("GITHUB", "https://github.com/ikeycode")],
            files={"funding.json": manifest},
        )
    )
    found = await GitHubSource(http, settings, TOKEN).lookup(
        [_q("https://github.com/aerynos/os-tools")]
    )
    finding = found[("npm", "os-tools")]
    assert finding.channels == (
        _gh("ikeycode", VIA_LINKS),
        FundingChannel("ko_fi", "https://ko-fi.com/AerynOS", "AerynOS", VIA_FUNDING_JSON),
    )
    assert finding.offers == (
        FundingPlanOffer(
            "Monthly developer funding",
            3000.0,
            "GBP",
            "monthly",
            ("https://github.com/sponsors/ikeycode", "https://ko-fi.com/AerynOS"),
        ),
    )


async def test_broken_funding_json_is_ignored(
    http: HttpClient, settings: Settings, graphql: FakeGitHubGraphQL
) -> None:
    """A funding.json that is a symlink stub or another format adds nothing and breaks nothing."""
    odd = (FIXTURES / "funding.json" / "AmruthPillai-Reactive-Resume.symlink-odd.json").read_text()
    graphql.add(
        FakeRepo(
            "a", "b", files={"funding.json": odd}, funding_links=[("KO_FI", "https://ko-fi.com/x")]
        )
    )
    found = await GitHubSource(http, settings, TOKEN).lookup([_q("https://github.com/a/b")])
    assert found[("npm", "b")] == Finding(
        repository="https://github.com/a/b",
        channels=(FundingChannel("ko_fi", "https://ko-fi.com/x", "x", VIA_LINKS),),
    )


@pytest.mark.parametrize("in_batch", [True, False])
async def test_sponsor_button_link_resolved_through_its_repository(
    http: HttpClient, settings: Settings, graphql: FakeGitHubGraphQL, in_batch: bool
) -> None:
    """`github.com/o/r?sponsor=1` is replaced by o/r's channels, asked in the batch or after it."""
    graphql.add(
        FakeRepo(
            "sindresorhus",
            "got",
            funding_links=[("CUSTOM", "https://github.com/sindresorhus/ky?sponsor=1")],
        ),
        FakeRepo(
            "sindresorhus", "ky", funding_links=[("GITHUB", "https://github.com/sindresorhus")]
        ),
    )
    queries = [_q("https://github.com/sindresorhus/got")]
    if in_batch:
        queries.append(_q("https://github.com/sindresorhus/ky"))
    found = await GitHubSource(http, settings, TOKEN).lookup(queries)
    assert found[("npm", "got")].channels == (_gh("sindresorhus", VIA_LINKS),)
    assert graphql.calls == (1 if in_batch else 2)


async def test_sponsor_button_to_itself_is_kept(
    http: HttpClient, settings: Settings, graphql: FakeGitHubGraphQL
) -> None:
    """A Sponsor-button link to a repository with nothing else stays as the custom link."""
    link = "https://github.com/a/b?sponsor=1"
    graphql.add(FakeRepo("a", "b", funding_links=[("CUSTOM", link)]))
    found = await GitHubSource(http, settings, TOKEN).lookup([_q("https://github.com/a/b")])
    assert found[("npm", "b")].channels == (FundingChannel("custom", link, None, VIA_LINKS),)
    assert graphql.calls == 1


@pytest.mark.parametrize(
    ("url", "repo"),
    [
        ("https://github.com/sindresorhus/got?sponsor=1", ("sindresorhus", "got")),
        ("https://github.com/Sindresorhus/Got?sponsor", ("sindresorhus", "got")),
        ("https://github.com/sindresorhus/got", None),
        ("https://github.com/sponsors/sindresorhus?sponsor=1", None),
        ("https://example.org/a/b?sponsor=1", None),
    ],
)
def test_sponsor_button_repository(url: str, repo: tuple[str, str] | None) -> None:
    """Only github.com repository URLs carrying `sponsor` are Sponsor-button links."""
    assert sponsor_button_repository(url) == repo


async def test_rate_limit_stops_and_marks_the_rest(
    http: HttpClient, settings: Settings, fake: FakeServer
) -> None:
    """When remaining points cannot pay for the next query, no query is sent for the rest."""
    graphql = FakeGitHubGraphQL(TOKEN, remaining=2).install(fake)
    graphql.add(*(FakeRepo("o", f"r{i}", has_sponsors_listing=True) for i in range(250)))
    found = await GitHubSource(http, settings, TOKEN).lookup(
        [_q(f"https://github.com/o/r{i}") for i in range(250)]
    )
    assert graphql.calls == 2
    stopped = [f for f in found.values() if f.error]
    assert len(stopped) == 50
    assert {f.error for f in stopped} == {
        "GitHub rate limit reached, resets at 2026-11-28T05:00:00Z"
    }
    assert sum(1 for f in found.values() if f.channels) == 200


async def test_rate_limited_answer_marks_every_package(
    http: HttpClient, settings: Settings, fake: FakeServer
) -> None:
    """A RATE_LIMITED answer marks the batch and stops further queries."""
    graphql = FakeGitHubGraphQL(TOKEN, remaining=0).install(fake)
    graphql.add(*(FakeRepo("o", f"r{i}") for i in range(150)))
    found = await GitHubSource(http, settings, TOKEN).lookup(
        [_q(f"https://github.com/o/r{i}") for i in range(150)]
    )
    assert graphql.calls == 1
    assert {f.error for f in found.values()} == {"GitHub rate limit reached, resets at unknown"}


async def test_502_then_success(
    http: HttpClient, settings: Settings, graphql: FakeGitHubGraphQL
) -> None:
    """A 502 is retried by HttpClient (no sleeping in tests) and the retry's answer is used."""
    graphql.add(FakeRepo("a", "b", has_sponsors_listing=True))
    graphql.failures = [502]
    found = await GitHubSource(http, settings, TOKEN).lookup([_q("https://github.com/a/b")])
    assert found[("npm", "b")].channels == (_gh("a", VIA_LISTING),)
    assert graphql.calls == 2


async def test_persistent_failure_marks_the_batch_unknown(
    http: HttpClient, settings: Settings, graphql: FakeGitHubGraphQL
) -> None:
    """After the retries, the batch's packages carry the reason; nothing raises."""
    graphql.add(FakeRepo("a", "b"))
    graphql.failures = [502] * (settings.http_retries + 1)
    found = await GitHubSource(http, settings, TOKEN).lookup([_q("https://github.com/a/b")])
    assert found[("npm", "b")].error == "GitHub: HTTP 502 after 4 attempts"


async def test_bad_token(http: HttpClient, settings: Settings, graphql: FakeGitHubGraphQL) -> None:
    """A rejected token marks the packages unknown with a reason a person can act on."""
    found = await GitHubSource(http, settings, "wrong").lookup([_q("https://github.com/a/b")])
    error = found[("npm", "b")].error
    assert error is not None
    assert "token rejected" in error


async def test_non_github_repositories_are_not_asked(
    http: HttpClient, settings: Settings, graphql: FakeGitHubGraphQL
) -> None:
    """Packages without a github.com repository get no answer and cost no query."""
    found = await GitHubSource(http, settings, TOKEN).lookup(
        [_q("https://gitlab.com/a/b"), PackageQuery("npm", "x")]
    )
    assert found == {}
    assert graphql.calls == 0


# -- concurrency ---------------------------------------------------------------------------
@dataclass
class CountingHttp(HttpClient):
    """An HttpClient that records how many GraphQL requests are in flight at each start."""

    in_flight: int = 0
    at_start: list[int] = field(default_factory=list)

    async def post_json(
        self, url: str, payload: Any, *, headers: Mapping[str, str] | None = None
    ) -> Response:
        self.in_flight += 1
        self.at_start.append(self.in_flight)
        try:
            return await super().post_json(url, payload, headers=headers)
        finally:
            self.in_flight -= 1


@pytest.fixture
def slow() -> Iterator[FakeServer]:
    """A strict fake that answers every request after 30 ms, as a distant GitHub would."""
    server = FakeServer(latency=0.03).start()
    try:
        yield server
        server.check()
    finally:
        server.stop()


@pytest.fixture
async def counting(slow: FakeServer, tmp_path: Path) -> AsyncIterator[CountingHttp]:
    settings = Settings().with_overrides(
        ghe_host=f"127.0.0.1:{slow.port}", ghe_protocol="http", retry_sleep=False, data_dir=tmp_path
    )
    async with aiohttp.ClientSession() as session:
        yield CountingHttp(session, settings)


@pytest.mark.parametrize("concurrency", [1, 2, 3])
async def test_batches_run_concurrently(
    slow: FakeServer, counting: CountingHttp, concurrency: int
) -> None:
    """Up to `concurrency` batches are in flight at once, after a first one alone has told
    the rate limit; the query count stays ceil(repositories / 100)."""
    graphql = FakeGitHubGraphQL(TOKEN).install(slow)
    graphql.add(*(FakeRepo("o", f"r{i}", has_sponsors_listing=True) for i in range(550)))
    source = GitHubSource(counting, counting.settings, TOKEN, concurrency=concurrency)
    found = await source.lookup([_q(f"https://github.com/o/r{i}") for i in range(550)])
    assert graphql.calls == 6
    assert counting.at_start[0] == 1
    assert max(counting.at_start) == concurrency
    assert all(f.channels == (_gh("o", VIA_LISTING),) for f in found.values())
    assert len(found) == 550


@pytest.mark.parametrize("concurrency", [1, 3, 8])
async def test_rate_limit_respected_under_concurrency(
    slow: FakeServer, counting: CountingHttp, concurrency: int
) -> None:
    """With 4 points left and 10 batches, exactly 4 queries go out whatever the concurrency
    (queries in flight are reserved against the budget), none is refused, the rest marked."""
    graphql = FakeGitHubGraphQL(TOKEN, remaining=4).install(slow)
    graphql.add(*(FakeRepo("o", f"r{i}", has_sponsors_listing=True) for i in range(1000)))
    source = GitHubSource(counting, counting.settings, TOKEN, concurrency=concurrency)
    found = await source.lookup([_q(f"https://github.com/o/r{i}") for i in range(1000)])
    assert graphql.calls == 4
    assert graphql.remaining == 0  # spent exactly, never answered RATE_LIMITED
    assert max(counting.at_start) == min(concurrency, 3)
    stopped = [f for f in found.values() if f.error]
    assert len(stopped) == 600
    assert {f.error for f in stopped} == {
        "GitHub rate limit reached, resets at 2026-11-28T05:00:00Z"
    }
    assert sum(1 for f in found.values() if f.channels) == 400


@pytest.mark.parametrize(
    ("answers", "remaining"),
    [
        # Out of order within one window: the lowest count is the true one.
        ([(10, "T1"), (12, "T1"), (11, "T1")], 10),
        # A new window starts afresh.
        ([(3, "T1"), (4999, "T2")], 4999),
        ([(7, None), (9, None)], 7),
    ],
)
def test_rate_limit_read_from_concurrent_answers(
    http: HttpClient, settings: Settings, answers: list[tuple[int, str | None]], remaining: int
) -> None:
    """`remaining` never goes up within a window because an older answer arrived late."""
    source = GitHubSource(http, settings, TOKEN)
    for count, window in answers:
        rate: dict[str, Any] = {"cost": 1, "remaining": count}
        if window is not None:
            rate["resetAt"] = window
        source._read_rate_limit({"data": {"rateLimit": rate}})
    assert source.remaining == remaining
