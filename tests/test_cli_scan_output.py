"""`fundbot scan` says what could not be checked once: the coverage sentence names every
reason, so no second note repeats them (review finding: they were printed twice)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fundbot.cli.scan_output import unchecked_sentence
from fundbot.model import HeldBack, Plan, UnfundedPackage
from tests.test_cli_unchecked import COVERAGE, scan, trouble  # noqa: F401  (fixture)

REASONS = "crates.io unreachable (2)"


def test_the_table_names_each_unchecked_reason_once(
    trouble: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    code, out, _ = scan(capsys, trouble)
    assert code == 0
    assert out.count(REASONS) == 1
    assert "could not be checked:" not in out


def test_other_formats_warn_once_on_stderr(
    trouble: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, _, err = scan(capsys, trouble, "--format", "json")
    assert err.count(REASONS) == 1
    assert f"warning: {COVERAGE}; their funding is unknown" in err


def _plan(unchecked: tuple[UnfundedPackage, ...]) -> Plan:
    return Plan(
        budget=1000,
        developers=1,
        developers_source="configured",
        developers_method="given",
        per_developer=1000,
        currency="USD",
        lines=(),
        unchecked=unchecked,
        held_back=HeldBack(),
    )


def test_with_nothing_held_back_the_summary_names_the_reasons() -> None:
    """No weight to hold back (the coverage sentence then names no reason): the summary does."""
    serde = UnfundedPackage("cargo:serde", 0.0, None, (), reason="crates.io unreachable")
    assert serde.unchecked
    assert unchecked_sentence(_plan((serde,))) == (
        "1 package could not be checked: crates.io unreachable (1)"
    )
    assert unchecked_sentence(_plan(())) is None
