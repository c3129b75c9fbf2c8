"""Gradle scripts as text: comments dropped, strings masked, continued lines joined, `$x` read.

Nothing here knows Gradle's grammar; `gradle` reads declarations from the lines made here.
"""

from __future__ import annotations

import re
from typing import Final

from fundbot.scan.maven._common import expand

# One character of a double-quoted string: a template `${…}` may hold quotes of its own. Each
# character can be read one way only, so a failed match never backtracks exponentially.
_DOUBLE: Final = r"""(?:[^"\\\n$]|\\.|\$(?!\{)|\$\{[^}\n]{0,200}\})"""
# One token per match, every match consuming what it scanned: linear on any input.
_TOKEN: Final = re.compile(
    rf'"""[\s\S]*?(?:"""|\Z)|"{_DOUBLE}*(?:"|$)|\'(?:\\.|[^\'\\\n])*(?:\'|$)'
    r"|//[^\n]*|/\*[\s\S]*?(?:\*/|\Z)",
    re.MULTILINE,
)
# A quoted string, quotes included, as exactly one group (see `unquote`).
STRING: Final = rf"""("{_DOUBLE}*"|'(?:[^'\\\n]|\\.)*')"""
_ASSIGNMENTS: Final = (
    re.compile(
        rf"(?:^|\s)(?:(?:def|val|var|const\s+val)\s+)?([\w.]+)\s*(?::\s*String\s*)?=\s*{STRING}"
    ),
    re.compile(rf"\bext(?:ra)?\s*\[\s*{STRING}\s*\]\s*=\s*{STRING}"),
    re.compile(rf"\bset\s*\(\s*{STRING}\s*,\s*{STRING}\s*\)"),
)
# `$v`, `${v}`, `${project.v}`, `${property("v")}`: the name is the last group that matched.
_REFERENCE: Final = re.compile(
    r"""\$(?:\{\s*(?:(?:project\.)?(?:property|findProperty)\(\s*"(\w+)"\s*\)|([\w.]+))\s*\}|(\w+))"""
)
_MAX_JOINS: Final = 8
_NOT_NEWLINE: Final = re.compile(r"[^\n]")


def mask_lines(text: str) -> tuple[list[str], list[str]]:
    """The script's lines without comments; a second copy with string contents blanked."""
    clean: list[str] = []
    masked: list[str] = []
    last = 0
    for token in _TOKEN.finditer(text):
        between = text[last : token.start()]
        clean.append(between)
        masked.append(between)
        value = token.group()
        if value.startswith("/"):
            blank = "\n" * value.count("\n")
            clean.append(blank)
            masked.append(blank)
        else:
            clean.append(value)
            multiline = "\n" in value
            masked.append(_NOT_NEWLINE.sub("_", value) if multiline else "_" * len(value))
        last = token.end()
    clean.append(text[last:])
    masked.append(text[last:])
    return "".join(clean).split("\n"), "".join(masked).split("\n")


def join_continued(clean: list[str], masked: list[str]) -> tuple[list[str], list[str]]:
    """A declaration continued on the next lines (after `(` or `,`) becomes one line."""
    out_clean: list[str] = []
    out_masked: list[str] = []
    joins = 0
    for line, mask in zip(clean, masked, strict=True):
        if joins:
            out_clean[-1] += " " + line
            out_masked[-1] += " " + mask
        else:
            out_clean.append(line)
            out_masked.append(mask)
        # Bounded, so one odd line cannot glue the whole file together.
        continued = mask.rstrip().endswith(("(", ",")) and joins < _MAX_JOINS
        joins = joins + 1 if continued else 0
    return out_clean, out_masked


def read_variables(lines: list[str]) -> dict[str, str]:
    """`def v = '1'`, `val v = "1"`, `ext.v = '1'`, `v = '1'` in `ext { }`, `extra["v"] = "1"`."""
    found: dict[str, str] = {}
    for line in lines:
        if "=" not in line and "set" not in line:
            continue
        for pattern in _ASSIGNMENTS:
            for match in pattern.finditer(line):
                name, value = match.group(1, 2)
                name = name if pattern is _ASSIGNMENTS[0] else unquote(name)
                value = unquote(value)
                if "$" not in value:
                    found.setdefault(name.rpartition(".")[2], value)
    return found


def unquote(string: str) -> str:
    return string[1:-1]


def substitute(value: str, variables: dict[str, str]) -> str:
    return expand(value.strip(), _REFERENCE, lambda name: _lookup(name, variables))


def _lookup(name: str, variables: dict[str, str]) -> str | None:
    for prefix in ("rootProject.", "project.", "ext.", "extra."):
        name = name.removeprefix(prefix)
    return variables.get(name)
