"""Golden-file comparison for scanner fixtures: each scenario folder holds real files and
an `expected.json` with the dependencies fundbot must find in them.

Regenerate after a deliberate change with `FUNDBOT_UPDATE_GOLDEN=1 pytest tests/scanners`,
then read the diff before committing it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fundbot.graph import build_graph, via
from fundbot.model import Dependency
from fundbot.scan import scan_files

MANIFESTS = Path(__file__).parent.parent / "fixtures" / "manifests"
NOT_INPUT = {"expected.json", "PROVENANCE.tsv"}


def scenario_dirs() -> list[Path]:
    """Every folder under fixtures/manifests that has an expected.json."""
    return sorted(p.parent for p in MANIFESTS.rglob("expected.json"))


def scenario_files(scenario: Path) -> dict[str, str]:
    """The scenario's input files, keyed by their path relative to the scenario folder."""
    files: dict[str, str] = {}
    for path in sorted(scenario.rglob("*")):
        if path.is_file() and path.name not in NOT_INPUT:
            rel = path.relative_to(scenario).as_posix()
            files[rel] = path.read_bytes().decode("utf-8-sig", errors="replace")
    return files


def scan_scenario(scenario: Path) -> dict[str, Any]:
    result = scan_files(scenario_files(scenario))
    found: dict[str, Any] = {
        "dependencies": [_golden(d) for d in result.dependencies],
        "errors": [asdict(e) for e in result.errors],
    }
    if any(dep.requires is not None for dep in result.dependencies):
        # What `fundbot deps` shows as `via`: the direct packages each package is reached
        # through (empty for a direct one), over the graph of the whole scenario.
        found["via"] = {
            pkg: list(roots) for pkg, roots in via(build_graph(result.dependencies)).items()
        }
    return found


def _golden(dep: Dependency) -> dict[str, Any]:
    """A dependency's fields; `requires` only where the format records edges, so the
    expectations of flat formats read as before and those with a graph pin its edges."""
    fields = asdict(dep)
    if fields["requires"] is None:
        del fields["requires"]
    else:
        fields["requires"] = list(fields["requires"])
    return fields


def assert_scenario(scenario: Path) -> None:
    actual = scan_scenario(scenario)
    expected_path = scenario / "expected.json"
    if os.environ.get("FUNDBOT_UPDATE_GOLDEN"):
        expected_path.write_text(json.dumps(actual, indent=1, sort_keys=True) + "\n")
    expected = json.loads(expected_path.read_text())
    assert expected == actual
