"""PyPI source: recorded JSON API documents, Project-URL labels read as the spec says."""

from __future__ import annotations

import pytest

from fundbot.model import FundingChannel
from fundbot.resolve.base import Finding
from fundbot.resolve.http import HttpClient
from fundbot.resolve.sources._registry import is_funding_label, normalise_label
from fundbot.resolve.sources.pypi import PyPISource
from fundbot.settings import Settings
from tests.fakes.registries import serve_pypi
from tests.fakes.server import FakeServer
from tests.resolve.conftest import lookup_one

VIA = "pypi:project_urls"


def custom(url: str) -> FundingChannel:
    return FundingChannel("custom", url, None, VIA)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("requests", Finding(repository="https://github.com/psf/requests")),
        (
            "flask",
            Finding(
                repository="https://github.com/pallets/flask",
                channels=(custom("https://palletsprojects.com/donate"),),
            ),
        ),
        ("httpx", Finding(repository="https://github.com/encode/httpx")),
        (
            "pydantic",
            Finding(
                repository="https://github.com/pydantic/pydantic",
                channels=(
                    FundingChannel(
                        "github", "https://github.com/sponsors/samuelcolvin", "samuelcolvin", VIA
                    ),
                ),
            ),
        ),
        (
            "pytest",
            Finding(
                repository="https://github.com/pytest-dev/pytest",
                channels=(custom("https://docs.pytest.org/en/stable/sponsor.html"),),
            ),
        ),
        (
            "django",
            Finding(
                repository="https://github.com/django/django",
                channels=(custom("https://www.djangoproject.com/fundraising"),),
            ),
        ),
    ],
)
async def test_recorded_documents(
    fake: FakeServer, http: HttpClient, settings: Settings, name: str, expected: Finding
) -> None:
    """Real PyPI documents give the repository and the funding-labelled URLs."""
    serve_pypi(fake, name)
    assert await lookup_one(PyPISource(http, settings), "pypi", name) == expected


@pytest.mark.parametrize(
    ("label", "normalised", "funding"),
    [
        ("Funding", "funding", True),
        ("Sponsor me!", "sponsorme", True),
        ("Donate", "donate", True),
        ("Donations", "donations", True),
        ("Source Code", "sourcecode", False),
        ("Home-Page", "homepage", False),
        ("  F.U.N.D.I.N.G  ", "funding", True),
        ("Sponsorship", "sponsorship", True),
        ("Fun", "fun", False),
    ],
)
def test_label_normalisation(label: str, normalised: str, funding: bool) -> None:
    """Labels lose punctuation and whitespace and are lower-cased, then compared."""
    assert (normalise_label(label), is_funding_label(label)) == (normalised, funding)


async def test_labels_and_known_platforms(
    fake: FakeServer, http: HttpClient, settings: Settings
) -> None:
    """A known platform URL counts under any label; the repository comes from a code host."""
    info = {
        "project_urls": {
            "Homepage": "https://example.org",
            "Chat": "https://opencollective.com/example",
            "Source Code": "https://gitlab.com/grp/example",
            "Donate!": "  ",
            "Funding": 12,
        },
        "home_page": "https://github.com/wrong/place",
    }
    fake.add("GET", "/pypi/pypi/example/json", json={"info": info})
    finding = await lookup_one(PyPISource(http, settings), "pypi", "example")
    assert finding == Finding(
        repository="https://gitlab.com/grp/example",
        channels=(
            FundingChannel("open_collective", "https://opencollective.com/example", "example", VIA),
        ),
    )


async def test_home_page_fallback(fake: FakeServer, http: HttpClient, settings: Settings) -> None:
    """Without a repository label, `info.home_page` on a code host is the repository."""
    info = {"project_urls": None, "home_page": "https://github.com/old/style"}
    fake.add("GET", "/pypi/pypi/old/json", json={"info": info})
    finding = await lookup_one(PyPISource(http, settings), "pypi", "old")
    assert finding == Finding(repository="https://github.com/old/style")
