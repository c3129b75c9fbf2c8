"""Shared fixtures: the strict fake server, paths to fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.server import FakeServer
from tests.postgres import migrated_pg_url, pg_url

__all__ = ["migrated_pg_url", "pg_url"]

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    """A fresh strict fake on 127.0.0.1; the test fails on any unexpected or missing request."""
    server = FakeServer().start()
    try:
        yield server
        server.check()
    finally:
        server.stop()


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
