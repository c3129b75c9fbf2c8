"""Pull-request comments end to end: signed deliveries, comments asserted in the fake GitHub."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from gidgethub import sansio

from fundbot.config import default_config
from fundbot.events import decide
from fundbot.github.pulls import PullFile
from fundbot.jobs.pull_requests import (
    added_dependencies,
    describe_additions,
    representatives,
    scan_sides,
)
from fundbot.model import (
    EXCLUSION_KINDS,
    DeveloperCount,
    Exclusion,
    ExclusionKind,
    PackageFunding,
    Plan,
)
from fundbot.pipeline import plan_inputs
from fundbot.plan.build import build_plan
from fundbot.publish.publisher import StateKeeper
from fundbot.render.text import PR_NO_LONGER
from tests.app.harness import SHOP_PACKAGE_JSON, AppUnderTest, acme, app_under_test
from tests.app.webhooks import example
from tests.builders import channel, dep, fund, funding_map
from tests.fakes.github import FakeGitHub, PullRequest, Repo
from tests.fakes.registries import serve_npm, serve_pypi
from tests.fakes.server import FakeServer

SHOP = "acme/shop"
MARKER = "<!-- fundbot:pull-request:acme/shop#{number} -->"


def package_json(**extra: str) -> str:
    """The shop's package.json with extra runtime dependencies."""
    deps = {"chalk": "^5.0.0", "axios": "^1.6.0", **extra}
    return json.dumps({"name": "shop", "dependencies": deps}, indent=2)


def shop_files(**changes: str | None) -> dict[str, str]:
    """The shop's default-branch files with some replaced (None: removed)."""
    files = dict(acme()[0].files)
    for path, text in changes.items():
        if text is None:
            files.pop(path, None)
        else:
            files[path] = text
    return files


def serve_registries(fake: FakeServer) -> None:
    """Every registry document these tests may ask for, any number of times."""
    for name in ("chalk", "axios", "follow-redirects", "babel-core", "debug", "mocha"):
        serve_npm(fake, name, times=None, required=False)
    for name in ("flask", "requests"):
        serve_pypi(fake, name, times=None, required=False)


