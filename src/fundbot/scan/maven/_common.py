"""What the Maven and Gradle parsers share: the dependency constructor and `${…}` expansion."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from fundbot.model import Dependency, Scope, SkipReason

ECOSYSTEM: Final = "maven"
# References inside values are expanded a few levels deep, never forever.
MAX_EXPANSIONS: Final = 8
MAX_VALUE: Final = 1000


def expand(value: str, pattern: re.Pattern[str], lookup: Callable[[str], str | None]) -> str:
    """Replace each reference `pattern` finds (its last matching group: the name) with its value.

    An unknown reference stays as written; one that never settles (a property that refers to
    itself) leaves the whole value as written.
    """
    written = value
    for _ in range(MAX_EXPANSIONS):
        expanded = pattern.sub(
            lambda m: _value(lookup(m.group(m.lastindex or 0)), m.group(0)), value
        )
        if expanded == value:
            return value
        if len(expanded) > MAX_VALUE:
            break
        value = expanded
    return written


def _value(found: str | None, written: str) -> str:
    return written if found is None else found


def dependency(
    path: str,
    name: str,
    version: str | None,
    scope: Scope,
    skip: SkipReason | None = None,
    *,
    direct: bool = True,
) -> Dependency:
    if skip is None and "$" in name:
        # An unresolved property in the coordinates: nothing to look up.
        skip = "invalid"
    return Dependency(ECOSYSTEM, name, version or None, scope, direct, path, skip)
