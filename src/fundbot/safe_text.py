"""Text from registries and repositories, made harmless for a terminal or a spreadsheet.

A package name or an error text carrying ESC sequences can retitle a terminal, hide lines
or forge a hyperlink; a bidirectional override makes `evil.com/ppa` read as something else.
Markdown has its own escaping (render/markdown.py); this is for everything else.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Final

# C0 controls but newline (fundbot's own line breaks), DEL, C1 controls, and the bidi
# marks, embeddings, overrides and isolates.
_UNSAFE: Final = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def printable(text: str) -> str:
    """`text` without control characters or bidirectional overrides (newlines kept)."""
    return _UNSAFE.sub("", text)


def one_line(text: str) -> str:
    """`printable`, and any run of whitespace (newlines too) as one space."""
    return " ".join(printable(text.replace("\t", " ")).split())


# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: str, *, numbers_ok: bool = False) -> str:
    """A text cell a spreadsheet shows rather than runs: one printable line, with a leading
    `'` where it would start a formula (a negative number stays a number if `numbers_ok`)."""
    value = one_line(value)
    if value.startswith(FORMULA_START) and not (numbers_ok and _is_number(value)):
        return "'" + value
    return value


def write_csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _is_number(cell: str) -> bool:
    try:
        Decimal(cell)
    except InvalidOperation:
        return False
    return True
