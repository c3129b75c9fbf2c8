"""`Gemfile.lock` / `gems.locked`: locked gems per source section, the direct ones, and
what each locked gem requires (the lines indented under it in `specs:`).

Gems from GIT and PATH sections (the project's own gemspec among them) keep skip reasons;
their requirements are edges like any other, so what they pull in is reached through them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from fundbot.model import Dependency, SkipReason

ECOSYSTEM: Final = "rubygems"

# `    name (1.2.3)` or `    name (1.2.3-x86_64-linux)`: a locked gem (exactly four spaces).
_SPEC: Final = re.compile(r"    ([^\s(]++)(?: \(([^)\s]++)\))?\s*+$")
# `      name (~> 1.0)`: a requirement of the locked gem above (exactly six spaces).
_REQUIRES: Final = re.compile(r"      ([^\s(!]++)")
# `  name (~> 1.0)!`: a direct dependency; `!` marks one pinned to a GIT or PATH source.
_DIRECT: Final = re.compile(r"  ([^\s(!]++)")
_SOURCES: Final[dict[str, SkipReason | None]] = {
    "GEM": None,
    "GIT": "git",
    "PATH": "path",
    "PLUGIN SOURCE": None,
}


@dataclass(slots=True)
class _Locked:
    name: str
    version: str | None
    skip: SkipReason | None
    requires: set[str]


def parse(path: str, text: str) -> list[Dependency]:
    locked: list[_Locked] = []
    direct: set[str] = set()
    section = ""
    gem: _Locked | None = None
    for line in text.splitlines():
        if line and not line[0].isspace():
            section = line.strip()
            gem = None
            continue
        if section in _SOURCES:
            match = _SPEC.match(line)
            if match is not None:
                gem = _Locked(match.group(1), match.group(2), _SOURCES[section], set())
                locked.append(gem)
            elif gem is not None and (match := _REQUIRES.match(line)) is not None:
                gem.requires.add(match.group(1))
        elif section == "DEPENDENCIES":
            match = _DIRECT.match(line)
            if match is not None:
                direct.add(match.group(1))
        # PLATFORMS, RUBY VERSION, BUNDLED WITH, CHECKSUMS: nothing to fund there.
    found: dict[Dependency, None] = {}
    for gem in locked:
        requires = tuple(sorted(gem.requires - {gem.name}))
        dep = Dependency(
            ECOSYSTEM,
            gem.name,
            gem.version,
            "runtime",
            gem.name in direct,
            path,
            gem.skip,
            requires,
        )
        found.setdefault(dep, None)
    return list(found)
