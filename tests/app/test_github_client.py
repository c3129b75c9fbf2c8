"""The GitHub client's citizenship: token caching, per-installation ETag caches and 304s,
`Link` pagination, rate-limit headers and the retry rule."""

from __future__ import annotations

import asyncio
import http
from pathlib import Path

import aiohttp
import pytest
from gidgethub import BadRequest, GitHubBroken

from fundbot.github.auth import REFRESH_MARGIN, AppAuth
from fundbot.github.client import GitHubClient, Pacing, retry_delay
from fundbot.github.factory import GitHubFactory
from fundbot.settings import Secret, Settings
from tests.app.harness import acme, app_under_test, push_payload, serve_registry_fixtures
from tests.fakes.github import FakeGitHub, Repo, app_key
from tests.fakes.server import FakeServer

EXPIRES = "2030-01-01T00:00:00Z"
EXPIRES_AT = 1893456000.0  # EXPIRES as unix time


class Minter:
    def __init__(self) -> None:
        self.calls: list[int] = []

    async def __call__(self, jwt: str, installation_id: int) -> dict[str, str]:
        await asyncio.sleep(0)  # let concurrent callers pile up on the lock
        self.calls.append(installation_id)
        return {"token": f"ghs_{installation_id}_{len(self.calls)}", "expires_at": EXPIRES}


def auth_with_clock(now: list[float]) -> tuple[AppAuth, Minter]:
    minter = Minter()
    auth = AppAuth(1, Secret(app_key()[0]), minter, clock=lambda: now[0])
    return auth, minter


async def test_installation_token_is_minted_once_until_five_minutes_before_expiry() -> None:
    """Many jobs (some concurrent) share one token; a new one is minted only once the old
    one is within five minutes of expiring."""
    now = [EXPIRES_AT - 3600]
    auth, minter = auth_with_clock(now)
    tokens = await asyncio.gather(*(auth.token(7) for _ in range(20)))
    tokens += [await auth.token(7) for _ in range(20)]
    assert len({t.reveal() for t in tokens}) == 1
    assert minter.calls == [7]
    now[0] = EXPIRES_AT - REFRESH_MARGIN - 1
    assert (await auth.token(7)).reveal() == tokens[0].reveal()
    now[0] = EXPIRES_AT - REFRESH_MARGIN
    assert (await auth.token(7)).reveal() != tokens[0].reveal()
    assert minter.calls == [7, 7]
    await auth.token(8)  # another installation, its own token
    assert minter.calls == [7, 7, 8]


async def test_app_mints_one_token_for_many_jobs(fake: FakeServer, tmp_path: Path) -> None:
    """An install and several pushes: one token minted for the installation."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
        for n in range(3):
            github.repo("acme/shop").files["api/requirements.txt"] = f"flask==3.0.{n}\n"
            push = push_payload("acme/shop", modified=("api/requirements.txt",))
            await app.deliver("push", push)
            await app.settle()
    assert github.count("POST", "/access_tokens") == 1
    assert list(github.tokens.values()) == [7]


async def test_each_installation_has_its_own_etag_cache() -> None:
    """Two installations' clients never share a cache (gidgethub keys it by URL alone)."""
    settings = Settings().with_overrides(app_id=1, private_key=Secret(app_key()[0]))
    now = [EXPIRES_AT - 3600]
    auth, _ = auth_with_clock(now)
    async with aiohttp.ClientSession() as session:
        factory = GitHubFactory(session, settings, auth=auth)
        one, two = await factory.for_installation(7), await factory.for_installation(8)
        assert one._cache is not None
        assert one._cache is not two._cache
        assert await factory.for_installation(7) is one


