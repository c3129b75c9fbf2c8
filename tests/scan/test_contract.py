"""The contract every registered scanner must keep (Dependabot-style shared test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fundbot.errors import ManifestError
from fundbot.model import ECOSYSTEMS, SCOPES, SKIP_REASONS
from fundbot.scan import SCANNERS, scanner_for
from fundbot.scan.protocol import Scanner
from tests.scan.golden import MANIFESTS, scan_scenario, scenario_dirs

GARBAGE = [
    "",
    "\x00\x01\x02\xff garbage",
    "{{{{",
    "]]]] :: - - ::",
    "<?xml version='1.0'?><a>",
    "a = [",
]


def _ids(scanner: Scanner) -> str:
    return scanner.ECOSYSTEM


def test_registry_is_alphabetical_and_unique() -> None:
    """The registry lists each ecosystem once, in alphabetical module order."""
    names = [getattr(m, "__name__", "") for m in SCANNERS]
    assert names == sorted(names)
    assert sorted(m.ECOSYSTEM for m in SCANNERS) == sorted(ECOSYSTEMS)


@pytest.mark.parametrize("module", SCANNERS, ids=_ids)
def test_scanner_declares_patterns_and_has_fixtures(module: Scanner) -> None:
    """Each scanner has file patterns, a parse function and at least one fixture scenario."""
    assert module.FILE_PATTERNS, "FILE_PATTERNS is empty"
    assert callable(module.parse)
    assert any(d.relative_to(MANIFESTS).parts[0] == module.ECOSYSTEM for d in scenario_dirs())


@pytest.mark.parametrize("module", SCANNERS, ids=_ids)
@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_gives_nothing_or_manifest_error(module: Scanner, text: str) -> None:
    """Empty or garbage content yields no dependency, or a ManifestError: nothing else.

    It calls the scanner's own `parse`, not `scan_file`: scan_file turns any exception into
    a ManifestError to keep a scan alive, which would hide a crashing parser here.
    """
    for pattern in module.FILE_PATTERNS:
        path = "dir/" + pattern.replace("*", "x").replace("?", "x")
        if scanner_for(path) is not module:
            continue
        try:
            found = module.parse(path, text)
        except ManifestError as exc:
            assert exc.path == path
        else:
            assert not found or all(d.ecosystem == module.ECOSYSTEM for d in found)


@pytest.mark.parametrize("module", SCANNERS, ids=_ids)
def test_lockfile_pairs_name_files_of_the_same_scanner(module: Scanner) -> None:
    """Each lockfile named in LOCKFILE_MANIFESTS/LOCKFILES_KNOW_DIRECT, and its manifest,
    are files this scanner reads."""
    for lock, manifest in module.LOCKFILE_MANIFESTS.items():
        assert scanner_for(f"dir/{lock}") is module
        assert scanner_for(f"dir/{manifest}") is module
    for lock in module.LOCKFILES_KNOW_DIRECT:
        assert scanner_for(f"dir/{lock}") is module


@pytest.mark.parametrize(
    "scenario", scenario_dirs(), ids=lambda p: p.relative_to(MANIFESTS).as_posix()
)
def test_fixture_dependencies_are_well_formed(scenario: Path) -> None:
    """Every dependency found in a fixture has a known ecosystem, scope and skip reason."""
    for dep in scan_scenario(scenario)["dependencies"]:
        assert dep["ecosystem"] in ECOSYSTEMS
        assert dep["scope"] in SCOPES
        assert dep["skip_reason"] is None or dep["skip_reason"] in SKIP_REASONS
        assert dep["name"]
        assert dep["name"] == dep["name"].strip()
        assert not dep["manifest"].startswith("/")
        assert "\\" not in dep["manifest"]
