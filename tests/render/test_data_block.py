"""The hidden data block and markers: round trips, hostile strings, truncation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fundbot.render.data_block import (
    find_marker,
    fit_data,
    marker,
    parse_data_block,
    plan_data,
    render_data_block,
)
from tests.render.plans import HOSTILE, huge_plan, realistic_plan

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text('-<>!a\\"\u2028', max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=10,
)


@given(st.dictionaries(st.text(max_size=10), _json, max_size=5))
@settings(derandomize=True, max_examples=150, deadline=None)
def test_round_trip_and_comment_stays_closed(data: dict[str, Any]) -> None:
    """Any JSON object survives the block, and its text never contains `--`, `<` or `>`."""
    block = render_data_block(data)
    inner = block[len("<!-- fundbot:data ") : -len(" -->")]
    assert "--" not in inner
    assert "<" not in inner
    assert ">" not in inner
    assert parse_data_block("text before\n\n" + block) == data


@pytest.mark.parametrize(
    "body",
    [
        None,
        "",
        "no block here",
        "<!-- fundbot:data {not json} -->",
        "<!-- fundbot:data [1, 2] -->",
        '<!-- fundbot:data {"a": 1}',
        "<!-- fundbot:data " + "[" * 100_000 + " -->",
    ],
)
def test_parse_is_tolerant(body: str | None) -> None:
    """Absent, unterminated, non-object or garbage blocks give None, never an exception."""
    assert parse_data_block(body) is None


def test_parse_takes_the_last_block() -> None:
    """A person quoting an old block above fundbot's own does not fool the parser."""
    body = render_data_block({"v": 1}) + "\n" + render_data_block({"v": 2})
    assert parse_data_block(body) == {"v": 2}


def test_hostile_strings_survive() -> None:
    """`-->`, HTML and mentions inside values come back byte for byte."""
    block = render_data_block({"x": HOSTILE, "y": "---->--!>"})
    assert block.count("-->") == 1
    assert parse_data_block(block) == {"x": HOSTILE, "y": "---->--!>"}


@pytest.mark.parametrize(
    ("kind", "scope", "expected"),
    [
        ("repository", "acme/web", "<!-- fundbot:repository:acme/web -->"),
        ("plan", "acme", "<!-- fundbot:plan:acme -->"),
        ("pull-request", "acme/web#12", "<!-- fundbot:pull-request:acme/web#12 -->"),
        ("plan", "a -->b", "<!-- fundbot:plan:a%20--%3Eb -->"),
    ],
)
def test_marker_round_trip(kind: Any, scope: str, expected: str) -> None:
    """Markers name kind and scope; a scope can never close the comment."""
    assert marker(kind, scope) == expected
    assert find_marker("edited by a person\n" + expected + "\nrest") == (kind, scope)


def test_marker_rejects_unknown_kind() -> None:
    """A typo in the kind is a programming error, raised at once."""
    with pytest.raises(ValueError, match="unknown marker kind"):
        marker("issue", "acme")  # type: ignore[arg-type]


@pytest.mark.parametrize("body", [None, "", "<!-- fundbot:other:acme -->", "fundbot:plan:x"])
def test_find_marker_absent(body: str | None) -> None:
    """Bodies without a marker are not fundbot's."""
    assert find_marker(body) is None


def test_plan_data() -> None:
    """The block holds lines, budget, developers, fingerprint and the commands' state."""
    data = plan_data(realistic_plan(), state={"excluded": ["github:x"]})
    assert data["budget"] == 20000
    assert data["developers"]["source"] == "estimate"
    assert data["fingerprint"] == "sha256:3f2a"
    assert data["state"] == {"excluded": ["github:x"]}
    assert data["lines"][0] == {
        "recipient": "github:sindresorhus",
        "platform": "github",
        "url": "https://github.com/sponsors/sindresorhus",
        "amount_usd_per_year": 4000,
        "packages": ["npm:chalk", "npm:got", "npm:execa", "npm:p-limit", "npm:ora"],
    }
    assert data["lines"][3]["funded_elsewhere"] is True


def test_fit_data_small_plan_is_whole() -> None:
    """A plan that fits is stored whole, without a `truncated` flag."""
    data = plan_data(realistic_plan())
    assert parse_data_block(fit_data(data)) == json.loads(json.dumps(data))


@pytest.mark.parametrize(
    ("recipients", "packages_kept", "urls_kept", "omitted"),
    [(60, False, True, 0), (150, False, False, 0), (4000, False, False, 3817)],
)
def test_fit_data_degrades_in_order(
    recipients: int, packages_kept: bool, urls_kept: bool, omitted: int
) -> None:
    """Too big: packages go first, then URLs, then the smallest lines, always recorded."""
    data = plan_data(huge_plan(recipients, packages_each=20), state={"excluded": ["a"]})
    block = fit_data(data)
    assert len(block) <= 16_000
    parsed = parse_data_block(block)
    assert parsed is not None
    assert parsed["truncated"] is True
    assert parsed["state"] == {"excluded": ["a"]}
    assert ("packages" in parsed["lines"][0]) is packages_kept
    assert ("url" in parsed["lines"][0]) is urls_kept
    assert parsed.get("lines_omitted", 0) == omitted
    assert len(parsed["lines"]) + omitted == recipients


def test_sets_in_state_are_stored_as_sorted_lists() -> None:
    """State kept as sets by a caller still renders, as sorted lists."""
    block = render_data_block({"state": {"excluded": frozenset({"b", "a"})}})
    assert parse_data_block(block) == {"state": {"excluded": ["a", "b"]}}


def test_as_kind_accepts_only_marker_kinds() -> None:
    """Payload text becomes a typed kind, or None: nothing else reaches `marker`."""
    from fundbot.render.data_block import as_kind

    assert [as_kind(k) for k in ("plan", "repository", "pull-request")] == [
        "plan",
        "repository",
        "pull-request",
    ]
    assert as_kind("Plan") is None
    assert as_kind("") is None
    assert as_kind(None) is None
