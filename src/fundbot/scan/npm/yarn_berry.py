"""Yarn Berry (2+) `yarn.lock`: YAML keyed by descriptors, with protocol-tagged resolutions."""

from __future__ import annotations

from typing import Any

from fundbot.model import Dependency, SkipReason
from fundbot.scan._formats import expect_mapping, load_yaml
from fundbot.scan.npm._common import (
    Found,
    add,
    build,
    decode_protocol,
    spec_skip_reason,
    split_descriptor,
    url_skip_reason,
)

_LOCAL_VERSION = "0.0.0-use.local"


def parse(path: str, text: str) -> list[Dependency]:
    """Workspace entries are the repository's own packages; what they declare is direct."""
    data = expect_mapping(path, load_yaml(path, text))
    entries = [(k, v) for k, v in data.items() if k != "__metadata" and isinstance(v, dict)]
    direct = _workspace_declarations(entries)
    found: Found = {}
    for key, entry in entries:
        resolution = entry.get("resolution")
        if not isinstance(resolution, str):
            resolution = str(key).split(",", 1)[0].strip()
        name, reference = split_descriptor(resolution)
        if not name or reference == "workspace:.":  # the project's root is no dependency
            continue
        skip = _skip(reference)
        version = None if skip == "invalid" else _version(reference, entry.get("version"))
        scope = None
        for descriptor in str(key).split(","):
            scope = scope or direct.get(_normalise(descriptor))
        requires = _requires(entry.get("dependencies"))
        add(found, name, version, scope or "runtime", scope is not None, skip, requires)
    # Edges are names of packages the file locks: an optional one never resolved is none.
    present = {name for name, _version in found}
    for value in found.values():
        value[3] &= present
    return build(path, found)


def _requires(dependencies: Any) -> set[str]:
    """`{"cjs": "npm:string-width@^4", "debug": "npm:^4"}` -> {`string-width`, `debug`}:
    Berry writes an alias as `npm:<name>@<range>`."""
    if not isinstance(dependencies, dict):
        return set()
    names = set()
    for name, spec in dependencies.items():
        real = str(name)
        if isinstance(spec, str) and spec.startswith("npm:"):
            at = spec.find("@", 5)
            if at > 4:
                real = spec[4:at]
        names.add(real)
    return names


def _workspace_declarations(entries: list[tuple[Any, dict[str, Any]]]) -> dict[str, str]:
    """Descriptor (`name@npm:^1.0.0`) -> scope, for everything a workspace declares."""
    declared: dict[str, str] = {}
    for _key, entry in entries:
        resolution = entry.get("resolution")
        if not isinstance(resolution, str) or "@workspace:" not in resolution:
            continue
        optional = entry.get("dependenciesMeta")
        optional = optional if isinstance(optional, dict) else {}
        for section, scope in (("dependencies", "runtime"), ("peerDependencies", "peer")):
            names = entry.get(section)
            if not isinstance(names, dict):
                continue
            for name, rng in names.items():
                meta = optional.get(name)
                if scope == "runtime" and isinstance(meta, dict) and meta.get("optional"):
                    declared.setdefault(_normalise(f"{name}@{rng}"), "optional")
                declared.setdefault(_normalise(f"{name}@{rng}"), scope)
    return declared


def _version(reference: str, written: Any) -> str | None:
    """The registry version as written in the resolution: YAML reads `1.10` as a number."""
    if reference.startswith("patch:"):
        reference = split_descriptor(decode_protocol(reference[6:].split("#", 1)[0]))[1]
    if reference.startswith("npm:") and reference[4:]:
        return reference[4:]
    if written is None or written == _LOCAL_VERSION or isinstance(written, (dict, list)):
        return None
    return str(written)


def _normalise(descriptor: str) -> str:
    """Older lockfiles write ranges without `npm:`; keys carry a `::locator=` suffix."""
    name, rng = split_descriptor(descriptor.strip().strip('"'))
    rng = rng.split("::", 1)[0]
    if rng and ":" not in rng:
        rng = "npm:" + rng
    return f"{name}@{rng}"


def _skip(reference: str) -> SkipReason | None:
    """`npm:1.0.0` is a registry package, and so is a patched one (`patch:x@npm%3A1.0.0#…`)."""
    if reference.startswith(("npm:", "patch:", "workspace:")):
        return spec_skip_reason(reference)
    reference = reference.split("::", 1)[0]
    if reference.startswith(("link:", "portal:", "file:", "exec:")):
        return "path"
    if "#commit=" in reference or reference.startswith(("git", "ssh:")):
        return "git"
    if reference.startswith(("http://", "https://")):
        return url_skip_reason(reference)
    # A plugin's protocol (Babel's `condition:`) wraps packages that have their own entries.
    return "invalid"
