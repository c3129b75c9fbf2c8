"""The REST-description check itself: it accepts what GitHub accepts and nothing else."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.openapi import problems


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "expected"),
    [
        ("GET", "/repos/o/r/git/trees/main", {"recursive": "1"}, None, []),
        ("GET", "/repos/o/r/contents/.github/fundbot.yml", {}, None, []),
        ("POST", "/repos/o/r/issues", {}, {"title": "t", "body": "b", "labels": ["x"]}, []),
        ("PATCH", "/repos/o/r/issues/3", {}, {"body": "b", "state": "open"}, []),
        (
            "POST",
            "/repos/o/r/issues",
            {},
            {"body": "no title"},
            ["POST /repos/o/r/issues: required field 'title' missing"],
        ),
        (
            "PATCH",
            "/repos/o/r/issues/3",
            {},
            {"bodyy": "typo"},
            ["PATCH /repos/o/r/issues/3: undeclared field 'bodyy'"],
        ),
        (
            "GET",
            "/repos/o/r/issues",
            {"creator": "x", "sort_by": "y"},
            None,
            ["GET /repos/o/r/issues: undeclared query parameter 'sort_by'"],
        ),
        (
            "GET",
            "/repos/o/r/issues",
            {"per_page": "many"},
            None,
            ["GET /repos/o/r/issues: per_page='many' is not an integer"],
        ),
        (
            "DELETE",
            "/repos/o/r/issues/3",
            {},
            None,
            ["DELETE /repos/o/r/issues/3: no such operation in GitHub's REST description"],
        ),
    ],
)
def test_requests_are_checked_against_the_description(
    method: str, path: str, query: dict[str, str], body: Any, expected: list[str]
) -> None:
    """Valid requests pass; typos, missing fields and unknown operations are named."""
    assert problems(method, path, query, body) == expected
