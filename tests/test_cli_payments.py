"""`fundbot payments import|check` and `fundbot scan --payments … --format pledge`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fundbot.cli import main
from fundbot.ledger.ledger_csv import parse_ledger
from tests.fakes.server import FakeServer
from tests.test_cli import checkout, registries, run  # noqa: F401  (fixtures)

SAMPLES = Path(__file__).parent / "fixtures" / "payments"
LEDGER = SAMPLES / "ledger"


@pytest.mark.parametrize(
    ("sample", "args", "count"),
    [
        (
            "github_sponsors_activitywatch.csv",
            ["github-sponsors", "--recipient", "github:activitywatch"],
            3,
        ),
        ("open_collective_platform_default.csv", ["open-collective"], 1),
        ("open_collective_activitywatch.csv", ["open-collective", "--payer", "olli-nevalainen"], 1),
        ("thanks_dev.csv", ["thanks-dev"], 2),
        ("ledger/2026.csv", ["csv"], 5),
    ],
)
def test_import_prints_ledger_rows_that_check_clean(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sample: str, args: list[str], count: int
) -> None:
    code, out, err = run(capsys, "payments", "import", str(SAMPLES / sample), "--from", *args)
    assert code == 0, err
    ledger = parse_ledger(out, "imported.csv")
    assert len(ledger.payments) == count
    assert ledger.problems == ()
    (tmp_path / "imported.csv").write_text(out)
    assert main(["payments", "check", str(tmp_path / "imported.csv")]) == 0


def test_import_refuses_an_unknown_layout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "payments", "import", str(SAMPLES / "thanks_dev.csv"), "--from", "open-collective"
    )
    assert (code, out) == (1, "")
    assert "not a open-collective export" in err or "not an open-collective export" in err
    assert "expected columns: Effective Date & Time, Transaction ID" in err


def test_check_exit_codes_follow_config_check(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """0 all rows valid, 1 problems (one per line on stdout), 2 nothing to read."""
    code, out, _ = run(capsys, "payments", "check", str(LEDGER))
    assert code == 1
    assert out.splitlines() == [f"{LEDGER / '2026.csv'}:7: date '2026-13-01' is not a real day"]
    good = tmp_path / "payments"
    good.mkdir()
    (good / "2026.csv").write_text((LEDGER / "2026.csv").read_text().rsplit("2026-13-01", 1)[0])
    code, out, _ = run(capsys, "payments", "check", str(good))
    assert code == 0
    assert "5 payments" in out
    assert "2026: 4" in out
    assert run(capsys, "payments", "check", str(tmp_path / "missing"))[0] == 2


def test_scan_with_payments_shows_planned_against_paid(
    checkout: Path,  # noqa: F811
    registries: FakeServer,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    ledger = tmp_path / "payments"
    ledger.mkdir()
    shutil.copy(LEDGER / "2026.csv", ledger / "2026.csv")
    code, out, err = run(
        capsys,
        "scan",
        str(checkout),
        "--developers",
        "4",
        "--format",
        "json",
        "--payments",
        str(ledger),
        "--year",
        "2026",
    )
    assert code == 0
    assert "2026.csv:7: date '2026-13-01' is not a real day (left out)" in err
    plan = json.loads(out)["plan"]
    assert plan["paid_usd"] == 8080
    for line in plan["lines"]:
        assert line["remaining_usd"] == max(0, line["amount_usd_per_year"] - line["paid_usd"])
    outside = sum(p["amount_usd"] != "0" for p in plan["payments"])
    assert outside == 4


def test_scan_pledge_with_payments_and_a_report_url(
    checkout: Path,  # noqa: F811
    registries: FakeServer,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """The entry reports what was paid; with `pledge.last_report_date` the due date is said."""
    config = tmp_path / "fundbot.yml"
    config.write_text("pledge:\n  last_report_date: 2025-10-08\n")
    code, out, err = run(
        capsys,
        "scan",
        str(checkout),
        "--developers",
        "4",
        "--format",
        "pledge",
        "--payments",
        str(LEDGER / "2026.csv"),
        "--year",
        "2026",
        "--config",
        str(config),
        "--report-url",
        "https://shop.example/blog/pledge-2026",
    )
    assert code == 0, err
    entry = json.loads(out.split("\n\n# ")[0])["annualReports"][0]
    assert entry["usdAmountPaid"] == 8080
    assert entry["year"] == "2026"
    assert entry["url"] == "https://shop.example/blog/pledge-2026"
    assert "next Pledge report is due by 2026-10-08" in err
    assert "paid **\\$8,080**" in out


def test_scan_pledge_without_a_url_says_what_to_add(
    checkout: Path,  # noqa: F811
    registries: FakeServer,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "scan", str(checkout), "--developers", "4", "--format", "pledge")
    assert code == 0
    assert "annualReports" not in out
    assert "--report-url URL, or set `pledge.report_url`" in err
    assert "usdAmountPaid" not in out
