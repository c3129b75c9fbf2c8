"""The App on PostgreSQL, in this process: the end-to-end path, two web fronts, health."""

from __future__ import annotations

from pathlib import Path

import psycopg

from tests.app.harness import acme, app_under_test, serve_acme_registries
from tests.fakes.github import FakeGitHub
from tests.fakes.server import FakeServer


async def test_installation_on_postgres_opens_the_issues_once(
    fake: FakeServer, tmp_path: Path, migrated_pg_url: str
) -> None:
    """Same issues as on SQLite; a redelivery to another web process is recognised."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    serve_acme_registries(fake)
    async with (
        app_under_test(fake, tmp_path / "a", github, database_url=migrated_pg_url) as app,
        app_under_test(
            fake, tmp_path / "b", github, database_url=migrated_pg_url, role="web"
        ) as other_web,
    ):
        payload = app.installation_payload()
        assert await app.deliver("installation", payload, "same") == 202
        assert await other_web.deliver("installation", payload, "same") == 200
        await app.settle()
        assert (await app.client.get("/healthz")).status == 200
        assert (await other_web.client.get("/healthz")).status == 200
        metrics = await (await app.client.get("/metrics")).text()
        assert "fundbot_jobs" in metrics
    shop = github.bot_issues("acme/shop")
    plan = github.bot_issues("acme/.github")
    assert [i.body.splitlines()[0] for i in shop] == ["<!-- fundbot:repository:acme/shop -->"]
    assert [i.body.splitlines()[0] for i in plan] == ["<!-- fundbot:plan:acme -->"]
    with psycopg.connect(migrated_pg_url) as conn:
        stored = conn.execute("SELECT full_name FROM repositories ORDER BY 1").fetchall()
        cached = conn.execute("SELECT count(*) FROM funding").fetchone()
    assert ("acme/shop",) in stored
    assert cached is not None
    assert cached[0] >= 4  # the shared funding cache holds chalk, axios...


async def test_health_fails_when_the_schema_is_older(
    fake: FakeServer, tmp_path: Path, migrated_pg_url: str
) -> None:
    async with app_under_test(fake, tmp_path, database_url=migrated_pg_url, role="web") as app:
        assert (await app.client.get("/healthz")).status == 200
        with psycopg.connect(migrated_pg_url) as conn:
            conn.execute("DELETE FROM fundbot_schema")
        assert (await app.client.get("/healthz")).status == 503
