"""Registry sponsor buttons (`github.com/o/r?sponsor=1`) through the resolver and real GraphQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from fundbot.model import TO_CONFIRM, FundingChannel, PackageFunding
from fundbot.resolve.base import PackageQuery
from fundbot.resolve.http import HttpClient
from fundbot.resolve.resolver import NO_TOKEN_REASON, Resolver
from fundbot.resolve.sources.npm import NpmSource
from fundbot.resolve.sources.pypi import PyPISource
from fundbot.settings import Settings
from fundbot.storage.funding_cache import FundingCache
from tests.fakes.github_graphql import FakeGitHubGraphQL, FakeRepo
from tests.fakes.registries import serve_npm
from tests.fakes.server import FakeServer

TOKEN = "gh-token"
NPM_BUTTON = "npm:funding (sponsor button)"
LINKS = "github:fundingLinks"
MAIN_LINKS = [
    ("OPEN_COLLECTIVE", "https://opencollective.com/acme"),
    ("GITHUB", "https://github.com/acme-dev"),
]
WIDGET = {
    "name": "@acme/widget",
    "version": "1.0.0",
    "repository": {
        "type": "git",
        "url": "git+https://github.com/acme/monorepo.git",
        "directory": "packages/widget",
    },
    "funding": "https://github.com/acme/main?sponsor=1",
}


def button(repository: str, via: str = NPM_BUTTON) -> FundingChannel:
    return FundingChannel("custom", f"https://github.com/{repository}?sponsor=1", None, via)


def unconfirmed(account: str, via: str = NPM_BUTTON) -> FundingChannel:
    """A button without a token: grouped under the account that owns its repository."""
    return FundingChannel(
        "custom", f"https://github.com/{account}", account, f"{via}; {TO_CONFIRM}"
    )


def acme_main(via: str) -> tuple[FundingChannel, ...]:
    """acme/main's FUNDING.yml channels, as the package that reached them says."""
    return (
        FundingChannel("open_collective", "https://opencollective.com/acme", "acme", via),
        FundingChannel("github", "https://github.com/sponsors/acme-dev", "acme-dev", via),
    )


@pytest.fixture
async def cache(settings: Settings) -> AsyncIterator[FundingCache]:
    cache = await FundingCache.own(settings)
    yield cache
    await cache.close()


async def resolve(
    settings: Settings, http: HttpClient, cache: FundingCache, token: str | None, *names: str
) -> tuple[Resolver, dict[str, PackageFunding]]:
    resolver = Resolver(settings, http, cache, github_token=token, sources=(NpmSource, PyPISource))
    queries = [PackageQuery(*name.split(":", 1)) for name in names]
    results = await resolver.resolve(queries)
    return resolver, {f"{k[0]}:{k[1]}": v for k, v in results.items()}


def serve_widget(fake: FakeServer, times: int = 1) -> None:
    fake.add("GET", "/npm/@acme/widget/latest", json=WIDGET, times=times)


def acme_repos(graphql: FakeGitHubGraphQL, *, main: bool = True) -> None:
    graphql.add(FakeRepo("acme", "monorepo", "Organization"))
    if main:
        graphql.add(FakeRepo("acme", "main", "Organization", funding_links=MAIN_LINKS))


async def test_own_button_without_token_is_kept_as_a_link(
    fake: FakeServer, http: HttpClient, settings: Settings, cache: FundingCache
) -> None:
    """chalk's recorded button, with no token: kept as a custom channel for the chalk
    account, marked to confirm with a token, and the package says GitHub was not asked (so a
    run with a token looks again)."""
    serve_npm(fake, "chalk")
    _, found = await resolve(settings, http, cache, None, "npm:chalk")
    chalk = found["npm:chalk"]
    assert chalk.repository == "https://github.com/chalk/chalk"
    assert chalk.channels == (unconfirmed("chalk"),)
    assert chalk.unknown_reason == NO_TOKEN_REASON


@pytest.mark.parametrize("first_without_token", [False, True])
async def test_own_button_with_token_is_replaced(
    fake: FakeServer,
    http: HttpClient,
    settings: Settings,
    cache: FundingCache,
    first_without_token: bool,
) -> None:
    """With a token, chalk's button gives way to chalk/chalk's fundingLinks, no duplicate
    custom link left; also when a tokenless run cached the button first."""
    serve_npm(fake, "chalk", times=2 if first_without_token else 1)
    graphql = FakeGitHubGraphQL(TOKEN).install(fake)
    graphql.add(
        FakeRepo(
            "chalk",
            "chalk",
            funding_links=[
                ("GITHUB", "https://github.com/sindresorhus"),
                ("GITHUB", "https://github.com/Qix-"),
                # Its FUNDING.yml may name its own button too; that one says nothing new.
                ("CUSTOM", "https://github.com/chalk/chalk?sponsor=1"),
            ],
        )
    )
    if first_without_token:
        await resolve(settings, http, cache, None, "npm:chalk")
    resolver, found = await resolve(settings, http, cache, TOKEN, "npm:chalk")
    assert found["npm:chalk"].channels == (
        FundingChannel("github", "https://github.com/sponsors/sindresorhus", "sindresorhus", LINKS),
        FundingChannel("github", "https://github.com/sponsors/qix-", "qix-", LINKS),
    )
    assert found["npm:chalk"].unknown_reason is None
    assert graphql.calls == 1
    assert resolver.stats.github_repositories == 1


