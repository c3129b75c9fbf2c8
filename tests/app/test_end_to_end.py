"""End to end: signed deliveries to the real server, issues asserted in the fake GitHub."""

from __future__ import annotations

from pathlib import Path

from tests.app.harness import acme, app_under_test, serve_acme_registries
from tests.fakes.github import FakeGitHub
from tests.fakes.server import FakeServer


async def test_installation_opens_one_issue_per_repository_and_the_plan(
    fake: FakeServer, tmp_path: Path
) -> None:
    """Installing on an org scans it and opens the repository issue and the plan issue."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    serve_acme_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        assert await app.deliver("installation", app.installation_payload()) == 202
        await app.settle()
    shop = github.bot_issues("acme/shop")
    plan = github.bot_issues("acme/.github")
    assert [i.body.splitlines()[0] for i in shop] == ["<!-- fundbot:repository:acme/shop -->"]
    assert [i.body.splitlines()[0] for i in plan] == ["<!-- fundbot:plan:acme -->"]
    assert github.bot_issues("acme/old") == []
    assert "acme/old" in plan[0].body  # listed as skipped: archived
    assert "left-pad" not in shop[0].body  # test fixtures are not dependencies


async def test_redelivery_and_rescan_never_duplicate_issues(
    fake: FakeServer, tmp_path: Path
) -> None:
    """The same delivery twice, then a fresh full rescan: still one issue per scope."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    serve_acme_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        payload = app.installation_payload()
        assert await app.deliver("installation", payload, "same") == 202
        assert await app.deliver("installation", payload, "same") == 200
        await app.settle()
        first = github.count()
        assert await app.deliver("installation", payload, "another") == 202
        await app.settle()
        rescan = github.count() - first
    assert len(github.bot_issues("acme/shop")) == 1
    assert len(github.bot_issues("acme/.github")) == 1
    # A rescan with nothing changed: one request, the repository list (a 304); every
    # repository's `pushed_at` is unchanged, so no tree, no blob, no config, no write.
    assert github.count("PATCH") == 0
    assert github.count(contains="/git/blobs/") == 2
    assert rescan == 1
