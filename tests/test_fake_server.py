"""The strict fake itself: what it answers and what it refuses."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.fakes.server import FakeServer


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_declared_route_answers_and_counts(fake: FakeServer) -> None:
    """A declared route answers with its JSON body and is counted."""
    fake.add("GET", "/pypi/x/json", json={"info": {}})
    status, body = _get(fake.url + "/pypi/x/json")
    assert (status, json.loads(body)) == (200, {"info": {}})
    assert fake.count("GET", "/pypi") == 1


def test_unexpected_and_unused_requests_fail_check() -> None:
    """An undeclared request and a declared-but-unused route both fail check()."""
    server = FakeServer().start()
    try:
        server.add("GET", "/never")
        assert _get(server.url + "/surprise")[0] == 599
        with pytest.raises(AssertionError, match=r"unexpected request: GET /surprise"):
            server.check()
        assert server.unused() == ["GET /never"]
    finally:
        server.stop()
