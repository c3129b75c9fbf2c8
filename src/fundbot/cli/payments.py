"""`fundbot payments import|check`: platform exports into ledger rows; ledger files checked."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from fundbot.ledger.importers import SOURCES, ImportOptions, LayoutError, import_export
from fundbot.ledger.ledger_csv import LEDGER_DIR, ledger_csv
from fundbot.ledger.local import read_ledger
from fundbot.words import plural

# As `fundbot config check`: 0 valid, 1 problems found, 2 nothing to read.
EXIT_OK = 0
EXIT_INVALID = 1
EXIT_NO_FILE = 2


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "payments", help=f"import payment exports into, and check, the ledger ({LEDGER_DIR})"
    )
    actions = parser.add_subparsers(dest="payments_command", metavar="import|check", required=True)
    imp = actions.add_parser(
        "import",
        help="turn a platform's export into ledger rows (CSV on stdout)",
        description="Read a payment export and print ledger rows, de-duplicated by reference, "
        f"to add to a file under {LEDGER_DIR}/.",
    )
    imp.add_argument("file", type=Path, help="the export file (CSV)")
    imp.add_argument("--from", dest="source", choices=SOURCES, required=True, help="its platform")
    imp.add_argument(
        "--recipient",
        metavar="ID",
        help="the account a GitHub Sponsors export belongs to, e.g. github:hynek (not needed "
        "for the CSV of the Open Source Pledge's GitHub reporter, which names each one)",
    )
    imp.add_argument(
        "--payer",
        metavar="LOGIN",
        help="keep only rows paid by this account (your organisation's login or handle)",
    )
    imp.set_defaults(run=run_import)
    check = actions.add_parser(
        "check",
        help="print every problem in ledger files (exit 1), or a summary (exit 0)",
    )
    check.add_argument("path", type=Path, help=f"a ledger file or a directory like {LEDGER_DIR}")
    check.set_defaults(run=run_check)


def _read(path: Path, command: str) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        print(f"fundbot payments {command}: {path}: no such file", file=sys.stderr)
    except IsADirectoryError:
        print(f"fundbot payments {command}: {path} is a directory: give the file", file=sys.stderr)
    except OSError as exc:
        print(f"fundbot payments {command}: {path}: cannot read: {exc.strerror}", file=sys.stderr)
    except UnicodeDecodeError:
        print(f"fundbot payments {command}: {path}: not UTF-8 text", file=sys.stderr)
    return None


def run_import(args: argparse.Namespace) -> int:
    text = _read(args.file, "import")
    if text is None:
        return EXIT_NO_FILE
    opts = ImportOptions(recipient=args.recipient, payer=args.payer)
    try:
        ledger = import_export(text, args.source, str(args.file), opts)
    except LayoutError as exc:
        print(f"fundbot payments import: {exc}", file=sys.stderr)
        return EXIT_INVALID
    for problem in ledger.problems:
        print(f"warning: {problem} (left out)", file=sys.stderr)
    sys.stdout.write(ledger_csv(ledger.payments))
    print(f"{plural(len(ledger.payments), 'payment')} from {args.file}", file=sys.stderr)
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    path: Path = args.path
    try:
        ledger = read_ledger(path)
    except FileNotFoundError:
        print(f"fundbot payments check: {path}: no such file or directory", file=sys.stderr)
        return EXIT_NO_FILE
    for problem in ledger.problems:
        print(problem)
    if ledger.problems:
        print(f"{plural(len(ledger.problems), 'problem')} in {path}", file=sys.stderr)
        return EXIT_INVALID
    years: dict[str, int] = {}
    for payment in ledger.payments:
        years[payment.date[:4]] = years.get(payment.date[:4], 0) + 1
    print(f"{len(ledger.payments)} payments in {path}: ok")
    for year in sorted(years):
        print(f"  {year}: {years[year]}")
    return EXIT_OK
