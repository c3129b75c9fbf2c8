"""The contract every registered scanner must keep (Dependabot-style shared test)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from fundbot.errors import ManifestError
from fundbot.model import ECOSYSTEMS, SCOPES, SKIP_REASONS
from fundbot.scan import SCANNERS, scan_file, scanner_for
from tests.scan.golden import MANIFESTS, scan_scenario, scenario_dirs

GARBAGE = [
    "",
    "\x00\x01\x02\xff garbage",
    "{{{{",
    "]]]] :: - - ::",
    "<?xml version='1.0'?><a>",
    "a = [",
]


def _ids(module: ModuleType) -> str:
    return str(module.ECOSYSTEM)


def test_registry_is_alphabetical_and_unique() -> None:
    """The registry lists each ecosystem once, in alphabetical module order."""
    names = [m.__name__ for m in SCANNERS]
    assert names == sorted(names)
    assert sorted(m.ECOSYSTEM for m in SCANNERS) == sorted(ECOSYSTEMS)


@pytest.mark.parametrize("module", SCANNERS, ids=_ids)
def test_scanner_declares_patterns_and_has_fixtures(module: ModuleType) -> None:
    """Each scanner has file patterns, a parse function and at least one fixture scenario."""
    assert module.FILE_PATTERNS, "FILE_PATTERNS is empty"
    assert callable(module.parse)
    assert any(d.relative_to(MANIFESTS).parts[0] == module.ECOSYSTEM for d in scenario_dirs())


@pytest.mark.parametrize("module", SCANNERS, ids=_ids)
@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_gives_nothing_or_manifest_error(module: ModuleType, text: str) -> None:
    """Empty or garbage content yields no dependency, or a ManifestError: nothing else."""
    for pattern in module.FILE_PATTERNS:
        path = "dir/" + pattern.replace("*", "x").replace("?", "x")
        if scanner_for(path) is not module:
            continue
        try:
            found = scan_file(path, text)
        except ManifestError as exc:
            assert exc.path == path
        else:
            assert found == [] or all(d.ecosystem == module.ECOSYSTEM for d in found)


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
