"""Every scanner fixture scenario scans to exactly its expected.json."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scan.golden import MANIFESTS, assert_scenario, scenario_dirs


@pytest.mark.parametrize(
    "scenario", scenario_dirs(), ids=lambda p: p.relative_to(MANIFESTS).as_posix()
)
def test_scenario_matches_expected(scenario: Path) -> None:
    """The scenario's files give exactly the dependencies and errors in expected.json."""
    assert_scenario(scenario)