def pr_payload(pull: PullRequest, action: str = "opened", repo: str = SHOP) -> dict[str, Any]:
    """A real `pull_request` example pointed at our repository, pull request and commits."""
    payload = example("pull_request", action)
    payload["installation"] = {"id": 7, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNw=="}
    payload["repository"]["full_name"] = repo
    payload["repository"]["name"] = repo.split("/")[1]
    payload["number"] = pull.number
    pr = payload["pull_request"]
    pr["number"] = pull.number
    pr["head"]["sha"] = pull.head_sha
    pr["head"]["repo"]["full_name"] = pull.head_repo
    pr["head"]["repo"]["fork"] = pull.head_repo != repo
    pr["base"]["sha"] = pull.base_sha
    return payload


async def installed(app: AppUnderTest) -> None:
    """The org installed and scanned, so stored scans and the plan exist."""
    assert await app.deliver("installation", app.installation_payload()) == 202
    await app.settle()


async def deliver_pr(app: AppUnderTest, pull: PullRequest, action: str = "opened") -> int:
    """Deliver the event and wait; returns how many GitHub requests the job made."""
    before = app.github.count()
    assert await app.deliver("pull_request", pr_payload(pull, action)) == 202
    await app.settle()
    return app.github.count() - before


def only_comment(github: FakeGitHub, number: int) -> str:
    comments = github.bot_comments(SHOP, number)
    assert len(comments) == 1
    body: str = comments[0]["body"]
    assert body.splitlines()[0] == MARKER.format(number=number)
    return body


async def test_comment_is_created_edited_and_reduced_to_one_line(
    fake: FakeServer, tmp_path: Path
) -> None:
    """One comment for a fundable addition, edited by a later push, one line once none is left."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    serve_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        pull = github.open_pull(
            SHOP, shop_files(**{"package.json": package_json(**{"follow-redirects": "^1.15.0"})})
        )
        opened = await deliver_pr(app, pull)
        first = only_comment(github, pull.number)
        github.push_pull(
            SHOP,
            pull.number,
            shop_files(
                **{
                    "package.json": package_json(
                        **{"follow-redirects": "^1.15.0", "babel-core": "^6.26.0"}
                    )
                }
            ),
        )
        pushed = await deliver_pr(app, pull, "synchronize")
        second = only_comment(github, pull.number)
        github.push_pull(SHOP, pull.number, shop_files())
        removed = await deliver_pr(app, pull, "synchronize")
        third = only_comment(github, pull.number)
        again = await deliver_pr(app, pull, "synchronize")
    assert "follow-redirects" in first
    assert "new recipient" in first
    assert "babel-core" not in first
    assert "follow-redirects" in second
    assert "babel-core" in second
    assert third.splitlines()[1] == PR_NO_LONGER
    assert "follow-redirects" not in third.split("<!-- fundbot:data")[0]
    assert github.count("POST", "/comments") == 1
    assert github.count("PATCH", "/issues/comments/") == 2
    # Opened: the file list, package.json at base and head, one GraphQL funding lookup for
    # the new package, the comment list, the comment.
    assert opened == 6
    # A push: the same reads (base now a 304) and lookup, then the edit: the id is remembered.
    assert pushed == 5
    assert removed == 2  # no dependency file differs any more: the file list and the edit
    assert again == 1  # a redelivery: the file list (a 304), nothing else


@pytest.mark.parametrize(
    ("head", "why"),
    [
        (
            shop_files(**{"package.json": package_json(debug="^4.3.0", mocha="^10.0.0")}),
            "no funding",
        ),
        (shop_files(**{"package.json": package_json(chalk="^5.3.0")}), "a version bump"),
        (shop_files(**{"README.md": "# shop, renamed\n"}), "no dependency file"),
        (
            shop_files(**{"tests/e2e/package.json": package_json(**{"follow-redirects": "1"})}),
            "an ignored path",
        ),
        (
            shop_files(**{"package.json": None, "web/package.json": SHOP_PACKAGE_JSON}),
            "a moved manifest",
        ),
    ],
)
async def test_no_fundable_addition_means_no_comment(
    fake: FakeServer, tmp_path: Path, head: dict[str, str], why: str
) -> None:
    """A pull request adding nothing that accepts funding gets no comment (and no write)."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    serve_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        pull = github.open_pull(SHOP, head)
        await deliver_pr(app, pull)
    assert github.bot_comments(SHOP, pull.number) == [], why
    assert github.count("POST", "/comments") == 0


async def test_fork_pull_request_is_read_from_the_base_repository(
    fake: FakeServer, tmp_path: Path
) -> None:
    """A pull request from another owner's fork: files read at its sha from acme/shop only."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    serve_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        head = shop_files(**{"package.json": package_json(**{"follow-redirects": "^1.15.0"})})
        pull = github.open_pull(SHOP, head, head_repo="mallory/shop", user="mallory")
        await deliver_pr(app, pull)
    assert "follow-redirects" in only_comment(github, pull.number)
    assert github.count(contains="mallory") == 0
    assert github.count("GET", "/contents/package.json") == 2


async def test_config_from_the_default_branch_turns_comments_off(
    fake: FakeServer, tmp_path: Path
) -> None:
    """`pull_request_comments: false` on the default branch: no comment, no file read."""
    repos = acme()
    repos[1].files[".github/fundbot.yml"] = "developers: 5\npull_request_comments: false\n"
    github = FakeGitHub()
    github.add_installation(7, "acme", repos)
    serve_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        head = shop_files(**{"package.json": package_json(**{"follow-redirects": "^1.15.0"})})
        # The pull request's own config file says "on": it is never read.
        head[".github/fundbot.yml"] = "pull_request_comments: true\n"
        pull = github.open_pull(SHOP, head)
        requests = await deliver_pr(app, pull)
    assert github.bot_comments(SHOP, pull.number) == []
    assert requests == 0


async def test_existing_recipient_shows_the_change_and_persons_marker_is_not_ours(
    fake: FakeServer, tmp_path: Path
) -> None:
    """An addition reaching a recipient another repository already funds shows before → after;
    a person's comment quoting our marker is left alone and ours is created beside it."""
    repos = acme()
    # No cap, so that the amounts follow the weights rather than all sit at the cap.
    repos[1].files[".github/fundbot.yml"] = "developers: 5\nmax_share: 1\n"
    api_files = {"package.json": json.dumps({"dependencies": {"follow-redirects": "^1.15.0"}})}
    repos.append(Repo("acme/api", files=api_files))
    github = FakeGitHub()
    github.add_installation(7, "acme", repos)
    serve_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        head = shop_files(**{"package.json": package_json(**{"follow-redirects": "^1.15.0"})})
        pull = github.open_pull(SHOP, head)
        quoted = MARKER.format(number=pull.number) + "\nwhat is this?"
        github.add_comment(SHOP, pull.number, quoted, "alice")
        await deliver_pr(app, pull)
    body = only_comment(github, pull.number)
    assert "npm:follow-redirects" in body
    assert "new recipient" not in body
    assert re.search(r"\+\$[\d,]+ a year \(\$[\d,]+ → \$[\d,]+\)", body)
    assert github.repo(SHOP).issues[pull.number].comments[0]["body"] == quoted


async def test_package_already_used_in_the_repository_is_not_an_addition(
    fake: FakeServer, tmp_path: Path
) -> None:
    """chalk added to a second workspace of the shop, which already uses it: no comment."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    serve_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        web = json.dumps({"dependencies": {"chalk": "^5.0.0"}})
        pull = github.open_pull(SHOP, shop_files(**{"web/package.json": web}))
        await deliver_pr(app, pull)
    assert github.bot_comments(SHOP, pull.number) == []


async def test_job_without_shas_asks_for_the_pull_request(fake: FakeServer, tmp_path: Path) -> None:
    """A payload without commit shas: the job reads them from the pull request itself."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    serve_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        head = shop_files(**{"package.json": package_json(**{"follow-redirects": "^1.15.0"})})
        pull = github.open_pull(SHOP, head)
        payload = pr_payload(pull)
        del payload["pull_request"]["head"]["sha"]
        assert await app.deliver("pull_request", payload) == 202
        await app.settle()
    assert "follow-redirects" in only_comment(github, pull.number)
    assert github.count("GET", f"/pulls/{pull.number}") == 2  # the PR, then its files


def _event(payload: dict[str, Any], event: str = "pull_request") -> sansio.Event:
    return sansio.Event(payload, event=event, delivery_id="d-1")


def _pull(number: int = 3) -> PullRequest:
    return PullRequest(number, "a" * 40, "b" * 40, SHOP)


@pytest.mark.parametrize(
    ("action", "changes", "queued"),
    [
        ("opened", None, True),
        ("synchronize", None, True),
        ("reopened", None, True),
        ("edited", {"base": {"ref": {"from": "develop"}}}, True),
        ("edited", {"title": {"from": "WIP"}}, False),
        ("closed", None, False),
        ("labeled", None, False),
    ],
)
async def test_router_queues_only_when_the_additions_may_change(
    action: str, changes: dict[str, Any] | None, queued: bool
) -> None:
    """Opened, pushed, reopened or moved to another base: a job; anything else: none."""
    payload = pr_payload(_pull())
    payload["action"] = action
    if changes is not None:
        payload["changes"] = changes
    jobs = await decide(_event(payload))
    expected = {"number": 3, "head_sha": "b" * 40, "base_sha": "a" * 40}
    assert [(j.kind, j.repository, dict(j.payload)) for j in jobs] == (
        [("pull_request", SHOP, expected)] if queued else []
    )


@pytest.mark.parametrize(
    ("path", "value", "payload"),
    [
        (("installation",), None, None),
        (("pull_request", "number"), "3", None),
        (("pull_request", "number"), True, None),
        (("repository", "full_name"), "no-slash", None),
        (("pull_request", "head", "sha"), "HEAD~1; rm -rf /", {"number": 3}),
        (("pull_request", "base"), None, {"number": 3}),
    ],
)
async def test_router_reads_payloads_defensively(
    path: tuple[str, ...], value: Any, payload: dict[str, Any] | None
) -> None:
    """A malformed payload queues nothing, or a job that asks GitHub for the shas."""
    data = pr_payload(_pull())
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    jobs = await decide(_event(data))
    assert [dict(j.payload) for j in jobs] == ([] if payload is None else [payload])


PYPROJECT = '[tool.poetry.dependencies]\npython = "^3.11"\nflask = "^3.0"\n'
POETRY_LOCK = '[[package]]\nname = "flask"\nversion = "3.0.0"\n'
PYDANTIC_LOCKED = '\n[[package]]\nname = "pydantic"\nversion = "2.7.0"\n'


async def test_lockfile_change_reads_the_unchanged_manifest_once(
    fake: FakeServer, tmp_path: Path
) -> None:
    """A lockfile-only change: its manifest is read once, at head, and the new package is
    transitive (it reaches the plan at the transitive weight)."""
    repos = acme()
    repos[0].files |= {"py/pyproject.toml": PYPROJECT, "py/poetry.lock": POETRY_LOCK}
    github = FakeGitHub()
    github.add_installation(7, "acme", repos)
    serve_registries(fake)
    serve_pypi(fake, "pydantic", times=None, required=False)
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        head = dict(github.repo(SHOP).files)
        head["py/poetry.lock"] = POETRY_LOCK + PYDANTIC_LOCKED
        pull = github.open_pull(SHOP, head)
        await deliver_pr(app, pull)
    assert "pypi:pydantic" in only_comment(github, pull.number)
    assert github.count("GET", "/contents/py/poetry.lock") == 2
    assert github.count("GET", "/contents/py/pyproject.toml") == 1


async def test_file_over_a_megabyte_is_read_through_its_blob(
    fake: FakeServer, tmp_path: Path
) -> None:
    """The contents API leaves big files empty; the blob at that sha is read instead."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    serve_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        deps = {"chalk": "^5.0.0", "axios": "^1.6.0", "follow-redirects": "^1.15.0"}
        big = json.dumps({"name": "shop", "description": "x" * 1_100_000, "dependencies": deps})
        pull = github.open_pull(SHOP, shop_files(**{"package.json": big}))
        blobs = github.count("GET", "/git/blobs/")
        await deliver_pr(app, pull)
    assert "follow-redirects" in only_comment(github, pull.number)
    assert github.count("GET", "/git/blobs/") - blobs == 1


async def test_comment_deleted_by_a_person_is_written_again(
    fake: FakeServer, tmp_path: Path
) -> None:
    """Our remembered comment is gone: the next push with a fundable addition posts anew."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    serve_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        added = {"follow-redirects": "^1.15.0"}
        pull = github.open_pull(SHOP, shop_files(**{"package.json": package_json(**added)}))
        await deliver_pr(app, pull)
        github.repo(SHOP).issues[pull.number].comments.clear()
        added["babel-core"] = "^6.26.0"
        github.push_pull(SHOP, pull.number, shop_files(**{"package.json": package_json(**added)}))
        await deliver_pr(app, pull, "synchronize")
    assert "babel-core" in only_comment(github, pull.number)
    assert github.count("POST", "/comments") == 2


async def test_file_github_refuses_counts_on_neither_side(fake: FakeServer, tmp_path: Path) -> None:
    """A 403 reading one side of a file: the file is left out, the job still completes."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    serve_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        head = shop_files(**{"package.json": package_json(**{"follow-redirects": "^1.15.0"})})
        pull = github.open_pull(SHOP, head)
        github.fail("GET", r"/contents/package\.json$", 403)
        await deliver_pr(app, pull)
        counts = await app.started.context.queue.counts()
    assert github.bot_comments(SHOP, pull.number) == []
    assert counts["failed"] == 0


async def test_long_pull_request_pages_and_a_lost_store_never_duplicate(
    fake: FakeServer, tmp_path: Path
) -> None:
    """Files and comments over several pages; with the store lost, our comment is found on
    its page and edited, never posted twice."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    serve_registries(fake)
    added = {"follow-redirects": "^1.15.0"}
    many = {f"docs/page{i:03}.md": f"page {i}\n" for i in range(120)}
    async with app_under_test(fake, tmp_path / "first", github) as app:
        await installed(app)
        head = shop_files(**{"package.json": package_json(**added)}) | many
        pull = github.open_pull(SHOP, head)
        for i in range(110):
            github.add_comment(SHOP, pull.number, f"comment {i}", "alice")
        await deliver_pr(app, pull)
    assert github.count("GET", f"/pulls/{pull.number}/files") == 2
    async with app_under_test(fake, tmp_path / "second", github) as app:
        await installed(app)
        added["babel-core"] = "^6.26.0"
        github.push_pull(SHOP, pull.number, shop_files(**{"package.json": package_json(**added)}))
        await deliver_pr(app, pull, "synchronize")
    assert "babel-core" in only_comment(github, pull.number)
    assert github.count("POST", "/comments") == 1
    assert github.count("GET", f"/issues/{pull.number}/comments") == 4  # two pages, twice


# -- the pure steps ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "previous", "base", "head"),
    [
        ("added", None, None, "a/package.json"),
        ("modified", None, "a/package.json", "a/package.json"),
        ("removed", None, "a/package.json", None),
        ("renamed", "b/package.json", "b/package.json", "a/package.json"),
        ("copied", "b/package.json", None, "a/package.json"),
    ],
)
def test_pull_file_sides(
    status: str, previous: str | None, base: str | None, head: str | None
) -> None:
    """Where a changed file is at the base and at the head, for each status GitHub lists."""
    changed = PullFile("a/package.json", status, previous)
    assert (changed.base_path, changed.head_path) == (base, head)


