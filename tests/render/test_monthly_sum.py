"""Monthly amounts add up: the per-month column sums to the monthly budget, and the GitHub
Sponsors upload carries exactly the per-month column's amounts (issue 11)."""

from __future__ import annotations

import csv
import io

from fundbot.model import Plan, PlanLine
from fundbot.render.exports import plan_csv, sponsors_csv
from fundbot.render.text import monthly_amounts


def _plan(*amounts: int) -> Plan:
    lines = tuple(
        PlanLine(
            f"github:m{i}",
            "github",
            f"https://github.com/sponsors/m{i}",
            f"m{i}",
            amount,
            1.0,
            (f"npm:p{i}",),
            ("o/a",),
        )
        for i, amount in enumerate(amounts)
    )
    return Plan(3000, 1, "configured", "", 3000, "USD", lines)


def test_thirds_add_up_to_the_monthly_budget() -> None:
    """3 x $1,000 a year is $83.33 a month each: 83 + 83 + 83 would lose a dollar."""
    plan = _plan(1000, 1000, 1000)
    assert sorted(monthly_amounts(plan.lines).values()) == [83, 83, 84]
    rows = list(csv.DictReader(io.StringIO(plan_csv(plan))))
    assert sum(int(r["amount_usd_per_month"]) for r in rows) == 250


def test_sponsors_csv_amounts_are_the_monthly_column() -> None:
    plan = _plan(1234, 777, 565, 424)
    column = {
        r["handle"]: int(r["amount_usd_per_month"])
        for r in csv.DictReader(io.StringIO(plan_csv(plan)))
    }
    upload = {
        r["Maintainer username"]: int(r["Sponsorship amount in USD"])
        for r in csv.DictReader(io.StringIO(sponsors_csv(plan, "monthly")))
    }
    assert upload == column
    assert sum(column.values()) == 250  # 3,000 / 12
