"""FUNDING.yml parsing: every real file in the corpus, and the ways people get it wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fundbot.links.funding_yml import parse_funding_yml
from fundbot.model import FundingChannel

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "funding" / "FUNDING.yml"
CORPUS = sorted(FIXTURES.glob("*.yml"))
VIA = "github:.github/FUNDING.yml"


def test_every_fixture_has_provenance_and_expectation() -> None:
    """Each corpus file is recorded in PROVENANCE.tsv and has an expected JSON beside it."""
    rows = (FIXTURES / "PROVENANCE.tsv").read_text().splitlines()[1:]
    listed = sorted(row.split("\t")[0] for row in rows)
    assert listed == [p.name for p in CORPUS]
    assert len(CORPUS) >= 26
    for path in CORPUS:
        assert path.with_suffix(".expected.json").is_file(), path.name


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus_file(path: Path) -> None:
    """A real FUNDING.yml gives exactly the channels and problems recorded beside it."""
    expected = json.loads(path.with_suffix(".expected.json").read_text())
    result = parse_funding_yml(path.read_text(), found_via=VIA)
    channels = [{"platform": c.platform, "handle": c.handle, "url": c.url} for c in result.channels]
    assert {"channels": channels, "problems": list(result.problems)} == expected
    assert all(c.found_via == VIA for c in result.channels)


def _gh(handle: str) -> FundingChannel:
    return FundingChannel("github", f"https://github.com/sponsors/{handle}", handle, VIA)


def _custom(url: str) -> FundingChannel:
    return FundingChannel("custom", url, None, VIA)


@pytest.mark.parametrize(
    ("text", "channels"),
    [
        ("github: hynek\n", [_gh("hynek")]),
        ("github: [a, b]\n", [_gh("a"), _gh("b")]),
        ("github:\n  - a\n  - b\n", [_gh("a"), _gh("b")]),
        ("github: a, b\n", [_gh("a"), _gh("b")]),
        ("github: 'a,b'\n", [_gh("a"), _gh("b")]),
        ("github: ~\ncustom: null\n", []),
        ("github: [a, null, b]\n", [_gh("a"), _gh("b")]),
        ("github: [a, A]\n", [_gh("a")]),
        ("\ufeffgithub: hynek\n", [_gh("hynek")]),
        ("---\ngithub: hynek\n...\n", [_gh("hynek")]),
        ("GitHub: hynek\n", [_gh("hynek")]),
        ("ko_fi: 12345\n", [FundingChannel("ko_fi", "https://ko-fi.com/12345", "12345", VIA)]),
        (
            'custom: ["https://www.paypal.me/octocat", octocat.com]\n',  # GitHub's example
            [],
        ),
        ("github: USERNAME\ncustom: ['link1', 'link2']\n", []),
        ("custom: \"Replace with up to 4 custom sponsorship URLs e.g., ['link1', 'link2']\"\n", []),
        (
            "custom: https://a.example/x?y=1,2\n",
            [_custom("https://a.example/x?y=1,2")],
        ),
        (
            "custom: https://a.example, https://b.example\n",
            [_custom("https://a.example"), _custom("https://b.example")],
        ),
        ("custom: https://a.example/\ncustom2: x\n", [_custom("https://a.example")]),
        (
            "github: hynek\ncustom: https://github.com/sponsors/hynek\n",
            [_gh("hynek")],
        ),
        ("", []),
        ("# only a comment\n", []),
    ],
)
def test_values(text: str, channels: list[FundingChannel]) -> None:
    """Strings, lists, comma-joined strings, nulls, placeholders and duplicates."""
    assert list(parse_funding_yml(text, found_via=VIA).channels) == channels


@pytest.mark.parametrize(
    ("text", "channels", "problem"),
    [
        ("github: [a, b\n", [], "invalid YAML at line 2"),
        ("github: a\n  b: c\n", [], "invalid YAML"),
        ("- github\n- hynek\n", [], "expected a mapping of platforms, found a list"),
        ("just text\n", [], "expected a mapping of platforms, found `just text`"),
        ("github: a\nmystery: x\n", [_gh("a")], "unknown key `mystery` ignored"),
        ("otechie: someone\n", [], "`otechie` is no longer supported by GitHub; ignored"),
        (
            "github: [a, b, c, d, e, f, g]\n",
            [_gh("a"), _gh("b"), _gh("c"), _gh("d"), _gh("e")],
            "`github`: GitHub shows at most 5; ignored `f`, `g`",
        ),
        (
            "custom: [https://a.example, https://b.example, https://c.example,"
            " https://d.example, https://e.example]\n",
            [_custom(f"https://{x}.example") for x in "abcd"],
            "`custom`: GitHub shows at most 4; ignored `https://e.example`",
        ),
        (
            "patreon: [one, two]\n",
            [FundingChannel("patreon", "https://patreon.com/one", "one", VIA)],
            "`patreon`: GitHub shows at most 1; ignored `two`",
        ),
        ("github: two words\n", [], "`github`: `two words` is not a valid name"),
        ("custom: not a link\n", [], "`custom`: `not a link` is not a valid URL"),
        ("custom: javascript:alert(1)\n", [], "`custom`: `javascript:alert(1)` is not a valid URL"),
        ("github: true\n", [], "`github`: expected a name or a list of names, found `True`"),
        ("github: {a: b}\n", [], "`github`: expected a name or a list of names, found a mapping"),
        ("github: [[a]]\n", [], "`github`: expected a name or a list of names, found a list"),
        ("a: &x [1]\nb: *x\n", [], "unknown key `a` ignored"),
        ("github: " + "x" * 70_000 + "\n", [], "file larger than 64 KB; ignored"),
        ("github: a\ngithub: b\n", [_gh("b")], ""),
    ],
)
def test_problems(text: str, channels: list[FundingChannel], problem: str) -> None:
    """Broken files report a one-line problem and keep whatever is still usable."""
    result = parse_funding_yml(text, found_via=VIA)
    assert list(result.channels) == channels
    if problem:
        assert any(p.startswith(problem) for p in result.problems), result.problems
    assert all("\n" not in p for p in result.problems)


@pytest.mark.parametrize(
    "text",
    [
        "\x00\x01\x02",
        "a: !!python/object:os.system ls\n",
        "github: *undefined\n",
        "[" * 5000,
        "github: !!binary aGVsbG8=\n",
        "? [a, b]\n: c\n",
        "a: &a [*a]\n",
    ],
)
def test_hostile_input_never_raises(text: str) -> None:
    """Malformed, unsafe or deeply nested YAML is reported, never raised."""
    result = parse_funding_yml(text, found_via=VIA)
    assert result.channels == ()
    assert result.problems
