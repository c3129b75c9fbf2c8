"""The App's behaviour end to end: pushes, installs and removals, config, developers, closed
issues, concurrency, metrics and the home page; signed deliveries, the fake GitHub asserted."""

from __future__ import annotations

import asyncio
import html
import json
from pathlib import Path
from typing import Any

import pytest

from fundbot.render.data_block import marker, parse_data_block
from tests.app.harness import (
    SHOP_REQUIREMENTS,
    AppUnderTest,
    acme,
    app_under_test,
    push_payload,
    repositories_payload,
    serve_registry_fixtures,
)
from tests.fakes.github import FakeGitHub, Repo
from tests.fakes.server import FakeServer

SHOP = "acme/shop"
PLAN = "acme/.github"
REQS = "api/requirements.txt"
DEFAULT_TITLE = "Funding the open source this repository uses"


def org(org_config: str | None = "developers: 5\n", *extra: Repo) -> FakeGitHub:
    """The acme organisation (with this org-level config) plus extra repositories."""
    github = FakeGitHub()
    repos = acme()
    repos[1].files = {".github/fundbot.yml": org_config} if org_config else {}
    github.add_installation(7, "acme", [*repos, *extra])
    return github


def body(github: FakeGitHub, repo: str) -> str:
    issues = github.bot_issues(repo)
    assert len(issues) == 1, [i.body.splitlines()[0] for i in issues]
    return issues[0].body


def data(github: FakeGitHub, repo: str) -> dict[str, Any]:
    found = parse_data_block(body(github, repo))
    assert found is not None
    return found


def recipients(github: FakeGitHub, repo: str) -> set[str]:
    return {str(line["recipient"]) for line in data(github, repo)["lines"]}


# -- 1. pushes ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("branch", "paths", "rescans"),
    [
        ("main", (REQS,), True),
        ("main", ("README.md", "docs/guide.md"), False),
        ("feature", (REQS,), False),
    ],
    ids=["dependency-file-on-default-branch", "no-dependency-file", "other-branch"],
)
async def test_push_rescans_only_dependency_changes_on_the_default_branch(
    fake: FakeServer, tmp_path: Path, branch: str, paths: tuple[str, ...], rescans: bool
) -> None:
    """A default-branch push touching a dependency file edits the issue in place; others cost
    no GitHub request at all."""
    github = org()
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
        number = github.bot_issues(SHOP)[0].number
        github.repo(SHOP).files[REQS] = SHOP_REQUIREMENTS + "django==5.0\n"
        sent = github.count()
        status = await app.deliver("push", push_payload(SHOP, branch=branch, modified=paths))
        assert status == (202 if rescans else 200)
        await app.settle()
    assert [i.number for i in github.bot_issues(SHOP)] == [number]
    assert ("pypi:django" in body(github, SHOP)) is rescans
    if rescans:
        assert github.count("PATCH", f"/repos/{SHOP}/issues/{number}") == 1
        assert github.count("POST", "/issues") == 2  # the two from the install, no more
    else:
        assert github.count() == sent


async def test_full_rescan_finds_a_change_whose_push_was_lost(
    fake: FakeServer, tmp_path: Path
) -> None:
    """A rescan skips the trees of repositories not pushed to since (by `pushed_at`), and
    still finds the one that changed while its push event was lost."""
    github = org()
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
        github.repo(SHOP).files[REQS] = SHOP_REQUIREMENTS + "django==5.0\n"
        trees = github.count("GET", "/git/trees/")
        await app.install()
        assert github.count("GET", "/git/trees/") == trees + 1  # the shop's alone
    assert "pypi:django" in body(github, SHOP)


async def test_push_changing_the_org_config_updates_every_issue(
    fake: FakeServer, tmp_path: Path
) -> None:
    """A push to the `.github` repository's settings re-plans the organisation: the plan
    and every repository issue show the new budget, edited in place."""
    github = org("developers: 5\n")
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
        numbers = [github.bot_issues(r)[0].number for r in (SHOP, PLAN)]
        github.repo(PLAN).files[".github/fundbot.yml"] = "developers: 10\n"
        push = push_payload(PLAN, modified=(".github/fundbot.yml",))
        assert await app.deliver("push", push) == 202
        await app.settle()
    assert [github.bot_issues(r)[0].number for r in (SHOP, PLAN)] == numbers
    assert data(github, PLAN)["budget"] == 20_000
    assert data(github, SHOP)["organisation_budget"] == 20_000


