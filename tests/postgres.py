"""A PostgreSQL database of its own for each test: a fresh schema, dropped afterwards.

`FUNDBOT_TEST_DATABASE_URL` names the server (default: the local `test` database). Without a
server the tests that need one skip, saying why; `FUNDBOT_REQUIRE_POSTGRES=1` (CI) makes that
a failure instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    return os.environ.get("FUNDBOT_TEST_DATABASE_URL", DEFAULT_URL)


def with_schema(url: str, schema: str) -> str:
    """The URL with every connection's search_path set to `schema` (libpq `options`)."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"


def _unavailable(reason: str) -> None:
    if os.environ.get("FUNDBOT_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"FUNDBOT_REQUIRE_POSTGRES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A migrated schema of its own on the test server, as a DATABASE_URL."""
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (pip install 'fundbot[postgres]')")
        raise
    url = server_url()
    try:
        admin = psycopg.connect(url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        _unavailable(f"no PostgreSQL answers at {url}: {str(exc).strip()}")
        raise
    schema = f"fundbot_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            yield with_schema(url, schema)
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
async def migrated_pg_url(pg_url: str) -> str:
    from fundbot.storage.pg_schema import migrate

    await migrate(pg_url)
    return pg_url
