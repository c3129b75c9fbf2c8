"""`fundbot payments import|check` and `fundbot scan --payments … --format pledge`."""

from __future__ import annotations

import datetime
import json
import re
import shutil
from pathlib import Path

import pytest

from fundbot.cli import main
from fundbot.ledger.ledger_csv import parse_ledger
from fundbot.render.pledge import next_report_due, report_due_note
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
    last = datetime.date.today() - datetime.timedelta(days=40)
    due = next_report_due(last.isoformat())
    config.write_text(f"pledge:\n  last_report_date: {last.isoformat()}\n")
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
    assert f"note: the next Open Source Pledge report is due by {due.isoformat()}" in err
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


def _scan(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    return run(
        capsys,
        "scan",
        str(root),
        "--developers",
        "4",
        "--payments",
        str(LEDGER / "2026.csv"),
        "--year",
        "2026",
        *args,
    )


def test_the_table_shows_paid_and_remaining_as_the_json_has_them(
    checkout: Path,  # noqa: F811
    registries: FakeServer,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, _ = _scan(capsys, checkout, "--format", "json")
    plan = json.loads(out)["plan"]
    monkeypatch.setenv("COLUMNS", "300")
    code, table, _ = _scan(capsys, checkout)
    assert code == 0
    header = next(row for row in table.splitlines() if "per year" in row)
    assert re.search(r"paid in 2026 .* remaining", header)
    for line in plan["lines"]:
        row = next(r for r in table.splitlines() if f"${line['amount_usd_per_year']:,}" in r)
        cells = [c.strip() for c in re.split(r"[│┃|]", row) if c.strip()]
        assert f"${line['paid_usd']:,}" in cells
        assert any(c.startswith(f"${line['remaining_usd']:,}") for c in cells)
    total = next(r for r in table.splitlines() if "total" in r)
    assert f"${plan['remaining_usd']:,}" in total
    assert f"${sum(x['paid_usd'] for x in plan['lines']):,}" in total
    budget = plan["budget"]
    share = round(100 * plan["paid_usd"] / budget)
    assert f"Paid in 2026: ${plan['paid_usd']:,} of ${budget:,} paid, {share}%" in table
    assert f"of which ${plan['payments_outside_plan']:,} to recipients outside the plan" in table


def test_the_report_due_date_is_in_every_plan_output(
    checkout: Path,  # noqa: F811
    registries: FakeServer,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With `pledge.last_report_date`, the markdown plan issue, the table and the JSON notes
    say when the next report is due, as the App's plan issue does."""
    config = tmp_path / "fundbot.yml"
    config.write_text("pledge:\n  last_report_date: 2025-03-01\n")
    monkeypatch.setenv("COLUMNS", "300")  # the table's notes unwrapped
    note = report_due_note("2025-03-01", datetime.date.today())
    assert note is not None
    _, markdown, _ = _scan(capsys, checkout, "--config", str(config), "--format", "markdown")
    assert "report was due by 2026-03-01 (12 months after the last one, 2025-03-01)" in markdown
    _, table, _ = _scan(capsys, checkout, "--config", str(config))
    assert f"note: {note}" in table
    _, out, _ = _scan(capsys, checkout, "--config", str(config), "--format", "json")
    assert note in json.loads(out)["plan"]["notes"]


def test_report_due_note_says_when_it_is_late() -> None:
    assert report_due_note(None, datetime.date(2026, 1, 1)) is None
    early = report_due_note("2025-10-08", datetime.date(2026, 10, 8))
    assert early == (
        "the next Open Source Pledge report is due by 2026-10-08 "
        "(12 months after the last one, 2025-10-08)"
    )
    late = report_due_note("2025-10-08", datetime.date(2026, 10, 9))
    assert late is not None
    assert late.endswith(": it is late")