# -- 2. installation and repository removal, repository added ----------------------------------
async def test_uninstall_removes_the_installation_from_the_store(
    fake: FakeServer, tmp_path: Path
) -> None:
    """`installation deleted` forgets scans, issue numbers and the developer estimate."""
    github = org(None)
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
        store = app.started.context.store
        assert await store.scans(7)
        assert await store.developers(7) is not None
        sent = github.count()
        deleted = app.installation_payload(action="deleted")
        assert await app.deliver("installation", deleted) == 202
        await app.settle()
        assert await store.scans(7) == []
        assert await store.developers(7) is None
        assert await store.installations() == []
        assert await store.issue(SHOP, marker("repository", SHOP)) is None
        assert await store.issue(PLAN, marker("plan", "acme")) is None
        assert github.count() == sent  # forgetting asks GitHub nothing


async def test_removed_repository_is_no_longer_updated_or_counted(
    fake: FakeServer, tmp_path: Path
) -> None:
    """After `installation_repositories removed`, a push to it does nothing and the plan
    issue no longer counts it."""
    github = org()
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
        assert SHOP in body(github, PLAN)
        shop_body = body(github, SHOP)
        github.revoke(7, SHOP)
        removed = repositories_payload("removed", [SHOP])
        assert await app.deliver("installation_repositories", removed) == 202
        await app.settle()
        assert await app.started.context.store.scan(7, SHOP) is None
        assert SHOP not in body(github, PLAN)
        assert recipients(github, PLAN) == set()
        sent = github.count()
        github.repo(SHOP).files[REQS] = "django==5.0\n"
        assert await app.deliver("push", push_payload(SHOP, modified=(REQS,))) == 202
        await app.settle()
        assert github.count() == sent
    assert body(github, SHOP) == shop_body


async def test_added_repository_is_scanned_and_gets_its_issue(
    fake: FakeServer, tmp_path: Path
) -> None:
    """`installation_repositories added` scans the new repository, opens its issue and
    brings it into the plan issue."""
    github = org()
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
        before = recipients(github, PLAN)
        github.grant(7, Repo("acme/api", files={"requirements.txt": "django==5.0\n"}))
        added = repositories_payload("added", ["acme/api"])
        assert await app.deliver("installation_repositories", added) == 202
        await app.settle()
    assert "pypi:django" in body(github, "acme/api")
    assert "acme/api" in body(github, PLAN)
    assert recipients(github, PLAN) == before | {"url:https://www.djangoproject.com/fundraising"}


# -- 3. configuration --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "key", "found", "expected"),
    [
        ("developers: lots\n", "developers", '"lots" (a string)', "a whole number ≥ 1"),
        ("max_share: 3\n", "max_share", "3 (a whole number)", "a number > 0 and ≤ 1"),
        ("colour: blue\n", "colour", "an unknown key", "a known key (one of budget"),
    ],
    ids=["developers-lots", "max-share-3", "unknown-key"],
)
async def test_invalid_config_is_explained_and_the_defaults_apply(
    fake: FakeServer, tmp_path: Path, text: str, key: str, found: str, expected: str
) -> None:
    """An invalid repository config: the issue names file, key, found and expected, and
    the layers below (org file, defaults) apply meanwhile."""
    github = org("developers: 5\nper_developer: 3000\n")
    github.repo(SHOP).files[".github/fundbot.yml"] = "issue_title: Ours\n" + text
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
    text_of = body(github, SHOP)
    rows = [
        html.unescape(line).replace("\\_", "_")
        for line in text_of.splitlines()
        if line.startswith("| acme/")
    ]
    assert len(rows) == 1
    assert rows[0].startswith(f"| acme/shop:.github/fundbot.yml | {key} | {found} | {expected}")
    assert "The configuration has 1 problem" in text_of
    # A bad key spoils only itself: the file's valid title still applies, the bad key falls
    # back to the layers below (the org file, the defaults).
    assert github.bot_issues(SHOP)[0].title == "Ours"
    assert data(github, SHOP)["organisation_budget"] == 15_000


async def test_org_config_and_extends_across_repositories(fake: FakeServer, tmp_path: Path) -> None:
    """The `.github` repository's file applies to every repository; a repository's
    `_extends: policies` layers another repository's file under its own."""
    github = org(
        "developers: 4\nlabels: [oss-funding]\n",
        Repo("acme/policies", files={".github/fundbot.yml": "issue_title: Our open source\n"}),
        Repo(
            "acme/api",
            files={
                "requirements.txt": "django==5.0\n",
                ".github/fundbot.yml": "_extends: policies\nlabels: [pledge]\n",
            },
        ),
    )
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
    assert data(github, PLAN)["developers"]["count"] == 4  # the org file sizes the plan
    shop, api = github.bot_issues(SHOP)[0], github.bot_issues("acme/api")[0]
    assert (shop.title, shop.labels) == (DEFAULT_TITLE, ["oss-funding"])
    assert (api.title, api.labels) == ("Our open source", ["pledge"])  # title via _extends
    assert "problem" not in api.body
    # One read of each settings file per scan, however many layers name it.
    assert github.count("GET", "/repos/acme/policies/contents/") <= 1


