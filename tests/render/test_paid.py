"""Planned against paid in the plan issue and the Pledge report, in three states: nothing
paid, partly paid (two platforms, one payment outside the plan, one overpaid), fully paid."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from fundbot.ledger.local import read_ledger
from fundbot.ledger.reconcile import reconcile
from fundbot.model import Payment, Plan
from fundbot.render.issue import render_plan_issue
from fundbot.render.paid import percent, progress
from fundbot.render.pledge import next_report_due, pledge_post, pledge_report, report_problems
from tests.render.golden import assert_golden, assert_harmless, assert_no_inline_math
from tests.render.plans import realistic_context, realistic_plan

LEDGER = Path(__file__).parent.parent / "fixtures" / "payments" / "ledger"
TODAY = datetime.date(2026, 10, 15)


def _paid_in_full(plan: Plan) -> list[Payment]:
    return [
        Payment(
            date="2026-06-30",
            recipient=line.recipient,
            amount=Decimal(line.amount),
            currency="USD",
            amount_usd=Decimal(line.amount),
            platform=line.platform,
            reference=f"FULL-{i}",
        )
        for i, line in enumerate(plan.lines)
    ]


def state(name: str) -> Plan:
    plan = realistic_plan()
    payments = {
        "nothing": [],
        "partly": list(read_ledger(LEDGER).payments),
        "fully": _paid_in_full(plan),
    }[name]
    return reconcile(plan, payments, 2026, today=TODAY)


STATES = ("nothing", "partly", "fully")


@pytest.mark.parametrize("name", STATES)
def test_plan_issue_golden(name: str) -> None:
    body = render_plan_issue(state(name), realistic_context())
    assert_golden(f"plan_issue_paid_{name}.md", body)
    assert_harmless(body)
    assert_no_inline_math(body)


@pytest.mark.parametrize("name", STATES)
def test_pledge_post_golden(name: str) -> None:
    post = pledge_post(state(name), year=2026, organisation="Acme Corp")
    assert_golden(f"pledge_post_paid_{name}.md", post)
    assert_harmless(post)
    assert_no_inline_math(post)


def test_plan_issue_progress_and_totals_when_partly_paid() -> None:
    body = render_plan_issue(state("partly"), realistic_context())
    assert "$8,080 of $20,000 paid, 40%" in body
    assert "| **Total** |  | $20,000 | $7,000 | $13,300 |" in body
    assert "$0 (overpaid by $300)" in body
    assert "\\$1,080 paid to 1 recipient outside the plan" in body
    # The Sponsors file offers what remains: sindresorhus's $2,000 over 3 months, no pallets.
    assert "\nsindresorhus,667\n" in body
    assert "\npallets," not in body


def test_progress_line_reads_as_the_issue_asks() -> None:
    """The issue's own example, bar and words: $6,400 of a $24,000 plan paid."""
    assert percent(6400, 24000) == 27
    assert percent(0, 0) == 0
    plan = replace(
        realistic_plan(),
        budget=24_000,
        paid_known=True,
        paid_year=2026,
        paid_usd=6400,
    )
    assert progress(plan) == (
        "**Paid in 2026:** `█████░░░░░░░░░░░░░░░` $6,400 of $24,000 paid, 27%."
    )
    assert progress(replace(plan, paid_known=False)) == ""


def test_without_a_ledger_the_issue_is_unchanged() -> None:
    body = render_plan_issue(realistic_plan(), realistic_context())
    assert "paid," not in body
    assert "Remaining" not in body


def test_pledge_entry_is_money_that_moved() -> None:
    for name, paid in (("nothing", 0), ("partly", 8080), ("fully", 20000)):
        entry = pledge_report(
            state(name), year=2026, url="https://acme.example/pledge-2026", report_date="2026-12-01"
        )
        assert entry["usdAmountPaid"] == paid
        assert report_problems(entry) == []


def test_draft_and_labels() -> None:
    draft = pledge_post(state("nothing"), year=2026, organisation="Acme")
    assert "*Draft:" in draft
    assert "will pay" in draft
    assert " paid **" not in draft
    partly = pledge_post(state("partly"), year=2026, organisation="Acme")
    assert "Draft" not in partly
    assert "## Planned, not yet paid" in partly
    assert "| [pallets](https://github.com/sponsors/pallets) | GitHub Sponsors | $3,500 |" in partly
    full = pledge_post(state("fully"), year=2026, organisation="Acme")
    assert "Planned, not yet paid" not in full


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"url": ""}, "url '' is not an absolute http(s) URL"),
        ({"url": "acme.example/report"}, "not an absolute http(s) URL"),
        ({"year": 2026}, "year must be a string"),
        ({"reportDate": "01/12/2026"}, "reportDate '01/12/2026'"),
        ({"usdAmountPaid": -1}, "usdAmountPaid -1"),
        ({"averageNumberOfDevs": True}, "averageNumberOfDevs True"),
    ],
)
def test_entry_is_checked_against_the_pledge_schema(entry: dict[str, object], problem: str) -> None:
    good = {
        "url": "https://acme.example/p",
        "year": "2026",
        "reportDate": "2026-12-01",
        "averageNumberOfDevs": 10,
        "usdAmountPaid": 5,
    }
    problems = report_problems(good | entry)
    assert len(problems) == 1
    assert problem in problems[0]


def test_next_report_is_due_twelve_months_after_the_last() -> None:
    assert next_report_due("2025-10-08") == datetime.date(2026, 10, 8)
    assert next_report_due("2024-02-29") == datetime.date(2025, 2, 28)
