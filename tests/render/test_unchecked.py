"""Packages whose lookup failed are told apart from packages that ask for nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fundbot.model import UnfundedPackage
from fundbot.render.issue import render_plan_issue, render_repository_issue
from tests.render.plans import realistic_context, realistic_plan

FAILED = UnfundedPackage(
    "cargo:anyhow", 3.0, None, ("acme/api",), "crates.io: connection failed after 4 attempts"
)
ANSWERED = UnfundedPackage(
    "npm:left-pad", 2.0, None, ("acme/api",), "no funding listed on npm, github"
)


@pytest.mark.parametrize(
    ("reason", "unchecked"),
    [
        (None, False),
        ("no funding listed on pypi, github", False),
        ("not found on npm", False),
        ("no source for swift packages", False),
        ("crates.io: HTTP 503 after 4 attempts", True),
        ("offline: not in cache", True),
        ("GitHub rate limit reached, resets at 2026-11-28T05:00:00Z", True),
    ],
)
def test_unchecked_means_the_lookup_failed(reason: str | None, unchecked: bool) -> None:
    """Answers ("no funding listed", "not found") are checked; failures are not."""
    assert replace(ANSWERED, reason=reason).unchecked is unchecked


@pytest.mark.parametrize("repository", [None, "acme/api"])
def test_failed_lookups_get_their_own_section(repository: str | None) -> None:
    """A failed lookup is listed with its reason, apart from the ask-for-a-FUNDING.yml list."""
    plan = replace(realistic_plan(), unfunded=(FAILED, ANSWERED))
    ctx = realistic_context(repository)
    body = (render_repository_issue if repository else render_plan_issue)(plan, ctx)
    checked_part, _, unchecked_part = body.partition("could not be checked this time")
    assert "npm:left-pad" in checked_part
    assert "cargo:anyhow" not in checked_part
    assert "cargo:anyhow — crates.io: connection failed after 4 attempts" in unchecked_part
