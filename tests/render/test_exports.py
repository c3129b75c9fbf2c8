"""Exports: GitHub Sponsors CSV, plan CSV and JSON, the Open Source Pledge report and post."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from fundbot.model import Plan
from fundbot.render.exports import (
    plan_csv,
    plan_json,
    pledge_post,
    pledge_report,
    sponsors_csv,
)
from tests.render.golden import assert_golden, assert_harmless, assert_no_inline_math
from tests.render.plans import HOSTILE, empty_plan, hostile_plan, line, realistic_plan


def _with_lines(*amounts_and_handles: tuple[int, str]) -> Plan:
    lines = tuple(
        line(f"github:{h}", amount, ("npm:x",), {"acme/web": amount}, url="", handle=h)
        for amount, h in amounts_and_handles
    )
    return replace(empty_plan(), lines=lines)


@pytest.mark.parametrize(
    ("frequency", "name"),
    [("monthly", "sponsors_monthly.csv"), ("one-time", "sponsors_one_time.csv")],
)
def test_sponsors_csv_golden(frequency: str, name: str) -> None:
    """Only GitHub lines not funded elsewhere, with the exact header GitHub expects."""
    text = sponsors_csv(realistic_plan(), frequency)  # type: ignore[arg-type]
    assert_golden(name, text)
    assert text.split("\n")[0] == "Maintainer username,Sponsorship amount in USD"


@pytest.mark.parametrize(
    ("yearly", "monthly"),
    [(100, 8), (102, 9), (114, 10), (2000, 167), (4000, 333), (6, 1), (1, 1), (18, 2)],
)
def test_monthly_rounding(yearly: int, monthly: int) -> None:
    """Monthly = yearly / 12 rounded half up to whole dollars, and never under GitHub's $1."""
    rows = list(csv.reader(io.StringIO(sponsors_csv(_with_lines((yearly, "a")), "monthly"))))
    assert rows == [["Maintainer username", "Sponsorship amount in USD"], ["a", str(monthly)]]


def test_sponsors_csv_skips_invalid_handles_and_merges_duplicates() -> None:
    """Handles GitHub would refuse are left out; one maintainer appears once."""
    plan = _with_lines((1200, "Alice"), (1200, "alice"), (1200, "=cmd|x"), (1200, "-bad"))
    assert sponsors_csv(plan, "one-time") == (
        "Maintainer username,Sponsorship amount in USD\nAlice,2400\n"
    )


def test_plan_csv_golden() -> None:
    """Every line with its per-year and per-month amounts, packages and repositories."""
    assert_golden("plan.csv", plan_csv(realistic_plan()))


def test_plan_csv_neutralises_formulas() -> None:
    """Cells a spreadsheet would evaluate are prefixed with a quote; newlines are flattened."""
    plan = replace(
        hostile_plan(),
        lines=(replace(hostile_plan().lines[0], recipient="=HYPERLINK(1)", handle="@x\ny"),),
    )
    rows = list(csv.reader(io.StringIO(plan_csv(plan))))
    assert rows[1][0] == "'=HYPERLINK(1)"
    assert rows[1][3] == "'@x y"


def test_plan_json_golden() -> None:
    """The CLI's JSON form: plan (lines, unfunded, excluded), dependencies, errors."""
    data = plan_json(realistic_plan(), dependencies=[{"ecosystem": "npm", "name": "chalk"}])
    assert_golden("plan.json", data)
    assert set(data) == {"plan", "dependencies", "errors"}
    assert sum(line["amount_usd_per_year"] for line in data["plan"]["lines"]) == 20000
    assert data["errors"] == [
        {"manifest": "services/legacy/package-lock.json", "error": "invalid JSON at line 3"}
    ]


def test_plan_json_takes_explicit_errors() -> None:
    """Errors given by the caller replace the plan's own."""
    assert plan_json(empty_plan(), errors=[{"x": 1}])["errors"] == [{"x": 1}]


@pytest.mark.parametrize(("paid", "expected_paid"), [(None, 0), (18500, 18500)])
def test_pledge_report(paid: int | None, expected_paid: int) -> None:
    """The member-file entry: paid is what the ledger recorded (0 without one), never the
    plan's total; the year a string, as the Pledge's schema has it."""
    report = pledge_report(
        realistic_plan(),
        year=2026,
        url="https://acme.example/blog/pledge-2026",
        report_date="2026-11-28",
        paid=paid,
    )
    assert report == {
        "url": "https://acme.example/blog/pledge-2026",
        "year": "2026",
        "reportDate": "2026-11-28",
        "averageNumberOfDevs": 10,
        "usdAmountPaid": expected_paid,
    }


def test_pledge_report_rejects_a_bad_date() -> None:
    """A malformed report date fails here rather than in the Pledge's validation."""
    with pytest.raises(ValueError, match="Invalid isoformat"):
        pledge_report(empty_plan(), year=2026, url="https://x", report_date="28/11/2026")


@pytest.mark.parametrize(
    ("plan", "organisation", "name"),
    [
        (realistic_plan(), "Acme Corp", "pledge_post.md"),
        (empty_plan(), "Acme Corp", "pledge_post_empty.md"),
        (hostile_plan(), HOSTILE, "pledge_post_hostile.md"),
    ],
)
def test_pledge_post_golden(plan: Plan, organisation: str, name: str) -> None:
    """The itemised post draft lists every payment and renders harmlessly."""
    post = pledge_post(plan, year=2026, organisation=organisation)
    assert_golden(name, post)
    assert_harmless(post)
    assert_no_inline_math(post)
