"""npm source: recorded `latest` documents, every `funding` and `repository` form."""

from __future__ import annotations

from typing import Any

import pytest

from fundbot.model import FundingChannel
from fundbot.resolve.base import Finding
from fundbot.resolve.http import HttpClient
from fundbot.resolve.sources.npm import NpmSource, funding_entries, repository
from fundbot.settings import Settings
from tests.fakes.registries import serve_npm
from tests.fakes.server import FakeServer
from tests.resolve.conftest import lookup_one

VIA = "npm:funding"
BUTTON_VIA = "npm:funding (sponsor button)"


def button(repository: str) -> FundingChannel:
    """A sponsor-button link as a registry source keeps it until the GitHub stage runs."""
    return FundingChannel("custom", f"https://github.com/{repository}?sponsor=1", None, BUTTON_VIA)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "@babel/core",
            Finding(
                repository="https://github.com/babel/babel",
                channels=(
                    FundingChannel(
                        "open_collective", "https://opencollective.com/babel", "babel", VIA
                    ),
                ),
            ),
        ),
        (
            "follow-redirects",
            Finding(
                repository="https://github.com/follow-redirects/follow-redirects",
                channels=(
                    FundingChannel(
                        "github",
                        "https://github.com/sponsors/rubenverborgh",
                        "rubenverborgh",
                        VIA,
                    ),
                ),
            ),
        ),
        # `?sponsor=1` is the repository's sponsor button: kept as a link until the GitHub
        # stage resolves it through the repository.
        (
            "chalk",
            Finding(repository="https://github.com/chalk/chalk", channels=(button("chalk/chalk"),)),
        ),
        ("debug", Finding(repository="https://github.com/debug-js/debug")),
        ("axios", Finding(repository="https://github.com/axios/axios")),
    ],
)
async def test_recorded_documents(
    fake: FakeServer, http: HttpClient, settings: Settings, name: str, expected: Finding
) -> None:
    """Real npm documents give the repository and the declared funding channels."""
    serve_npm(fake, name)
    assert await lookup_one(NpmSource(http, settings), "npm", name) == expected


async def test_scoped_name_is_sent_encoded(
    fake: FakeServer, http: HttpClient, settings: Settings
) -> None:
    """A scoped name goes out as `@scope%2fname`, as the npm client sends it."""
    serve_npm(fake, "@babel/core")
    await lookup_one(NpmSource(http, settings), "npm", "@babel/core")
    assert fake.requests[0].path == "/npm/@babel/core/latest"
    assert fake.count() == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://x.test/give", [(None, "https://x.test/give")]),
        (
            {"type": "patreon", "url": "https://patreon.com/x"},
            [("patreon", "https://patreon.com/x")],
        ),
        (
            ["https://a.test", {"type": "github", "url": "https://github.com/sponsors/b"}, 7, None],
            [(None, "https://a.test"), ("github", "https://github.com/sponsors/b")],
        ),
        ({"url": "https://c.test", "type": 3}, [(None, "https://c.test")]),
        (None, []),
        (42, []),
    ],
)
def test_funding_forms(value: Any, expected: list[tuple[str | None, str]]) -> None:
    """`funding` as string, object or array; entries that are neither are dropped."""
    assert funding_entries(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("github:sindresorhus/got", "https://github.com/sindresorhus/got"),
        ("sindresorhus/got", "https://github.com/sindresorhus/got"),
        ("git+https://github.com/a/b.git", "https://github.com/a/b"),
        ("git@github.com:a/b.git", "https://github.com/a/b"),
        ("gitlab:grp/proj", "https://gitlab.com/grp/proj"),
        (
            {"type": "git", "url": "https://github.com/a/b.git", "directory": "pkg/x"},
            "https://github.com/a/b",
        ),
        ({"type": "git"}, None),
        ("not a repo", None),
        (["https://github.com/a/b"], None),
    ],
)
def test_repository_forms(value: Any, expected: str | None) -> None:
    """`repository` in every form npm accepts gives `https://host/owner/repo`."""
    assert repository(value) == expected


async def test_invalid_funding_entries_dropped(
    fake: FakeServer, http: HttpClient, settings: Settings
) -> None:
    """Broken funding entries are dropped and the valid ones kept, deduplicated."""
    document = {
        "name": "x",
        "funding": [
            "https://ko-fi.com/someone",
            {"type": "individual"},
            "not a url at all",
            {"type": "individual", "url": "https://ko-fi.com/someone/"},
            ["nested"],
        ],
        "repository": 17,
    }
    fake.add("GET", "/npm/x/latest", json=document)
    finding = await lookup_one(NpmSource(http, settings), "npm", "x")
    assert [c.url for c in finding.channels] == ["https://ko-fi.com/someone"]
    assert finding.repository is None


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            {"funding": "https://github.com/o/r?sponsor=1"},
            Finding(repository="https://github.com/o/r", channels=(button("o/r"),)),
        ),
        (
            {"funding": "https://github.com/O/R?sponsor=1", "repository": "o/r"},
            Finding(repository="https://github.com/o/r", channels=(button("o/r"),)),
        ),
        (
            {"funding": "https://github.com/other/x?sponsor=1", "repository": "o/r"},
            Finding(repository="https://github.com/o/r", channels=(button("other/x"),)),
        ),
        (
            {
                "funding": [
                    "https://github.com/o/r?sponsor=1",
                    {"type": "github", "url": "https://github.com/sponsors/me"},
                    "https://github.com/o/r?sponsor",
                ],
                "repository": "gitlab:o/r",
            },
            Finding(
                repository="https://gitlab.com/o/r",
                channels=(
                    FundingChannel("github", "https://github.com/sponsors/me", "me", VIA),
                    button("o/r"),
                ),
            ),
        ),
    ],
)
async def test_sponsor_buttons(
    fake: FakeServer, http: HttpClient, settings: Settings, document: Any, expected: Finding
) -> None:
    """A sponsor button names the repository when none is given and is kept, once, as a
    custom link marked as a button (the GitHub stage resolves it), whoever's it is."""
    fake.add("GET", "/npm/x/latest", json={"name": "x", **document})
    assert await lookup_one(NpmSource(http, settings), "npm", "x") == expected
