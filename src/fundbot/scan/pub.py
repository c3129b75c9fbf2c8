"""Dart and Flutter dependency files: `pubspec.yaml` and `pubspec.lock`."""

from __future__ import annotations

import posixpath
from typing import Any, Final

from fundbot.model import Dependency, Scope, SkipReason
from fundbot.scan._formats import expect_mapping, load_yaml, optional_mapping

ECOSYSTEM: Final = "pub"
FILE_PATTERNS: tuple[str, ...] = ("pubspec.yaml", "pubspec.lock")
LOCKFILE_MANIFESTS: Final[dict[str, str]] = {"pubspec.lock": "pubspec.yaml"}
# pubspec.lock says "direct main", "direct dev" or "transitive" for every package.
LOCKFILES_KNOW_DIRECT: Final = frozenset({"pubspec.lock"})
# Lockfiles whose entries carry their own scope per locked version: no walk re-scopes them.
LOCKFILES_KNOW_SCOPE: Final[frozenset[str]] = frozenset()

# `dependency_overrides` changes versions, not the set of packages, so it is not read.
_SECTIONS: Final[tuple[tuple[str, Scope], ...]] = (
    ("dependencies", "runtime"),
    ("dev_dependencies", "dev"),
)
_SOURCE_SKIPS: Final[dict[str, SkipReason]] = {"git": "git", "path": "path", "sdk": "sdk"}
# What pubspec.lock's `dependency` field says about a package: (scope, direct).
_LOCK_KINDS: Final[dict[str, tuple[Scope, bool]]] = {
    "direct main": ("runtime", True),
    "direct dev": ("dev", True),
    "direct overridden": ("runtime", True),
    "transitive": ("runtime", False),
}


def parse(path: str, text: str) -> list[Dependency] | None:
    data = load_yaml(path, text)
    if data is None:
        return []
    data = expect_mapping(path, data)
    if posixpath.basename(path) == "pubspec.lock":
        return parse_lock(path, data)
    return parse_manifest(path, data)


def parse_manifest(path: str, data: dict[str, Any]) -> list[Dependency]:
    found: dict[Dependency, None] = {}
    for key, scope in _SECTIONS:
        section = optional_mapping(path, data, key)
        if section is None:
            continue
        for name, spec in section.items():
            if isinstance(name, str) and name.strip():
                found.setdefault(_declared(path, name.strip(), spec, scope), None)
    return list(found)


def _declared(path: str, name: str, spec: Any, scope: Scope) -> Dependency:
    """`^1.0.0`, `any`, nothing, `{hosted: …, version: …}`, `{git: …}`, `{path: …}`, `{sdk: …}`."""
    if spec is None or isinstance(spec, str):
        return Dependency(ECOSYSTEM, name, spec, scope, True, path)
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return Dependency(ECOSYSTEM, name, str(spec), scope, True, path)  # `foo: 1` in YAML
    if not isinstance(spec, dict):
        return Dependency(ECOSYSTEM, name, None, scope, True, path, "invalid")
    version = spec.get("version")
    version = version if isinstance(version, str) else None
    skip = next((reason for key, reason in _SOURCE_SKIPS.items() if key in spec), None)
    return Dependency(ECOSYSTEM, name, version, scope, True, path, skip)


def parse_lock(path: str, data: dict[str, Any]) -> list[Dependency]:
    packages = optional_mapping(path, data, "packages")
    if packages is None:
        return []
    found: dict[Dependency, None] = {}
    for name, entry in packages.items():
        if not isinstance(name, str) or not name.strip() or not isinstance(entry, dict):
            continue
        kind = entry.get("dependency")
        scope, direct = _LOCK_KINDS.get(kind if isinstance(kind, str) else "", ("runtime", False))
        version = entry.get("version")
        version = version if isinstance(version, str) else None
        source = entry.get("source")
        skip = _SOURCE_SKIPS.get(source) if isinstance(source, str) else None
        found.setdefault(
            Dependency(ECOSYSTEM, name.strip(), version, scope, direct, path, skip), None
        )
    return list(found)
