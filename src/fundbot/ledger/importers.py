"""Platform exports turned into ledger rows: GitHub Sponsors, Open Collective, thanks.dev, and
fundbot's own ledger CSV. Each layout is recognised by its header; any other is refused with
the columns expected.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from fundbot.errors import FundbotError
from fundbot.ledger.ledger_csv import (
    Ledger,
    LedgerProblem,
    merge,
    parse_amount,
    parse_day,
    parse_ledger,
)
from fundbot.ledger.recipients import recipient_key
from fundbot.model import Payment

SOURCES: Final = ("github-sponsors", "open-collective", "thanks-dev", "csv")


class LayoutError(FundbotError, ValueError):
    """The file is not the export it was said to be; the message names the columns expected."""


@dataclass(frozen=True, slots=True)
class ImportOptions:
    # GitHub Sponsors exports are per sponsored account and do not name it: who was paid.
    recipient: str | None = None
    # Keep only rows paid by this account (a GitHub login, an Open Collective handle).
    payer: str | None = None


Row = Mapping[str, str]


# -- GitHub Sponsors ---------------------------------------------------------------------
# The columns of GitHub's "Export sponsorship data" CSV (Payment Source is newer: optional).
GITHUB_SPONSORS_COLUMNS: Final = (
    "Sponsor Handle",
    "Sponsorship Started On",
    "Transaction ID",
    "Tier Name",
    "Processed Amount",
    "Status",
    "Transaction Date",
)
_FAILED: Final = frozenset({"failed", "declined", "refunded", "disputed"})


def _github_sponsors(rows: Sequence[tuple[int, Row]], file: str, opts: ImportOptions) -> Ledger:
    recipient = recipient_key(opts.recipient or "")
    if recipient is None:
        raise LayoutError(
            "a GitHub Sponsors export does not name the account it is for: "
            "give it as --recipient github:LOGIN"
        )
    payments, problems = [], []
    for line, row in rows:
        if opts.payer and row["Sponsor Handle"].casefold() != opts.payer.casefold():
            continue
        if row.get("Status", "").casefold() in _FAILED:
            continue
        try:
            amount = parse_amount(row["Processed Amount"])
            when = _day(row["Transaction Date"])
        except ValueError as exc:
            problems.append(LedgerProblem(file, line, str(exc)))
            continue
        reference = row["Transaction ID"] or f"{row['Sponsor Handle']}:{when}:{amount}"
        note = f"{row.get('Tier Name') or 'sponsorship'} from {row['Sponsor Handle']}"
        payments.append(_usd(when, recipient, amount, "github", reference, note, file, line))
    return Ledger(tuple(payments), tuple(problems))


# The CSV of the Open Source Pledge's GitHub reporter (osp-github-reporter, `report.py`,
# `print_payments_csv`): an organisation's own GitHub Sponsors payments, reconstructed from its
# sponsorship activity with a classic token, one row per payment.
OSP_REPORTER_COLUMNS: Final = ("Date", "Sponsorable", "Amount in US Cents")


def _osp_reporter(rows: Sequence[tuple[int, Row]], file: str, opts: ImportOptions) -> Ledger:
    payments, problems = [], []
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        login = row["Sponsorable"]
        recipient = recipient_key(f"github:{login}")
        try:
            if recipient is None:
                raise ValueError(f"Sponsorable {login!r} is not a GitHub login")
            amount = parse_amount(row["Amount in US Cents"], "Amount in US Cents") / 100
            when = _day(row["Date"])
        except ValueError as exc:
            problems.append(LedgerProblem(file, line, str(exc)))
            continue
        # The reporter names no transaction: the account, the day and the n-th payment that
        # day make the reference (a refund and a charge can fall on one day).
        n = seen[(recipient, when)] = seen.get((recipient, when), 0) + 1
        reference = f"osp-reporter:{recipient.partition(':')[2]}:{when}:{n}"
        note = "GitHub Sponsors, reconstructed by the Open Source Pledge's reporter"
        payments.append(_usd(when, recipient, amount, "github", reference, note, file, line))
    return Ledger(tuple(payments), tuple(problems))


# -- Open Collective -----------------------------------------------------------------------
# The transactions export, "Platform Default" fields, with names or with field ids as headers.
OPEN_COLLECTIVE_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "date": ("Effective Date & Time", "Date & Time", "Date", "effectiveDate", "datetime", "date"),
    "id": ("Transaction ID", "id", "shortId"),
    "type": ("Credit/Debit", "type"),
    "kind": ("Kind", "kind"),
    "amount": ("Amount Single Column", "Amount", "amount"),
    "currency": ("Currency", "currency"),
    "account": ("Account Handle", "accountSlug"),
    "opposite": ("Opposite Account Handle", "oppositeAccountSlug"),
    "description": ("Description", "description"),
    "reversed": ("Is Reversed", "isRefunded"),
    "reverse": ("Is Reverse", "isRefund"),
}
_PAID_KINDS: Final = frozenset({"CONTRIBUTION", "ADDED_FUNDS"})


def _open_collective(rows: Sequence[tuple[int, Row]], file: str, opts: ImportOptions) -> Ledger:
    payments, problems = [], []
    for line, raw in rows:
        row = _aliased(raw, OPEN_COLLECTIVE_ALIASES)
        paid = _oc_payment(row, opts)
        if paid is None:
            continue
        recipient, payer = paid
        try:
            amount = abs(parse_amount(row["amount"]))
            when = _day(row["date"])
        except ValueError as exc:
            problems.append(LedgerProblem(file, line, str(exc)))
            continue
        currency = (row.get("currency") or "USD").upper()
        if currency != "USD":
            problems.append(
                LedgerProblem(
                    file,
                    line,
                    f"{currency} {amount} to {recipient}: add it to the ledger by hand "
                    "with its amount_usd (fundbot converts no currency)",
                )
            )
            continue
        note = row["description"] or f"contribution from {payer}"
        key = recipient_key(f"open_collective:{recipient}")
        if key is None:
            problems.append(LedgerProblem(file, line, f"no collective named: {recipient!r}"))
            continue
        payments.append(
            _usd(
                when,
                key,
                amount,
                "open_collective",
                row["id"],
                note,
                file,
                line,
            )
        )
    return Ledger(tuple(payments), tuple(problems))


def _oc_payment(row: Row, opts: ImportOptions) -> tuple[str, str] | None:
    """(collective paid, payer) of a contribution that was not refunded, else None.

    The payer's own export shows it as a DEBIT to the collective; a collective's export as a
    CREDIT from the payer, which counts only for the payer named by --payer (a collective's
    export lists everybody's contributions).
    """
    if row["kind"].upper() not in _PAID_KINDS:
        return None
    if any(_yes(row.get(k, "")) for k in ("reversed", "reverse")):
        return None
    kind = row["type"].upper()
    payer = (opts.payer or "").casefold()
    if kind == "DEBIT" and (not payer or row.get("account", "").casefold() == payer):
        return row["opposite"], row.get("account", "")
    if kind == "CREDIT" and payer and row["opposite"].casefold() == payer:
        return row.get("account", ""), row["opposite"]
    return None


# -- thanks.dev ------------------------------------------------------------------------------
# thanks.dev publishes no export format; this is the donation statement layout fundbot
# accepts (see tests/fixtures/payments/PROVENANCE.md): one row per payment to thanks.dev.
THANKS_DEV_COLUMNS: Final = ("Date", "Amount", "Currency", "Invoice")


def _thanks_dev(rows: Sequence[tuple[int, Row]], file: str, opts: ImportOptions) -> Ledger:
    payments, problems = [], []
    for line, row in rows:
        try:
            amount = parse_amount(row["Amount"])
            when = _day(row["Date"])
        except ValueError as exc:
            problems.append(LedgerProblem(file, line, str(exc)))
            continue
        if (row.get("Currency") or "USD").upper() != "USD":
            problems.append(LedgerProblem(file, line, f"{row['Currency']}: add amount_usd by hand"))
            continue
        note = row.get("Description") or "thanks.dev donation"
        payments.append(
            _usd(
                when,
                "url:https://thanks.dev",
                amount,
                "thanks_dev",
                row["Invoice"],
                note,
                file,
                line,
            )
        )
    return Ledger(tuple(payments), tuple(problems))


# -- dispatch ----------------------------------------------------------------------------------

_Importer = Callable[[Sequence[tuple[int, Row]], str, ImportOptions], Ledger]
_Columns = tuple[tuple[str, ...], ...]  # each column, under any of its names
# Each source's layouts, the first the one named when none matches.
_LAYOUTS: Final[dict[str, tuple[tuple[_Columns, _Importer], ...]]] = {
    "github-sponsors": (
        (tuple((c,) for c in GITHUB_SPONSORS_COLUMNS), _github_sponsors),
        (tuple((c,) for c in OSP_REPORTER_COLUMNS), _osp_reporter),
    ),
    "open-collective": (
        (
            tuple(
                OPEN_COLLECTIVE_ALIASES[k]
                for k in ("date", "id", "type", "kind", "amount", "opposite")
            ),
            _open_collective,
        ),
    ),
    "thanks-dev": ((tuple((c,) for c in THANKS_DEV_COLUMNS), _thanks_dev),),
}


def import_export(text: str, source: str, file: str, opts: ImportOptions | None = None) -> Ledger:
    """A platform export as ledger payments, de-duplicated by reference.

    Raises LayoutError (naming the columns expected) when the header is not `source`'s.
    """
    opts = opts or ImportOptions()
    if source == "csv":
        ledger = parse_ledger(text, file)
        if ledger.problems and ledger.problems[0].line == 1 and not ledger.payments:
            raise LayoutError(ledger.problems[0].problem)
        return merge([ledger])
    if source not in _LAYOUTS:
        raise LayoutError(f"unknown source {source!r}: one of {', '.join(SOURCES)}")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error):
        header = []
    importer = _layout(source, header, file)
    rows: list[tuple[int, Row]] = []
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((reader.line_num, _row(header, cells)))
    except csv.Error as exc:
        raise LayoutError(f"{file}:{reader.line_num}: not CSV: {exc}") from None
    return merge([importer(rows, file, opts)])


def _layout(source: str, header: Sequence[str], file: str) -> _Importer:
    """The importer of the first of `source`'s layouts whose columns `header` has all of."""
    layouts = _LAYOUTS[source]
    for needed, importer in layouts:
        if all(any(n in header for n in names) for names in needed):
            return importer
    needed = layouts[0][0]
    missing = [names[0] for names in needed if not any(n in header for n in names)]
    expected = "; or ".join(", ".join(names[0] for names in cols) for cols, _ in layouts)
    raise LayoutError(
        f"{file} is not a {source} export: missing {', '.join(missing)}; "
        f"expected columns: {expected}"
    )


def _row(header: Sequence[str], cells: Sequence[str]) -> dict[str, str]:
    return {name: cells[i].strip() if i < len(cells) else "" for i, name in enumerate(header)}


def _aliased(row: Row, aliases: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    return {key: next((row[n] for n in names if n in row), "") for key, names in aliases.items()}


def _yes(value: str) -> bool:
    return value.strip().casefold() in ("true", "yes", "1")


def _day(text: str) -> str:
    """The calendar day of `2023-05-07 21:46:01 +0200` or `2024-06-28T13:24:46.000-04:00`."""
    return parse_day(text.strip()[:10])


def _usd(
    when: str,
    recipient: str,
    amount: Decimal,
    platform: str,
    reference: str,
    note: str,
    file: str,
    line: int,
) -> Payment:
    return Payment(
        date=when,
        recipient=recipient,
        amount=amount,
        currency="USD",
        amount_usd=amount,
        platform=platform,
        reference=reference,
        note=note,
        source=f"{file}:{line}",
    )
