"""`*.gemspec`: the `add_*dependency` calls of a gem's specification, read without Ruby."""

from __future__ import annotations

import re
from typing import Final

from fundbot.model import Dependency, Scope
from fundbot.scan.rubygems._ruby import call_arguments, tokens

ECOSYSTEM: Final = "rubygems"

_ADD: Final = re.compile(r"\.add_(runtime_|development_)?dependency\b")


def parse(path: str, text: str) -> list[Dependency]:
    found: dict[Dependency, None] = {}
    for line in text.splitlines():
        match = _ADD.search(line)
        if match is None or line.lstrip().startswith("#"):
            continue
        scope: Scope = "dev" if match.group(1) == "development_" else "runtime"
        call = call_arguments(tokens(line[match.end() :]))
        name = call.first_string()
        if name is None:
            continue
        # `"~> 1"`, `[">= 1", "< 2"]`; a variable such as `version` gives None.
        requirements = call.literal_strings()
        version = ", ".join(requirements) if requirements else None
        found.setdefault(Dependency(ECOSYSTEM, name, version, scope, True, path), None)
    return list(found)