def test_lockfile_entries_take_directness_from_the_manifest() -> None:
    """Added lock entries: declared ones are direct, the rest transitive; one line each."""
    base = {"pyproject.toml": PYPROJECT, "poetry.lock": POETRY_LOCK}
    head = {
        "pyproject.toml": PYPROJECT + 'requests = "^2.32"\n',
        "poetry.lock": POETRY_LOCK
        + PYDANTIC_LOCKED.replace("pydantic", "requests")
        + PYDANTIC_LOCKED,
    }
    added = representatives(added_dependencies(scan_sides(base, head)))
    assert [(d.name, d.direct, d.manifest) for d in added] == [
        ("pydantic", False, "poetry.lock"),
        ("requests", True, "poetry.lock"),
    ]


def test_file_broken_on_one_side_adds_nothing() -> None:
    """A manifest unreadable at base and fixed at head: its packages are not all "added"."""
    head = {"package.json": package_json(), "requirements.txt": "flask==3.0.0\n"}
    base = {"package.json": "{not json", "requirements.txt": ""}
    added = added_dependencies(scan_sides(base, head))
    assert [d.name for d in added] == ["flask"]


def _funding(name: str, url: str | None, repository: str | None = None) -> PackageFunding:
    """An npm package paid through `url` (a custom page), or unfunded without one."""
    channels = (channel("custom", url=url),) if url else ()
    return fund(name, *channels, repository=repository)


