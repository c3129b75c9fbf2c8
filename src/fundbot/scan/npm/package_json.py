"""`package.json`: the dependencies a package declares, with the spec as written."""

from __future__ import annotations

from typing import Any

from fundbot.model import Dependency, SkipReason
from fundbot.scan._formats import expect_mapping, load_json, optional_mapping
from fundbot.scan.npm._common import SECTIONS, Found, add, build, spec_skip_reason, split_alias


def parse(path: str, text: str) -> list[Dependency]:
    """Every dependency section; `bundledDependencies` and `workspaces` are not dependencies."""
    data = expect_mapping(path, load_json(path, text))
    found: Found = {}
    for section, scope in SECTIONS:
        entries = optional_mapping(path, data, section)
        if entries is None:
            continue
        for name, spec in entries.items():
            if not name.strip():
                continue
            real, version, skip = declared(name, spec)
            add(found, real, version, scope, True, skip)
    return build(path, found)


def declared(name: str, spec: Any) -> tuple[str, str | None, SkipReason | None]:
    """(real name, version as written, skip reason) for one `name: spec` entry."""
    if not isinstance(spec, str):
        return name.strip(), None, "invalid"
    spec = spec.strip()
    alias = split_alias(spec)
    if alias is None and spec.startswith("npm:"):
        return name.strip(), spec, "invalid"  # `npm:` with no package after it
    if alias is not None:
        real, rng = alias
        if real.strip():
            return real.strip(), rng or None, spec_skip_reason(rng)
        return name.strip(), spec, "invalid"
    # `catalog:` (pnpm) is resolved from pnpm-workspace.yaml, which parse() cannot see.
    return name.strip(), spec or None, spec_skip_reason(spec)
