"""The pull-request comment: golden files, the effect column, the one-line update."""

from __future__ import annotations

import pytest

from fundbot.model import FundingChannel
from fundbot.render.comment import PullRequestAddition, effect, render_pull_request_comment
from fundbot.render.data_block import find_marker, parse_data_block
from fundbot.render.markdown import MAX_BODY, body_length
from tests.render.golden import assert_golden, assert_harmless
from tests.render.plans import HOSTILE, additions


def test_golden_comment() -> None:
    """A PR adding a new recipient, more for an existing one and one too small renders so."""
    body = render_pull_request_comment("acme/web#12", additions())
    assert_golden("pull_request_comment.md", body)
    assert_harmless(body)
    assert body.startswith("<!-- fundbot:pull-request:acme/web#12 -->\n")


def test_no_additions_is_a_one_line_update() -> None:
    """When a PR stops adding fundable dependencies the comment says so in one line."""
    body = render_pull_request_comment("acme/web#12", [])
    assert_golden("pull_request_comment_empty.md", body)
    visible = body.split("\n\n<!-- fundbot:data")[0]
    assert visible.split("\n") == [
        "<!-- fundbot:pull-request:acme/web#12 -->",
        "This pull request no longer adds any dependency that accepts funding.",
    ]
    assert find_marker(body) == ("pull-request", "acme/web#12")
    assert parse_data_block(body) == {
        "version": 1,
        "scope": "acme/web#12",
        "additions": [],
    }


def _addition(recipient: str | None, before: int | None, after: int | None) -> PullRequestAddition:
    return PullRequestAddition("npm:x", "1.0.0", "package.json", (), recipient, before, after)


@pytest.mark.parametrize(
    ("addition", "expected"),
    [
        (_addition("github:a", None, 900), "new recipient: $900 a year"),
        (_addition("github:a", 4000, 4300), "+$300 a year ($4,000 → $4,300)"),
        (_addition("github:a", 4000, 3800), "-$200 a year ($4,000 → $3,800)"),
        (_addition("github:a", 4000, 4000), "no change ($4,000 a year)"),
        (_addition(None, None, None), "too little use for a share of the budget yet"),
        (_addition("github:a", 100, None), "too little use for a share of the budget yet"),
    ],
)
def test_effect(addition: PullRequestAddition, expected: str) -> None:
    """The effect column says how the organisation plan changes for the recipient."""
    assert effect(addition) == expected


def test_hostile_and_huge_comment() -> None:
    """Thousands of hostile additions stay harmless, under the limit and parseable."""
    channel = FundingChannel("github", "javascript:alert(1)", HOSTILE, HOSTILE)
    many = [
        PullRequestAddition(f"npm:{HOSTILE}{i}", HOSTILE, HOSTILE, (channel,), HOSTILE, None, 5)
        for i in range(3000)
    ]
    body = render_pull_request_comment("acme/web#1", many)
    assert_harmless(body)
    assert body_length(body) <= MAX_BODY
    data = parse_data_block(body)
    assert data is not None
    assert data["truncated"] is True
    assert len(data["additions"]) + data["additions_omitted"] == 3000
    assert "…and 2,900 more dependencies." in body