def test_describe_keeps_only_additions_the_plan_can_fund() -> None:
    """Unfunded and org-owned additions are left out; a funded one shows its amounts."""
    added = [dep(n) for n in ("ours", "plain", "paid")]
    funding = funding_map(
        _funding("ours", "https://acme.example/give", "https://github.com/acme/o"),
        _funding("plain", None),
        _funding("paid", "https://paid.example/give"),
    )
    config = default_config()
    people = DeveloperCount(2, "configured")
    before = build_plan({}, funding, config, people, owner="acme")
    after = build_plan({"acme/shop": added}, funding, config, people, owner="acme")
    result = describe_additions(added, funding, before, after, config)
    assert [(a.package, a.amount_before, a.amount_after) for a in result] == [
        ("npm:paid", None, 4000)
    ]


@pytest.mark.parametrize(
    ("state", "listed"),
    [
        ({}, True),
        ({"excluded": ["github:RubenVerborgh"]}, False),
        ({"exclude": ["npm:follow-*"]}, False),
        ({"funded_elsewhere": ["github:rubenverborgh"]}, True),
    ],
)
async def test_people_s_exclusions_apply_to_the_comment(
    fake: FakeServer, tmp_path: Path, state: dict[str, list[str]], listed: bool
) -> None:
    """A recipient or pattern a person excluded (`/fundbot exclude`) is not offered in a PR."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    serve_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        ctx = app.started.context
        await StateKeeper(ctx.store, ctx.bot_login).save(7, state)
        head = shop_files(**{"package.json": package_json(**{"follow-redirects": "^1.15.0"})})
        pull = github.open_pull(SHOP, head)
        await deliver_pr(app, pull)
    assert len(github.bot_comments(SHOP, pull.number)) == int(listed)


# A reason text that reads like "too little use": only the kind may decide.
MISLEADING = "would get less than `min_amount` (USD 100)"


@pytest.mark.parametrize("kind", EXCLUSION_KINDS)
def test_describe_offers_a_recipient_left_out_only_for_too_little_use(kind: ExclusionKind) -> None:
    """An addition whose recipient the plan left out is offered only for a too-little kind."""
    sponsors = channel("github", "x", "https://github.com/sponsors/x")
    funding = funding_map(fund("x", sponsors))
    plan = Plan(100, 1, "configured", "", 100, "USD", lines=())
    after = replace(plan, excluded=(Exclusion("github:x", MISLEADING, kind),))
    result = describe_additions([dep("x")], funding, plan, after, default_config())
    offered = kind in ("below_minimum", "max_recipients")
    assert [(a.package, a.recipient, a.amount_after) for a in result] == (
        [("npm:x", None, None)] if offered else []
    )


@pytest.mark.parametrize(
    ("state", "exclude", "excluded", "elsewhere"),
    [
        ({}, ("npm:@acme/*",), set(), set()),
        (
            {"exclude": ["npm:b*", "npm:a*"], "excluded": ["github:X"]},
            ("npm:@acme/*", "npm:a*", "npm:b*"),
            {"npm:a*", "npm:b*", "github:X"},
            set(),
        ),
        ({"funded_elsewhere": ["github:y", 3, None]}, ("npm:@acme/*",), set(), {"github:y"}),
        ({"exclude": "npm:*", "excluded": {"a": 1}}, ("npm:@acme/*",), set(), set()),
    ],
)
def test_plan_inputs_apply_the_commands_state(
    state: dict[str, Any], exclude: tuple[str, ...], excluded: set[str], elsewhere: set[str]
) -> None:
    """State patterns join `exclude` (sorted) and the typed ids; malformed entries are ignored."""
    config = replace(default_config(), exclude=("npm:@acme/*",))
    applied, people, paid = plan_inputs(config, state)
    assert (applied.exclude, set(people), set(paid)) == (exclude, excluded, elsewhere)
    assert replace(applied, exclude=config.exclude) == config


@pytest.mark.parametrize(
    ("settings", "listed"),
    [
        ("min_amount: 9000\n", True),
        ("max_recipients: 1\n", True),
        ("exclude: ['npm:follow-*']\n", False),
        ("exclude: ['github:rubenverborgh']\n", False),
    ],
)
async def test_org_rules_decide_what_the_comment_offers(
    fake: FakeServer, tmp_path: Path, settings: str, listed: bool
) -> None:
    """Left out for too little use, an addition is still offered; excluded by a rule, it is not."""
    babel = package_json(**{"babel-core": "^6.26.0"})
    files = {
        "acme/.github": {".github/fundbot.yml": "developers: 5\n" + settings},
        SHOP: shop_files(**{"package.json": babel}),
    }
    # babel-core in two repositories outweighs the one the pull request adds.
    repos = [replace(r, files=files.get(r.full_name, r.files)) for r in acme()]
    repos.append(Repo("acme/web", files={"package.json": babel}))
    github = FakeGitHub()
    github.add_installation(7, "acme", repos)
    serve_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        head = shop_files(
            **{"package.json": package_json(**{"babel-core": "^6.26.0", "follow-redirects": "1"})}
        )
        pull = github.open_pull(SHOP, head)
        await deliver_pr(app, pull)
    comments = github.bot_comments(SHOP, pull.number)
    assert len(comments) == int(listed)
    if listed:
        assert "too little use for a share of the budget yet" in comments[0]["body"]
