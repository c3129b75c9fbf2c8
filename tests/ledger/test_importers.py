"""Platform exports into ledger rows, from real export samples (see PROVENANCE.md)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from fundbot.ledger.importers import ImportOptions, LayoutError, import_export

SAMPLES = Path(__file__).parent.parent / "fixtures" / "payments"


def _import(name: str, source: str, **opts: str) -> list[tuple[str, str, Decimal, str]]:
    text = (SAMPLES / name).read_text()
    ledger = import_export(text, source, name, ImportOptions(**opts))
    return [(p.date, p.recipient, p.amount_usd, p.reference) for p in ledger.payments]


def test_github_sponsors_export_of_the_sponsored_account() -> None:
    """The real export: each settled transaction a payment to the account it belongs to."""
    rows = _import(
        "github_sponsors_activitywatch.csv", "github-sponsors", recipient="github:ActivityWatch"
    )
    assert rows == [
        ("2023-05-07", "github:activitywatch", Decimal("4.52"), "ch_3N5DWnEQsq43iHhX1Svht2g7"),
        ("2023-06-03", "github:activitywatch", Decimal("3.00"), "ch_3NExsXEQsq43iHhX0Fmfcg6w"),
        ("2023-05-03", "github:activitywatch", Decimal("3.00"), "ch_3N3ikOEQsq43iHhX1eMXefVn"),
    ]


def test_github_sponsors_rows_of_one_payer() -> None:
    rows = _import(
        "github_sponsors_activitywatch.csv",
        "github-sponsors",
        recipient="github:activitywatch",
        payer="Justyn",
    )
    assert [r[3] for r in rows] == ["ch_3NExsXEQsq43iHhX0Fmfcg6w", "ch_3N3ikOEQsq43iHhX1eMXefVn"]


def test_github_sponsors_export_needs_the_account_it_is_for() -> None:
    with pytest.raises(LayoutError, match="--recipient github:LOGIN"):
        _import("github_sponsors_activitywatch.csv", "github-sponsors")


def test_open_collective_platform_default_export_of_the_paying_organisation() -> None:
    """Its contributions count; the host fee, the reversed one and the EUR one do not
    (the EUR one is reported: it needs amount_usd by hand)."""
    text = (SAMPLES / "open_collective_platform_default.csv").read_text()
    ledger = import_export(text, "open-collective", "oc.csv")
    assert [(p.date, p.recipient, p.amount_usd, p.platform) for p in ledger.payments] == [
        ("2026-02-03", "open_collective:express", Decimal("1500.00"), "open_collective")
    ]
    (problem,) = ledger.problems
    assert problem.line == 4
    assert "EUR" in problem.problem
    assert "amount_usd" in problem.problem


def test_open_collective_collective_export_counts_only_the_named_payer() -> None:
    """A collective's own export (real, field ids as headers) lists everybody's
    contributions: without --payer none is ours; with it, only that payer's."""
    assert _import("open_collective_activitywatch.csv", "open-collective") == []
    rows = _import("open_collective_activitywatch.csv", "open-collective", payer="olli-nevalainen")
    assert rows == [("2023-06-01", "open_collective:activitywatch", Decimal(24), "80120e4e")]


def test_thanks_dev_statement() -> None:
    rows = _import("thanks_dev.csv", "thanks-dev")
    assert [(r[0], r[2], r[3]) for r in rows] == [
        ("2026-01-31", Decimal("500.00"), "TD-2026-0001"),
        ("2026-02-28", Decimal("500.00"), "TD-2026-0002"),
    ]


def test_rows_are_deduplicated_by_reference() -> None:
    text = (SAMPLES / "thanks_dev.csv").read_text()
    doubled = text + text.split("\n", 1)[1]
    ledger = import_export(doubled, "thanks-dev", "td.csv")
    assert len(ledger.payments) == 2


@pytest.mark.parametrize(
    ("sample", "source", "expected"),
    [
        ("thanks_dev.csv", "github-sponsors", "expected columns: Sponsor Handle"),
        (
            "github_sponsors_activitywatch.csv",
            "open-collective",
            "expected columns: Effective Date",
        ),
        ("open_collective_activitywatch.csv", "thanks-dev", "expected columns: Date, Amount"),
        ("thanks_dev.csv", "csv", "expected columns: date, recipient, amount"),
    ],
)
def test_an_unknown_layout_is_refused_with_the_columns_expected(
    sample: str, source: str, expected: str
) -> None:
    with pytest.raises(LayoutError, match=expected):
        import_export(
            (SAMPLES / sample).read_text(), source, sample, ImportOptions(recipient="github:x")
        )


def test_an_impossible_date_in_an_export_is_a_problem_not_a_payment() -> None:
    """Imports check dates as ledger files do, so `payments check` never refuses their output."""
    text = (SAMPLES / "thanks_dev.csv").read_text().replace("2026-02-28", "2026-02-31")
    ledger = import_export(text, "thanks-dev", "td.csv")
    assert [p.reference for p in ledger.payments] == ["TD-2026-0001"]
    assert [p.problem for p in ledger.problems] == ["date '2026-02-31' is not a real day"]


def test_the_pledge_reporters_csv_is_a_github_sponsors_layout() -> None:
    """The organisation's own payments as the Pledge's reporter writes them: cents to
    dollars, one reference per account, day and payment, a refund negative."""
    rows = _import("osp_github_reporter.csv", "github-sponsors")
    assert rows[:3] == [
        ("2026-01-10", "github:hynek", Decimal(100), "osp-reporter:hynek:2026-01-10:1"),
        ("2026-02-10", "github:hynek", Decimal(100), "osp-reporter:hynek:2026-02-10:1"),
        ("2026-02-25", "github:pallets", Decimal(25), "osp-reporter:pallets:2026-02-25:1"),
    ]
    assert rows[-1] == (
        "2026-03-12",
        "github:pallets",
        Decimal(-25),
        "osp-reporter:pallets:2026-03-12:1",
    )
    assert sum(r[2] for r in rows) == Decimal(325)


def test_a_github_sponsors_layout_error_names_both_layouts() -> None:
    with pytest.raises(LayoutError) as caught:
        import_export("Date,Amount\n2026-01-01,5\n", "github-sponsors", "x.csv")
    assert "missing Sponsor Handle" in str(caught.value)
    assert "; or Date, Sponsorable, Amount in US Cents" in str(caught.value)


def test_a_reporter_row_with_a_bad_login_or_amount_is_a_problem() -> None:
    text = "Date,Sponsorable,Amount in US Cents\n2026-01-10,not a login,100\n2026-01-11,x,abc\n"
    ledger = import_export(text, "github-sponsors", "r.csv")
    assert ledger.payments == ()
    assert [p.line for p in ledger.problems] == [2, 3]
