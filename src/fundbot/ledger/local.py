"""Ledger files on disk: one CSV file, or every `*.csv` in a directory (sorted)."""

from __future__ import annotations

from pathlib import Path

from fundbot.ledger.ledger_csv import Ledger, LedgerProblem, merge, parse_ledger


def ledger_files(path: Path) -> list[Path]:
    """The CSV files `path` names: itself, or a directory's `*.csv` (not recursive)."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
    return [path]


def read_ledger(path: Path) -> Ledger:
    """Every payment in the files at `path`; unreadable files become problems.

    Raises FileNotFoundError when `path` does not exist.
    """
    if not path.exists():
        raise FileNotFoundError(path)
    ledgers = []
    for file in ledger_files(path):
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            ledgers.append(Ledger(problems=(LedgerProblem(str(file), 0, "not UTF-8 text"),)))
            continue
        except OSError as exc:
            problem = f"cannot read: {exc.strerror or exc}"
            ledgers.append(Ledger(problems=(LedgerProblem(str(file), 0, problem),)))
            continue
        ledgers.append(parse_ledger(text, str(file)))
    return merge(ledgers)
