"""funding.json: every corpus manifest, the hand-written schema checks, the wellKnown proof."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fundbot.links.funding_json import (
    FundingJson,
    needs_proof,
    parse_funding_json,
)
from fundbot.model import FundingChannel, FundingPlanOffer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "funding" / "funding.json"
CORPUS = sorted(FIXTURES.glob("*.json"))
MANIFEST = "https://github.com/acme/widget/blob/HEAD/funding.json"


def _summary(result: FundingJson, manifest_url: str) -> dict[str, Any]:
    entity = result.entity
    return {
        "manifest_url": manifest_url,
        "version": result.version,
        "entity": None
        if entity is None
        else {
            "type": entity.type,
            "role": entity.role,
            "name": entity.name,
            "webpage_url": entity.webpage_url,
        },
        "channels": [
            {"platform": c.platform, "handle": c.handle, "url": c.url} for c in result.channels
        ],
        "offers": [
            {
                "name": o.name,
                "amount": o.amount,
                "currency": o.currency,
                "frequency": o.frequency,
                "channels": list(o.channels),
            }
            for o in result.offers
        ],
        "claims": [
            {
                "field": c.field,
                "url": c.url,
                "well_known": c.well_known,
                "needs_proof": c.needs_proof,
            }
            for c in result.claims
        ],
        "problems": list(result.problems),
    }


def test_every_fixture_has_provenance_and_expectation() -> None:
    """Each corpus manifest is in PROVENANCE.tsv and has an expected summary."""
    rows = (FIXTURES / "PROVENANCE.tsv").read_text().splitlines()[1:]
    assert sorted(row.split("\t")[0] for row in rows) == [p.name for p in CORPUS]
    for path in CORPUS:
        assert (FIXTURES / "expected" / path.name).is_file(), path.name


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus_manifest(path: Path) -> None:
    """A real funding.json gives exactly the channels, plans, claims and problems recorded."""
    expected = json.loads((FIXTURES / "expected" / path.name).read_text())
    url = expected["manifest_url"]
    result = parse_funding_json(path.read_text(), found_via="funding.json", manifest_url=url)
    assert _summary(result, url) == expected


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        (
            "AmruthPillai-Reactive-Resume.symlink-odd.json",
            "not JSON: the file holds the path `apps/client/public/funding.json`",
        ),
        ("ApeWorX-ape.json", "not a fundingjson.org manifest (top-level keys: opRetro)"),
    ],
)
def test_odd_corpus_files_are_problems(name: str, problem: str) -> None:
    """The symlink stub and the Optimism RetroPGF file are reported, not parsed or raised."""
    result = parse_funding_json((FIXTURES / name).read_text(), manifest_url=MANIFEST)
    assert result.channels == ()
    assert result.offers == ()
    assert result.problems[0].startswith(problem)


def _manifest(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "version": "v1.1.0",
        "entity": {
            "type": "individual",
            "role": "owner",
            "name": "Ada",
            "email": "ada@example.org",
            "description": "Maintainer of widget.",
            "webpageUrl": {"url": "https://github.com/acme"},
        },
        "projects": [
            {
                "guid": "widget",
                "name": "Widget",
                "description": "A widget.",
                "webpageUrl": {"url": "https://github.com/acme/widget"},
                "repositoryUrl": {"url": "https://github.com/acme/widget"},
                "licenses": ["spdx:MIT"],
                "tags": ["widgets"],
            }
        ],
        "funding": {
            "channels": [
                {
                    "guid": "gh",
                    "type": "payment-provider",
                    "address": "https://github.com/sponsors/ada",
                },
                {"guid": "bank", "type": "bank", "address": "IBAN DE00 0000"},
            ],
            "plans": [
                {
                    "guid": "monthly",
                    "status": "active",
                    "name": "Monthly",
                    "amount": 250,
                    "currency": "USD",
                    "frequency": "monthly",
                    "channels": ["gh", "bank"],
                }
            ],
        },
    }
    for path, value in changes.items():
        target = doc
        *parents, last = path.split("__")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value
    return doc


_DELETE = object()


def test_valid_manifest() -> None:
    """A valid manifest gives link channels, one manifest channel for non-links, and plans."""
    result = parse_funding_json(json.dumps(_manifest()), manifest_url=MANIFEST)
    assert result.problems == ()
    assert result.channels == (
        FundingChannel("github", "https://github.com/sponsors/ada", "ada", "funding.json"),
        FundingChannel("funding_json", MANIFEST, None, "funding.json"),
    )
    assert result.offers == (
        FundingPlanOffer(
            "Monthly", 250.0, "USD", "monthly", ("https://github.com/sponsors/ada", MANIFEST)
        ),
    )
    assert result.repositories == ("https://github.com/acme/widget",)


@pytest.mark.parametrize(
    ("changes", "problem", "offers"),
    [
        ({"version": "v2.0.0"}, "`version`: unsupported version v2.0.0", 0),
        ({"version": "v1.2.0"}, "`version`: unknown version v1.2.0; read as v1.1.0", 1),
        ({"version": _DELETE}, "`version`: missing; read as v1.1.0", 1),
        ({"version": "v1.0.0", "projects": _DELETE}, "`projects`: required in v1.0.0", 1),
        ({"entity__type": "company"}, "`entity.type`: expected one of individual", 1),
        ({"entity__role": None}, "`entity.role`: expected one of owner", 1),
        ({"entity__email": "nobody"}, "`entity.email`: `nobody` is not an e-mail address", 1),
        ({"entity__phone": "1" * 40}, "`entity.phone`: longer than 32 characters", 1),
        ({"entity__name": 7}, "`entity.name`: expected text", 1),
        ({"entity": "Ada"}, "`entity`: required object missing", 1),
        ({"projects__0__guid": "Widget!"}, "`projects[0].guid`: lower-case letters", 1),
        ({"projects__0__licenses": []}, "`projects[0].licenses`: expected 1 to 5 licences", 1),
        ({"projects__0__tags": ["Bad Tag"]}, "`projects[0].tags`: lower-case letters", 1),
        ({"projects__0__repositoryUrl": {"url": "ftp://x"}}, "`projects[0].repositoryUrl.url`", 1),
        ({"projects": {"a": 1}}, "`projects`: expected a list", 1),
        ({"funding": []}, "`funding`: required object missing", 0),
        ({"funding__channels": []}, "`funding.channels`: expected at least one channel", 0),
        (
            {"funding__channels__0__type": "crypto"},
            "`funding.channels[0].type`: expected one of",
            1,
        ),
        ({"funding__plans": []}, "`funding.plans`: expected at least one plan", 0),
        ({"funding__plans__0__amount": -5}, "`funding.plans[0].amount`: expected a number", 0),
        ({"funding__plans__0__amount": "250"}, "`funding.plans[0].amount`: expected a number", 0),
        ({"funding__plans__0__amount": True}, "`funding.plans[0].amount`: expected a number", 0),
        (
            {"funding__plans__0__currency": "usd"},
            "`funding.plans[0].currency`: expected a three",
            0,
        ),
        (
            {"funding__plans__0__frequency": "daily"},
            "`funding.plans[0].frequency`: expected one",
            0,
        ),
        ({"funding__plans__0__status": "inactive"}, "", 0),
        ({"funding__plans__0__channels": ["gh", "nope"]}, "unknown channel nope", 1),
        ({"funding__plans__0__channels": [{"guid": "gh"}]}, "unknown channel {'guid': 'gh'}", 0),
        ({"funding__channels__0__guid": "GH"}, "`funding.channels[0].guid`: lower-case", 1),
        ({"funding__history": [{"year": "2024"}]}, "`funding.history[0].year`: expected a year", 1),
        ({"funding__history": [{"year": 2024}]}, "`funding.history[0].currency`: expected", 1),
    ],
)
def test_schema_checks(changes: dict[str, Any], problem: str, offers: int) -> None:
    """Each schema rule is reported in one line; usable plans survive, broken ones do not."""
    result = parse_funding_json(json.dumps(_manifest(**changes)), manifest_url=MANIFEST)
    if problem:
        assert any(p.startswith(problem) or problem in p for p in result.problems), result.problems
    else:
        assert result.problems == ()
    assert len(result.offers) == offers
    assert all("\n" not in p for p in result.problems)


@pytest.mark.parametrize(
    "text",
    ["", "null", "[1, 2]", "{", '"text"', "[" * 100_000, "{}", '{"funding": 5}', "x" * 300_000],
)
def test_hostile_input_never_raises(text: str) -> None:
    """Broken, deeply nested or huge input becomes a problem, never an exception."""
    result = parse_funding_json(text, manifest_url=MANIFEST)
    assert result.channels == ()
    assert result.problems


@pytest.mark.parametrize(
    ("manifest", "url", "needed"),
    [
        ("https://example.org/funding.json", "https://example.org/any/project", False),
        ("https://github.com/a/b/blob/HEAD/funding.json", "https://github.com/a/b", False),
        ("https://github.com/a/b/blob/HEAD/funding.json", "https://github.com/a", False),
        ("https://github.com/a/b/blob/HEAD/funding.json", "https://github.com/a/c", True),
        ("https://example.org/p/funding.json", "https://example.org/p/sub", False),
        ("https://example.org/funding.json", "https://other.example/x", True),
    ],
)
def test_needs_proof(manifest: str, url: str, needed: bool) -> None:
    """Only URLs outside the manifest's host (or beside its path) need a wellKnown proof."""
    assert needs_proof(manifest, url) is needed