# -- 4. developers -----------------------------------------------------------------------------
async def test_developers_are_estimated_from_human_commit_authors_once_per_scan(
    fake: FakeServer, tmp_path: Path
) -> None:
    """Without `developers`, distinct human authors over the repositories (bots excluded),
    counted once per scan and labelled as an estimate."""
    api = Repo(
        "acme/api",
        files={"requirements.txt": "django==5.0\n"},
        authors=[("alice", "User"), ("carol", "User"), ("renovate[bot]", "Bot")],
    )
    github = org(None, api)
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
        # .github, shop and api; the archived repository is not counted.
        assert github.count("GET", "/commits") == 3
        await app.install()  # a rescan the same day reuses the count
        assert github.count("GET", "/commits") == 3
    plan = data(github, PLAN)
    assert plan["developers"]["count"] == 3  # alice, bob, carol
    assert plan["developers"]["source"] == "estimate"
    assert "an estimated 3" in body(github, PLAN)
    assert "an estimated 3" in body(github, SHOP)


# -- 5. repositories left without an issue -----------------------------------------------------
@pytest.mark.parametrize(
    ("org_config", "with_issue", "without_issue"),
    [
        ("developers: 5\n", ["acme/data", "acme/api"], ["acme/web", "acme/wiki"]),
        ("developers: 5\nmin_fundable: 2\n", ["acme/data"], ["acme/api", "acme/web", "acme/wiki"]),
    ],
    ids=["defaults", "min-fundable-2"],
)
async def test_repositories_without_issues_or_without_fundable_dependencies(
    fake: FakeServer,
    tmp_path: Path,
    org_config: str,
    with_issue: list[str],
    without_issue: list[str],
) -> None:
    """Issues disabled: no issue, listed in the plan with the reason; a repository reaching
    fewer than `min_fundable` recipients (default 1) gets no issue."""
    github = org(
        org_config,
        Repo("acme/wiki", files={"requirements.txt": "pytest==8.0\n"}, has_issues=False),
        Repo("acme/web", files={"package.json": '{"dependencies": {"axios": "1", "debug": "4"}}'}),
        Repo("acme/api", files={"requirements.txt": "django==5.0\n"}),
        Repo("acme/data", files={"requirements.txt": "django==5.0\npydantic==2.0\n"}),
    )
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
    for name in with_issue:
        assert len(github.bot_issues(name)) == 1, name
    for name in without_issue:
        assert github.bot_issues(name) == [], name
    assert github.count("POST", "/repos/acme/wiki/") == 0
    assert "acme/wiki — issues disabled" in body(github, PLAN)
    # Its dependencies still count: the organisation uses them.
    assert "url:https://docs.pytest.org/en/stable/sponsor.html" in recipients(github, PLAN)


# -- 6. closed issues, duplicates, concurrency -------------------------------------------------
async def test_closed_issue_stays_closed_until_the_plan_changes_materially(
    fake: FakeServer, tmp_path: Path
) -> None:
    """A person's close is kept through rescans and small changes; a new recipient reopens
    and updates the same issue."""
    github = org()
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
        issue = github.bot_issues(SHOP)[0]
        issue.state, issue.closed_by = "closed", "alice"
        closed_body = issue.body
        await app.install()  # a full rescan, nothing changed
        package = json.loads(github.repo(SHOP).files["package.json"])
        package["dependencies"]["debug"] = "^4"  # no funding: not material
        github.repo(SHOP).files["package.json"] = json.dumps(package)
        await app.deliver("push", push_payload(SHOP, modified=("package.json",)))
        await app.settle()
        assert (issue.state, issue.body) == ("closed", closed_body)
        assert github.count("PATCH", f"/repos/{SHOP}/") == 0
        looked = github.count("GET", f"/repos/{SHOP}/issues")
        await app.install()  # the same plan again: the closed issue is not even looked at
        assert github.count("GET", f"/repos/{SHOP}/issues") == looked
        github.repo(SHOP).files[REQS] = SHOP_REQUIREMENTS + "django==5.0\n"
        await app.deliver("push", push_payload(SHOP, modified=(REQS,)))
        await app.settle()
    assert [i.number for i in github.bot_issues(SHOP)] == [issue.number]
    assert issue.state == "open"
    assert "pypi:django" in issue.body
    assert "npm:debug" in issue.body


async def _burst(app: AppUnderTest, deliveries: list[tuple[str, dict[str, Any]]]) -> None:
    statuses = await asyncio.gather(*(app.deliver(e, p) for e, p in deliveries))
    assert set(statuses) <= {200, 202}
    await app.settle()


