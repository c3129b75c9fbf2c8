"""`fundbot db migrate` and the schema check that guards `serve` and `worker`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import psycopg
import pytest

from fundbot.cli import main
from fundbot.storage.pg_schema import SCHEMA_VERSION, check_current, migrate


def test_without_database_url_postgres_is_never_imported() -> None:
    """SQLite deployments do not need the extra: nothing of it is loaded."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    code = (
        "import sys, fundbot.app, fundbot.cli, fundbot.web;"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('psycopg', 'psycopg_pool',"
        " 'procrastinate') or m.startswith('fundbot.storage.pg_') or m == 'fundbot.pg_app'];"
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


async def test_migrate_is_idempotent_and_safe_from_two_processes(pg_url: str) -> None:
    results = await asyncio.gather(migrate(pg_url), migrate(pg_url), migrate(pg_url))
    assert sorted(results) == [
        (0, SCHEMA_VERSION),
        (SCHEMA_VERSION, SCHEMA_VERSION),
        (SCHEMA_VERSION, SCHEMA_VERSION),
    ]
    assert await migrate(pg_url) == (SCHEMA_VERSION, SCHEMA_VERSION)
    await check_current(pg_url)
    with psycopg.connect(pg_url) as conn:
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema()"
            )
        }
    assert {
        "procrastinate_jobs",
        "installations",
        "deliveries",
        "funding",
        "fundbot_schema",
    } <= tables


def test_db_migrate_command(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", pg_url)
    assert main(["db", "migrate"]) == 0
    assert main(["db", "migrate"]) == 0
    out = capsys.readouterr().out
    assert f"migrated from version 0 to {SCHEMA_VERSION}" in out
    assert f"already at version {SCHEMA_VERSION}" in out


def test_worker_refuses_an_unmigrated_database_naming_the_command(
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: object,
) -> None:
    from tests.fakes.github import FakeGitHub

    monkeypatch.setenv("DATABASE_URL", pg_url)
    monkeypatch.setenv("APP_ID", "1")
    monkeypatch.setenv("PRIVATE_KEY", FakeGitHub().private_key)
    monkeypatch.setenv("FUNDBOT_DATA_DIR", str(tmp_path))
    assert main(["worker", "--env-file", "/nonexistent"]) == 2
    assert "run `fundbot db migrate`" in capsys.readouterr().err


def test_role_web_needs_database_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    from tests.fakes.github import FakeGitHub

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("APP_ID", "1")
    monkeypatch.setenv("PRIVATE_KEY", FakeGitHub().private_key)
    monkeypatch.setenv("WEBHOOK_SECRET", "s")
    monkeypatch.setenv("FUNDBOT_DATA_DIR", str(tmp_path))
    assert main(["serve", "--role", "web", "--env-file", "/nonexistent"]) == 2
    assert "needs DATABASE_URL" in capsys.readouterr().err


async def test_a_version_1_database_gets_the_replay_table(pg_url: str) -> None:
    """An existing deployment (schema 1, rows in it) migrates forward in place."""
    await migrate(pg_url)
    with psycopg.connect(pg_url) as conn:
        conn.execute("DROP TABLE webhook_bodies")
        conn.execute("DELETE FROM fundbot_schema WHERE version > 1")
        conn.execute("INSERT INTO deliveries VALUES ('kept', 'push', 1)")
    assert await migrate(pg_url) == (1, SCHEMA_VERSION)
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT id FROM deliveries").fetchall() == [("kept",)]
        assert conn.execute("SELECT count(*) FROM webhook_bodies").fetchone() == (0,)
