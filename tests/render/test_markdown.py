"""Escaping, links, tables, folded sections and the size limit."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fundbot.render.markdown import (
    MAX_BODY,
    body_length,
    code,
    details,
    escape,
    first_few,
    fit_body,
    link,
    safe_url,
    table,
    user_link,
)
from tests.render.golden import assert_harmless
from tests.render.plans import HOSTILE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("express", "express"),
        ("@types/node", "@&#8203;types/node"),
        ("@everyone", "@&#8203;everyone"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ("a|b", "a\\|b"),
        ("`rm -rf`", "\\`rm -rf\\`"),
        ("-->", "--&gt;"),
        ("serde_json", "serde\\_json"),
        ("**bold** [x](y)", "\\*\\*bold\\*\\* \\[x\\](y)"),
        ("line\nbreak\r\n\ttab", "line break tab"),
        ("fix #123", "fix #&#8203;123"),
        ("$x$ ~~y~~", "\\$x\\$ \\~\\~y\\~\\~"),
        ("a&amp;b", "a&amp;amp;b"),
        ("rtl\u202eevil", "rtlevil"),
    ],
)
def test_escape(text: str, expected: str) -> None:
    """Markdown, HTML, mentions, references, newlines and bidi controls are neutralised."""
    assert escape(text) == expected


def test_escape_shortens_very_long_text() -> None:
    """A megabyte name becomes at most MAX_INLINE characters before escaping, with an ellipsis."""
    out = escape("x" * 1_000_000)
    assert len(out) == 200
    assert out.endswith("…")


@given(st.text(max_size=300))
@settings(derandomize=True, max_examples=300)
def test_escape_never_leaves_a_mention_or_tag(text: str) -> None:
    """Whatever the input, escaped text has no `@word`, no `<`, no newline, no bare `|`."""
    out = escape(text)
    assert re.search(r"@\w", out) is None
    assert "<" not in out
    assert "\n" not in out
    assert re.search(r"(?<!\\)\|", out) is None


@pytest.mark.parametrize(
    ("platform", "handle", "url", "expected"),
    [
        (
            "github",
            "sindresorhus",
            None,
            "[sindresorhus](https://github.com/sponsors/sindresorhus)",
        ),
        (
            "github",
            "sindresorhus",
            "https://github.com/sindresorhus",
            "[sindresorhus](https://github.com/sponsors/sindresorhus)",
        ),
        (
            "open_collective",
            "express",
            "https://opencollective.com/express",
            "[express](https://opencollective.com/express)",
        ),
        (
            "custom",
            None,
            "https://example.org/donate/",
            "[example.org/donate](https://example.org/donate/)",
        ),
        ("github", "@everyone", "javascript:alert(1)", "@&#8203;everyone"),
        ("custom", None, "https://x.org/a b)(", "x.org/a b)("),
        ("custom", None, "https://x.org/a)[b]", "[x.org/a)\\[b\\]](https://x.org/a%29%5Bb%5D)"),
    ],
)
def test_user_link(platform: str, handle: str | None, url: str | None, expected: str) -> None:
    """Recipients link to where to pay, named without `@`; unsafe URLs are not linked."""
    assert user_link(platform, handle, url) == expected


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:text/html,x", "https://", "https://a b", "//evil", "ftp://x"],
)
def test_safe_url_rejects(url: str) -> None:
    """Only absolute http(s) URLs without spaces are ever linked."""
    assert safe_url(url) is None


def test_link_without_url_is_plain_text() -> None:
    """A missing URL gives the escaped label alone."""
    assert link("the plan", None) == "the plan"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("developers", "`developers`"),
        ("a`b", "``a`b``"),
        ("`x`", "`` `x` ``"),
        ("a|b", "`a\\|b`"),
    ],
)
def test_code_span_cannot_be_closed(text: str, expected: str) -> None:
    """Code spans use a longer fence than any backtick run inside them."""
    assert code(text) == expected


def test_table_and_first_few() -> None:
    """Tables have a header row and a separator; lists say how many more there are."""
    rows = [["a", first_few(["p1", "p2", "p3", "p4", "p5"])]]
    assert table(["X", "Y"], rows) == "| X | Y |\n| --- | --- |\n| a | p1, p2, p3 and 2 more |"
    assert first_few(["p1", "p2"]) == "p1, p2"


def test_fit_body_keeps_everything_that_fits() -> None:
    """Parts are joined with blank lines and the tail comes last, unchanged."""
    assert fit_body(["a", "", "b"], tail="T") == "a\n\nb\n\nT"


def test_fit_body_cuts_with_a_note_and_closes_details() -> None:
    """An oversized part is cut at a line, its <details> closed, the note shown, tail kept."""
    big = details("many", "\n".join(f"- item {i}" for i in range(10_000)))
    tail = "<!-- fundbot:data {} -->"
    body = fit_body(["head", big, "never shown"], limit=5000, tail=tail)
    assert body_length(body) <= 5000
    assert body.endswith(tail)
    assert body.count("<details") == body.count("</details>")
    assert "This text was cut" in body
    assert "1 section left out" in body
    assert "never shown" not in body


def test_fit_body_closes_an_open_code_fence() -> None:
    """A cut inside a fenced block closes the fence so the note renders as text."""
    block = "```yaml\n" + "\n".join(f"k{i}: v" for i in range(5000)) + "\n```"
    body = fit_body([block], limit=3000)
    assert body.count("```") % 2 == 0


@given(st.lists(st.text(max_size=3000), max_size=40), st.integers(600, 20_000))
@settings(derandomize=True, max_examples=100, deadline=None)
def test_fit_body_always_fits(parts: list[str], limit: int) -> None:
    """Whatever the parts, the body never exceeds the limit and keeps the tail."""
    tail = "<!-- fundbot:data {} -->"
    body = fit_body(parts, limit=limit, tail=tail)
    assert body_length(body) <= limit
    assert body.endswith(tail)


def test_body_length_counts_utf16_units() -> None:
    """Characters outside the BMP count twice, as GitHub may count them."""
    assert body_length("a😀") == 3
    assert MAX_BODY == 65536


def test_hostile_inline_text_is_harmless() -> None:
    """The shared hostile string, escaped, passes the harmlessness check."""
    assert_harmless(f"- {escape(HOSTILE)} {user_link('github', HOSTILE, HOSTILE)}")


@pytest.mark.parametrize(
    "raw",
    [HOSTILE, "hi @everyone", "<img src=x>", "[a](javascript:alert(1))", "x --> y"],
)
def test_harmlessness_check_catches_raw_input(raw: str) -> None:
    """The checker used on every rendered body fails on unescaped hostile text."""
    with pytest.raises(AssertionError):
        assert_harmless(raw)
