"""Ledger files (`.github/fundbot/payments/*.csv`): read and checked row by row, written.

A malformed row is reported with its file, line and problem and left out; the other rows
still count. A file without the required columns is one problem, and none of its rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Final

from fundbot.ledger.recipients import recipient_key
from fundbot.model import Payment
from fundbot.safe_text import FORMULA_START, spreadsheet_cell, write_csv

LEDGER_DIR: Final = ".github/fundbot/payments"
COLUMNS: Final = ("date", "recipient", "amount", "currency", "platform", "reference", "note")
REQUIRED: Final = ("date", "recipient", "amount", "reference")
AMOUNT_USD: Final = "amount_usd"
DEFAULT_CURRENCY: Final = "USD"
_CURRENCY: Final = re.compile(r"[A-Z]{3}")
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_LEDGER_BYTES: Final = 5_000_000


@dataclass(frozen=True, slots=True)
class LedgerProblem:
    """One row (or file) left out of the ledger, and why."""

    file: str
    line: int  # 1 is the header
    problem: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.problem}"


@dataclass(frozen=True, slots=True)
class Ledger:
    payments: tuple[Payment, ...] = ()
    problems: tuple[LedgerProblem, ...] = ()

    def __add__(self, other: Ledger) -> Ledger:
        return merge([self, other])


def merge(ledgers: Iterable[Ledger]) -> Ledger:
    """Several files as one ledger; a reference met again in a later file is a problem."""
    payments: list[Payment] = []
    problems: list[LedgerProblem] = []
    seen: dict[tuple[str, str], str] = {}
    for ledger in ledgers:
        problems += ledger.problems
        for payment in ledger.payments:
            key = (payment.platform.casefold(), payment.reference)
            if key in seen:
                file, _, line = payment.source.rpartition(":")
                problems.append(
                    LedgerProblem(
                        file or payment.source,
                        int(line) if line.isdigit() else 0,
                        f"reference {payment.reference!r} is already recorded ({seen[key]})",
                    )
                )
                continue
            seen[key] = payment.source
            payments.append(payment)
    return Ledger(tuple(payments), tuple(problems))


def parse_ledger(text: str, file: str) -> Ledger:
    """Every well-formed row of one ledger file, and a problem for each other row."""
    if len(text) > MAX_LEDGER_BYTES:
        return Ledger(problems=(LedgerProblem(file, 0, "over 5 MB: split it by year"),))
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return Ledger(problems=(LedgerProblem(file, 1, "empty file: expected a header row"),))
    except csv.Error as exc:
        return Ledger(problems=(LedgerProblem(file, 1, f"not CSV: {exc}"),))
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        expected = ", ".join(COLUMNS) + f" (and {AMOUNT_USD} for other currencies)"
        problem = f"missing column {', '.join(missing)}; expected columns: {expected}"
        return Ledger(problems=(LedgerProblem(file, 1, problem),))
    payments: list[Payment] = []
    problems: list[LedgerProblem] = []
    references: dict[str, int] = {}
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(LedgerProblem(file, reader.line_num, f"not CSV: {exc}"))
            break
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        row = {name: _clean(cells[i]) if i < len(cells) else "" for i, name in enumerate(header)}
        try:
            payment = row_payment(row, f"{file}:{line}")
        except ValueError as exc:
            problems.append(LedgerProblem(file, line, str(exc)))
            continue
        if payment.reference in references:
            first = references[payment.reference]
            problem = f"reference {payment.reference!r} repeats line {first}"
            problems.append(LedgerProblem(file, line, problem))
            continue
        references[payment.reference] = line
        payments.append(payment)
    return Ledger(tuple(payments), tuple(problems))


def _clean(cell: str) -> str:
    cell = cell.strip()
    return cell[1:] if cell.startswith("'") and cell[1:2] in FORMULA_START else cell


def row_payment(row: dict[str, str], source: str) -> Payment:
    """One ledger row as a payment; ValueError says what is wrong with it."""
    when = parse_day(row.get("date", ""))
    recipient = recipient_key(row.get("recipient", ""))
    if recipient is None:
        raise ValueError(
            f"recipient {row.get('recipient', '')!r} is neither a recipient id "
            "(`github:hynek`, `open_collective:express`) nor a URL"
        )
    amount = parse_amount(row.get("amount", ""), "amount")
    currency = (row.get("currency") or DEFAULT_CURRENCY).upper()
    if not _CURRENCY.fullmatch(currency):
        raise ValueError(f"currency {row.get('currency')!r} is not a three-letter code like USD")
    if currency == DEFAULT_CURRENCY:
        usd = amount
        if row.get(AMOUNT_USD) and parse_amount(row[AMOUNT_USD], AMOUNT_USD) != amount:
            raise ValueError(f"{AMOUNT_USD} differs from amount in a USD row")
    elif not row.get(AMOUNT_USD):
        raise ValueError(
            f"{currency} needs an {AMOUNT_USD} column: fundbot converts no currency itself"
        )
    else:
        usd = parse_amount(row[AMOUNT_USD], AMOUNT_USD)
    reference = row.get("reference", "")
    if not reference:
        raise ValueError("reference is empty: give the transaction or invoice id")
    platform = row.get("platform") or recipient.partition(":")[0]
    return Payment(
        date=when,
        recipient=recipient,
        amount=amount,
        currency=currency,
        amount_usd=usd,
        platform=platform,
        reference=reference,
        note=row.get("note", ""),
        source=source,
    )


def parse_day(text: str) -> str:
    """`text` if it is a real calendar day written YYYY-MM-DD; ValueError otherwise."""
    if not _DATE.fullmatch(text):
        raise ValueError(f"date {text!r} is not YYYY-MM-DD")
    try:
        date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"date {text!r} is not a real day") from None
    return text


def parse_amount(text: str, column: str = "amount") -> Decimal:
    """`20`, `$4.52`, `-1,000.00`, `US$ 5`: a finite, non-zero decimal; ValueError otherwise."""
    cleaned = text.replace(",", "").replace("$", "").replace("US", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{column} {text!r} is not a number") from None
    if not value.is_finite() or value == 0:
        raise ValueError(f"{column} {text!r} is not a non-zero amount")
    if abs(value) >= Decimal(10) ** 12:
        raise ValueError(f"{column} {text!r} is too large")
    return value


def ledger_csv(payments: Sequence[Payment]) -> str:
    """Payments as a ledger file (with `amount_usd` when a currency other than USD is used)."""
    foreign = any(p.currency != DEFAULT_CURRENCY for p in payments)
    header = [*COLUMNS, AMOUNT_USD] if foreign else list(COLUMNS)
    rows = []
    for p in payments:
        row = [p.date, p.recipient, str(p.amount), p.currency, p.platform, p.reference, p.note]
        if foreign:
            row.append(str(p.amount_usd))
        # Written with a leading `'` where a spreadsheet would run it; `_clean` reads it back.
        rows.append([spreadsheet_cell(cell, numbers_ok=True) for cell in row])
    return write_csv(header, rows)
