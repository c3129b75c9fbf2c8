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
    requires: set[str] = set()
    in_block = False  # inside a `dependencies:` or `optionalDependencies:` block
    for line in text.split("\n"):
        if not line or line[0] == "#":
            continue
        if line[0] not in " \t":
            if descriptor is not None:
                _entry(found, descriptor, version, resolved, requires)
            descriptor = _first_descriptor(line)
            version = resolved = None
            requires = set()
            in_block = False
        elif line.startswith("    "):
            if in_block:
                requires.add(_required(line))
        else:
            in_block = line.startswith(("  dependencies:", "  optionalDependencies:"))
            if line.startswith("  version "):
                version = _value(line, 10)
            elif line.startswith("  resolved "):
                resolved = _value(line, 11)
    if descriptor is not None:
        _entry(found, descriptor, version, resolved, requires)
    # Edges are names of packages the file locks: an optional one never resolved is none.
    present = {name for name, _version in found}
    for value in found.values():
        value[3] &= present
    return build(path, found)


def _required(line: str) -> str:
    """`    "@babel/core" "^7.0.0"`, `    cjs "npm:string-width@^4"` -> the package name."""
    line = line.strip()
    if line[0] == '"':
        end = line.find('"', 1)
        name, spec = line[1:end], line[end + 1 :].strip()
    else:
        name, _, spec = line.partition(" ")
    spec = spec.strip().strip('"')
    alias = split_alias(spec)
    return alias[0] if alias is not None else name


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


def _entry(
    found: Found, descriptor: str, version: str | None, resolved: str | None, requires: set[str]
) -> None:
    name, spec = split_descriptor(descriptor)
    alias = split_alias(spec)
    if alias is not None:
        name, spec = alias
    if not name.strip():
        return
    skip: SkipReason | None = spec_skip_reason(spec) if spec else None
    if skip is None and resolved is not None and "/-/" not in resolved:
        skip = resolved_skip_reason(resolved)
    add(found, name.strip(), version, "runtime", False, skip, requires)