@pytest.mark.parametrize("installed_first", [True, False], ids=["installed", "from-scratch"])
async def test_concurrent_events_leave_one_issue_per_scope(
    fake: FakeServer, tmp_path: Path, installed_first: bool
) -> None:
    """Twenty concurrent pushes (with installs and repeats mixed in) end with exactly one
    issue per scope and the latest content."""
    github = org()
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github, workers=4) as app:
        if installed_first:
            await app.install()
        github.repo(SHOP).files[REQS] = SHOP_REQUIREMENTS + "django==5.0\n"
        push = push_payload(SHOP, modified=(REQS,))
        install = app.installation_payload()
        await _burst(app, [("push", push)] * 20 + [("installation", install)] * 3)
        await _burst(app, [("push", push)] * 5)  # repeated events: still one each
    assert "pypi:django" in body(github, SHOP)
    assert "pypi:django" in body(github, PLAN)
    assert github.bot_issues("acme/old") == []
    assert github.count("POST", "/issues") == 2


# -- 9. metrics and the home page --------------------------------------------------------------
async def test_metrics_export_github_requests_and_rate_limit(
    fake: FakeServer, tmp_path: Path
) -> None:
    """/metrics carries GitHub requests by method, the lowest remaining rate limit, scan
    durations and job counts."""
    github = org()
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
        text = await (await app.client.get("/metrics")).text()
        again = await (await app.client.get("/metrics")).text()
    samples = _samples(text)
    rest_gets = sum(1 for m, p, _ in github.requests if m == "GET" and p.startswith("/"))
    assert samples['fundbot_github_requests_total{method="GET"}'] == rest_gets
    rest_posts = github.count("POST") - github.count("POST", "/api/graphql")
    # The sponsorships query goes through the installation's client, so it is counted; the
    # funding lookups' GraphQL goes through the resolver's own HTTP client and is not.
    sponsors = sum("sponsorsActivities" in q for q in github.graphql.queries)
    assert samples['fundbot_github_requests_total{method="POST"}'] == rest_posts + sponsors
    assert samples['fundbot_github_rate_limit_remaining{installation="7"}'] == float(
        github.rate_remaining
    )
    assert samples['fundbot_scan_duration_seconds_count{kind="scan_installation"}'] == 1
    assert samples['fundbot_jobs{state="failed"}'] == 0
    assert _samples(again)['fundbot_github_requests_total{method="GET"}'] == rest_gets


def _samples(text: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            found[name] = float(value)
    return found


async def test_home_page_shows_installations_and_failed_jobs(
    fake: FakeServer, tmp_path: Path
) -> None:
    """The home page counts installations served and jobs that gave up, naming none (it
    is public: job keys and error texts stay in the logs)."""
    github = org()
    github.add_installation(9, "beta", [Repo("beta/app", files={})])
    serve_registry_fixtures(fake)
    # A plain 403 is a permission problem: never retried by the client; the queue gives up.
    github.fail("GET", r"^/installation/repositories$", 403, times=5)
    async with app_under_test(fake, tmp_path, github) as app:
        payload = app.installation_payload(9, account="beta")
        assert await app.deliver("installation", payload) == 202
        await app.settle()
        await app.install()
        page = await (await app.client.get("/")).text()
    assert "Installations served: 1." in page
    assert "failed: 1." in page
    assert "9:*" not in page
    assert "403" not in page
    # Once the App has learnt its own name from GitHub, the page links to its install page.
    assert f'href="{app.github.base_url}/apps/fundbot/installations/new"' in page


# -- unknown is not unfunded (issue 11) -----------------------------------------------------------
async def test_plan_issue_holds_back_the_unchecked_share_and_the_next_run_releases_it(
    fake: FakeServer, tmp_path: Path
) -> None:
    """PyPI fails for flask: the org plan issue says what is held back and lists flask as not
    checked (not as unfunded); the next scan checks it again and releases its share."""
    from tests.fakes.registries import fixture
    from tests.fakes.server import Reply

    down = {"pypi": True}

    def flask(_: object) -> Reply:
        if down["pypi"]:
            return Reply(503)
        return Reply(200, fixture("pypi/flask.json"), {"Content-Type": "application/json"})

    fake.add("GET", "/pypi/pypi/flask/json", handler=flask, times=None)
    github = org()
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
        first = body(github, PLAN)
        assert "**Coverage:** Checked" in first
        assert "held back until 1 package can be checked: pypi unreachable (1)" in first
        unfunded, _, unchecked = first.partition("could not be checked this time (not unfunded)")
        assert "pypi:flask" in unchecked
        assert "pypi:flask" not in unfunded.split("without a known funding channel")[-1]
        down["pypi"] = False
        github.repo(SHOP).files[REQS] = SHOP_REQUIREMENTS + "django==5.0\n"
        await app.deliver("push", push_payload(SHOP, modified=(REQS,)))
        await app.settle()
        second = body(github, PLAN)
    assert "held back" not in second
    assert "pypi:flask" in second