async def test_own_button_leading_nowhere_stays(
    fake: FakeServer, http: HttpClient, settings: Settings, cache: FundingCache
) -> None:
    """A button whose repository lists no funding at all is still the one way to pay shown."""
    serve_npm(fake, "chalk")
    FakeGitHubGraphQL(TOKEN).install(fake).add(FakeRepo("chalk", "chalk"))
    _, found = await resolve(settings, http, cache, TOKEN, "npm:chalk")
    assert found["npm:chalk"].channels == (button("chalk/chalk"),)
    assert found["npm:chalk"].unknown_reason is None


@pytest.mark.parametrize("token", [None, TOKEN])
async def test_button_of_another_repository(
    fake: FakeServer, http: HttpClient, settings: Settings, cache: FundingCache, token: str | None
) -> None:
    """A monorepo package's button for the org's main repository: without a token the acme
    account, to confirm;
    with one, acme/main's channels, asked in the same single query as acme/monorepo."""
    serve_widget(fake)
    graphql = FakeGitHubGraphQL(TOKEN)
    if token:
        acme_repos(graphql.install(fake))
    resolver, found = await resolve(settings, http, cache, token, "npm:@acme/widget")
    widget = found["npm:@acme/widget"]
    assert widget.repository == "https://github.com/acme/monorepo"
    assert resolver.stats.github_repositories == 2
    if token is None:
        assert widget.channels == (unconfirmed("acme"),)
        assert widget.unknown_reason == NO_TOKEN_REASON
        return
    assert widget.channels == acme_main(NPM_BUTTON)
    assert widget.unknown_reason is None
    assert graphql.calls == 1
    assert 'repository(owner: "acme", name: "main")' in graphql.queries[0]


async def test_buttons_from_pypi_and_shared_targets(
    fake: FakeServer, http: HttpClient, settings: Settings, cache: FundingCache
) -> None:
    """A PyPI Project-URL button resolves the same way; a target several packages name,
    and one that is also a package's own repository, is asked about once."""
    serve_widget(fake)
    fake.add(
        "GET",
        "/pypi/pypi/acme-py/json",
        json={
            "info": {
                "name": "acme-py",
                "project_urls": {
                    "Source": "https://github.com/acme/py",
                    "Sponsor": "https://github.com/acme/main?sponsor=1",
                },
            }
        },
    )
    fake.add("GET", "/npm/acme-main/latest", json={"name": "acme-main", "repository": "acme/main"})
    graphql = FakeGitHubGraphQL(TOKEN).install(fake)
    acme_repos(graphql)
    graphql.add(FakeRepo("acme", "py", "Organization"))
    _, found = await resolve(
        settings, http, cache, TOKEN, "npm:@acme/widget", "pypi:acme-py", "npm:acme-main"
    )
    assert found["pypi:acme-py"].channels == acme_main("pypi:project_urls (sponsor button)")
    assert found["npm:@acme/widget"].channels == acme_main(NPM_BUTTON)
    assert found["npm:acme-main"].channels == acme_main(LINKS)
    assert graphql.calls == 1
    assert graphql.queries[0].count('name: "main"') == 1


@pytest.mark.parametrize(
    ("trouble", "reason"),
    [
        ("missing", None),
        ("forbidden", "GitHub: Resource protected by organization SAML enforcement."),
    ],
)
async def test_button_target_that_cannot_be_read(
    fake: FakeServer,
    http: HttpClient,
    settings: Settings,
    cache: FundingCache,
    trouble: str,
    reason: str | None,
) -> None:
    """A button whose repository is gone stays a link; one GitHub refuses to show also
    stays, and the package carries the error (not cached, asked again next run)."""
    serve_widget(fake, times=2 if reason else 1)
    graphql = FakeGitHubGraphQL(TOKEN).install(fake)
    acme_repos(graphql, main=trouble != "missing")
    if trouble == "forbidden":
        graphql.forbidden.add("acme/main")
    _, found = await resolve(settings, http, cache, TOKEN, "npm:@acme/widget")
    widget = found["npm:@acme/widget"]
    assert widget.channels == (button("acme/main"),)
    if reason is None:
        assert widget.unknown_reason is None
    else:
        assert (widget.unknown_reason or "").startswith(reason)
        graphql.forbidden.clear()
        _, again = await resolve(settings, http, cache, TOKEN, "npm:@acme/widget")
        assert again["npm:@acme/widget"].channels == acme_main(NPM_BUTTON)
        assert graphql.calls == 2
