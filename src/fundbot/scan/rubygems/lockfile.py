"""`Gemfile.lock` / `gems.locked`: locked gems per source section, and the direct ones."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from fundbot.model import Dependency, SkipReason

ECOSYSTEM: Final = "rubygems"

# `    name (1.2.3)` or `    name (1.2.3-x86_64-linux)`: a locked gem (exactly four spaces).
_SPEC: Final = re.compile(r"    ([^\s(]++)(?: \(([^)\s]++)\))?\s*+$")
# `  name (~> 1.0)!`: a direct dependency; `!` marks one pinned to a GIT or PATH source.
_DIRECT: Final = re.compile(r"  ([^\s(!]++)")
_SOURCES: Final[dict[str, SkipReason | None]] = {
    "GEM": None,
    "GIT": "git",
    "PATH": "path",
    "PLUGIN SOURCE": None,
}


@dataclass(frozen=True, slots=True)
class _Locked:
    name: str
    version: str | None
    skip: SkipReason | None


def parse(path: str, text: str) -> list[Dependency]:
    locked: list[_Locked] = []
    direct: set[str] = set()
    section = ""
    for line in text.splitlines():
        if line and not line[0].isspace():
            section = line.strip()
            continue
        if section in _SOURCES:
            match = _SPEC.match(line)
            if match is not None:
                locked.append(_Locked(match.group(1), match.group(2), _SOURCES[section]))
        elif section == "DEPENDENCIES":
            match = _DIRECT.match(line)
            if match is not None:
                direct.add(match.group(1))
        # PLATFORMS, RUBY VERSION, BUNDLED WITH, CHECKSUMS: nothing to fund there.
    found: dict[Dependency, None] = {}
    for gem in locked:
        dep = Dependency(
            ECOSYSTEM, gem.name, gem.version, "runtime", gem.name in direct, path, gem.skip
        )
        found.setdefault(dep, None)
    return list(found)
