"""Ledger files: every column checked, bad rows reported with file and line, others kept."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from fundbot.ledger.ledger_csv import ledger_csv, merge, parse_ledger
from fundbot.ledger.local import read_ledger

LEDGER = Path(__file__).parent.parent / "fixtures" / "payments" / "ledger"
HEADER = "date,recipient,amount,currency,platform,reference,note\n"


def test_the_fixture_year_reads_with_its_one_bad_row_reported() -> None:
    """Five good rows count; the sixth (month 13) is reported with file and line."""
    ledger = read_ledger(LEDGER)
    assert [p.reference for p in ledger.payments] == [
        "GH-2025-12",
        "GH-2026-01",
        "7f3e1c2a-0b1d-4c59-9a0e-1d2b3c4d5e6f",
        "GH-2026-03",
        "PSF-INV-118",
    ]
    (problem,) = ledger.problems
    assert problem.file.endswith("2026.csv")
    assert problem.line == 7
    assert "not a real day" in problem.problem
    by_ref = {p.reference: p for p in ledger.payments}
    # Ids as plan lines write them: handles case-folded, funding URLs read as platform ids.
    assert by_ref["GH-2026-01"].recipient == "github:sindresorhus"
    assert by_ref["GH-2026-03"].recipient == "github:pallets"
    psf = by_ref["PSF-INV-118"]
    assert (psf.amount, psf.currency, psf.amount_usd) == (Decimal(1000), "EUR", Decimal(1080))
    assert psf.recipient.startswith("url:https://www.python.org/psf/donations")


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("26-01-01,github:a,5,USD,github,R1,", "not YYYY-MM-DD"),
        ("2026-02-30,github:a,5,USD,github,R1,", "not a real day"),
        ("2026-01-01,someone,5,USD,github,R1,", "neither a recipient id"),
        ("2026-01-01,github:a,five,USD,github,R1,", "amount 'five' is not a number"),
        ("2026-01-01,github:a,0,USD,github,R1,", "not a non-zero amount"),
        ("2026-01-01,github:a,5,EUR,github,R1,", "EUR needs an amount_usd column"),
        ("2026-01-01,github:a,5,dollars,github,R1,", "not a three-letter code"),
        ("2026-01-01,github:a,5,USD,github,,", "reference is empty"),
    ],
)
def test_each_malformed_row_is_named_and_the_others_still_count(row: str, problem: str) -> None:
    text = HEADER + "2026-01-01,github:ok,10,USD,github,GOOD,\n" + row + "\n"
    ledger = parse_ledger(text, "payments/2026.csv")
    assert [p.reference for p in ledger.payments] == ["GOOD"]
    (found,) = ledger.problems
    assert (found.file, found.line) == ("payments/2026.csv", 3)
    assert problem in found.problem
    assert str(found).startswith("payments/2026.csv:3: ")


def test_currency_defaults_to_usd_and_platform_to_the_recipients() -> None:
    text = "date,recipient,amount,reference\n2026-05-01,open_collective:Babel,250,X1\n"
    (payment,) = parse_ledger(text, "f.csv").payments
    assert (payment.currency, payment.amount_usd, payment.platform) == (
        "USD",
        Decimal(250),
        "open_collective",
    )


def test_a_file_without_the_required_columns_says_which_are_expected() -> None:
    ledger = parse_ledger("when,who,how much\n2026-01-01,github:a,5\n", "f.csv")
    assert ledger.payments == ()
    (problem,) = ledger.problems
    assert problem.line == 1
    assert "missing column date, recipient, amount, reference" in problem.problem
    assert "expected columns: date, recipient, amount, currency" in problem.problem


def test_a_reference_repeated_within_a_file_or_across_files_counts_once() -> None:
    one = parse_ledger(
        HEADER + "2026-01-01,github:a,5,USD,github,R1,\n2026-01-02,github:a,5,USD,github,R1,\n",
        "a.csv",
    )
    assert len(one.payments) == 1
    assert "repeats line 2" in one.problems[0].problem
    two = parse_ledger(HEADER + "2026-03-01,github:a,5,USD,github,R1,\n", "b.csv")
    both = merge([one, two])
    assert len(both.payments) == 1
    assert "already recorded (a.csv:2)" in both.problems[-1].problem


def test_written_ledger_reads_back_and_cannot_run_as_a_formula() -> None:
    text = HEADER + '2026-01-01,github:a,-5,USD,github,R1,"=HYPERLINK(""x"")"\n'
    (payment,) = parse_ledger(text, "f.csv").payments
    out = ledger_csv([payment])
    assert "'=HYPERLINK" in out
    assert ",-5," in out  # a refund stays a number
    (again,) = parse_ledger(out, "g.csv").payments
    assert again.note == payment.note
    assert again.amount == Decimal(-5)