async def test_two_installations_rescan_with_304s_never_crossing(
    fake: FakeServer, tmp_path: Path
) -> None:
    """Two organisations rescanned: their unchanged lists and trees come back 304 and the
    stored scans are reused; no conditional request carries the other's ETag."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    beta = [Repo("beta/.github"), Repo("beta/shop", files={"requirements.txt": "flask==3\n"})]
    github.add_installation(8, "beta", beta)
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install(7)
        await app.install(8, "beta")
        blobs = github.count("GET", "/git/blobs/")
        await app.install(7)
        await app.install(8, "beta")
        # A push that changed nothing we read: the tree is asked again, and answers 304.
        push = push_payload("beta/shop", installation_id=8, modified=("requirements.txt",))
        await app.deliver("push", push)
        await app.settle()
    lists = [s for m, p, s in github.requests if p == "/installation/repositories"]
    assert lists == [200, 200, 304, 304]
    trees = [(p, s) for m, p, s in github.requests if "/git/trees/" in p]
    assert trees[-1] == ("/repos/beta/shop/git/trees/main", 304)
    assert len(trees) == 5  # acme's two, beta's two, the push's: none on the rescans
    assert github.count("GET", "/git/blobs/") == blobs
    assert github.foreign_etags == []
    assert len(github.bot_issues("beta/shop")) == 1
    assert len(github.bot_issues("acme/shop")) == 1


async def test_repositories_are_paged_through_link(fake: FakeServer, tmp_path: Path) -> None:
    """Seven repositories at two a page: every page is followed and every repository
    scanned."""
    github = FakeGitHub()
    github.per_page_default = github.per_page_max = 2
    extra = [Repo(f"acme/r{n}", files={"requirements.txt": "flask==3\n"}) for n in range(4)]
    github.add_installation(7, "acme", [*acme(), *extra])
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
    assert github.count("GET", "/installation/repositories") == 4
    assert github.count("GET", "/git/trees/") == 6  # all but the archived one
    assert all(len(github.bot_issues(r.full_name)) == 1 for r in extra)


async def test_lowest_remaining_rate_limit_is_read(fake: FakeServer, tmp_path: Path) -> None:
    """`x-ratelimit-remaining` is read from every answer; the lowest is kept."""
    github = FakeGitHub()
    github.rate_remaining = 1000
    github.add_installation(7, "acme", acme())
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
        lowest = app.started.context.github.lowest_remaining()
    assert lowest == {7: github.rate_remaining}
    assert github.rate_remaining < 1000


@pytest.mark.parametrize(
    ("status", "headers", "message", "wait"),
    [
        (403, {"Retry-After": "1"}, "You have exceeded a secondary rate limit", (1.0, 1.0)),
        (403, {}, "You have exceeded a secondary rate limit", (45.0, 60.0)),
        (403, {}, "Resource not accessible by integration", None),
        (429, {}, "", (45.0, 60.0)),
        (429, {"retry-after": "3"}, "", (3.0, 3.0)),
        (502, {}, "", (0.75, 1.0)),
        (404, {}, "", None),
    ],
    ids=[
        "403-retry-after",
        "403-secondary",
        "403-permission",
        "429",
        "429-retry-after",
        "502",
        "404",
    ],
)
def test_retry_delay_follows_github(
    status: int, headers: dict[str, str], message: str, wait: tuple[float, float] | None
) -> None:
    """Waits as GitHub asks (retry-after, a minute for secondary limits, backoff for 5xx);
    a permission 403 or a 404 is not retried."""
    found = retry_delay(status, headers, 1, message)
    if wait is None:
        assert found is None
    else:
        assert found is not None
        assert wait[0] <= found <= wait[1]


class RecordingClient(GitHubClient):
    """Sleeps nothing, but remembers how long it was asked to."""

    slept: list[float]

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


@pytest.mark.parametrize(
    ("method", "error", "retried", "slept"),
    [
        ("GET", BadRequest(http.HTTPStatus(403), headers={"retry-after": "2"}), True, 2.0),
        ("POST", BadRequest(http.HTTPStatus(429), headers={"retry-after": "1"}), True, 1.0),
        ("GET", GitHubBroken(http.HTTPStatus(502)), True, None),
        ("PATCH", GitHubBroken(http.HTTPStatus(503)), True, None),
        ("POST", GitHubBroken(http.HTTPStatus(502)), False, None),
        ("GET", BadRequest(http.HTTPStatus(403), "Resource not accessible"), False, None),
    ],
    ids=["403-wait-2", "post-429", "get-502", "patch-503", "post-502", "403-permission"],
)
async def test_client_waits_as_asked_and_never_reposts_after_a_5xx(
    method: str, error: BadRequest | GitHubBroken, retried: bool, slept: float | None
) -> None:
    """With sleeping on, the client waits what retry-after says; a POST that met a 5xx
    may have landed, so it is left to the job (which looks before it writes)."""
    async with aiohttp.ClientSession() as session:
        client = RecordingClient(session, "t", base_url="http://127.0.0.1:9", pacing=Pacing())
        client.slept = []
        answer = await client.handle_rate_limit_error(
            method=method, url="http://127.0.0.1:9/x", exception=error, attempt=1
        )
    assert answer is retried
    if slept is not None:
        assert client.slept == [slept]
    assert client.requests.retries == ({int(error.status_code): 1} if retried else {})
