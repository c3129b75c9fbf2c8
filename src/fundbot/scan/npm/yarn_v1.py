"""Classic `yarn.lock` (v1): its own indented format, read line by line in linear time."""

from __future__ import annotations

from fundbot.model import Dependency, SkipReason
from fundbot.scan.npm._common import (
    Found,
    add,
    build,
    resolved_skip_reason,
    spec_skip_reason,
    split_alias,
    split_descriptor,
)


def parse(path: str, text: str) -> list[Dependency]:
    """Each block is `"a@^1", "a@^1.1":` then `  version "1.2.0"` and `  resolved "…"`."""
    found: Found = {}
    descriptor: str | None = None
    version: str | None = None
    resolved: str | None = None
    for line in text.split("\n"):
        if not line or line[0] == "#":
            continue
        if line[0] not in " \t":
            if descriptor is not None:
                _entry(found, descriptor, version, resolved)
            descriptor = _first_descriptor(line)
            version = resolved = None
        elif line.startswith("  version "):
            version = _value(line, 10)
        elif line.startswith("  resolved "):
            resolved = _value(line, 11)
    if descriptor is not None:
        _entry(found, descriptor, version, resolved)
    return build(path, found)


def _first_descriptor(line: str) -> str | None:
    """`"@babel/core@^7.1.0", "@babel/core@^7.7.2":` -> `@babel/core@^7.1.0`."""
    line = line.rstrip()
    if not line.endswith(":"):
        return None
    first = line[:-1].split(",", 1)[0].strip().strip('"')
    return first or None


def _value(line: str, start: int) -> str | None:
    value = line[start:].strip()
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        value = value[1:-1]
    return value or None


def _entry(found: Found, descriptor: str, version: str | None, resolved: str | None) -> None:
    name, spec = split_descriptor(descriptor)
    alias = split_alias(spec)
    if alias is not None:
        name, spec = alias
    if not name.strip():
        return
    skip: SkipReason | None = spec_skip_reason(spec) if spec else None
    if skip is None and resolved is not None and "/-/" not in resolved:
        skip = resolved_skip_reason(resolved)
    add(found, name.strip(), version, "runtime", False, skip)
