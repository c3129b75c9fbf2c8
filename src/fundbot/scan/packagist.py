"""PHP dependency files: Composer's `composer.json` and `composer.lock`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

from fundbot.errors import ManifestError
from fundbot.model import Dependency, Scope, SkipReason
from fundbot.scan._formats import expect_mapping, load_json, optional_mapping, type_name

ECOSYSTEM: Final = "packagist"
FILE_PATTERNS: tuple[str, ...] = ("composer.json", "composer.lock")
LOCKFILE_MANIFESTS: Final[dict[str, str]] = {"composer.lock": "composer.json"}
# No lockfile format here records which entries are direct.
LOCKFILES_KNOW_DIRECT: Final[frozenset[str]] = frozenset()
# Lockfiles whose entries carry their own scope per locked version: no walk re-scopes them.
LOCKFILES_KNOW_SCOPE: Final[frozenset[str]] = frozenset()

# Provided by the PHP runtime or Composer itself, never installed from a repository.
_PLATFORM: Final = re.compile(
    r"(?:php(?:-64bit|-ipv6|-zts|-debug)?|hhvm|ext-.+|lib-.+"
    r"|composer(?:-plugin-api|-runtime-api)?)",
    re.IGNORECASE,
)
_MANIFEST_SECTIONS: Final[tuple[tuple[str, Scope], ...]] = (
    ("require", "runtime"),
    ("require-dev", "dev"),
)
_LOCK_SECTIONS: Final[tuple[tuple[str, Scope], ...]] = (
    ("packages", "runtime"),
    ("packages-dev", "dev"),
)


def parse(path: str, text: str) -> list[Dependency] | None:
    data = expect_mapping(path, load_json(path, text))
    if path.rsplit("/", 1)[-1] == "composer.lock":
        return parse_lock(path, data)
    return parse_manifest(path, data)


def is_platform(name: str) -> bool:
    """`php`, `ext-json`, `lib-icu`, `composer-plugin-api`… are not packages."""
    return _PLATFORM.fullmatch(name) is not None


def parse_manifest(path: str, data: dict[str, Any]) -> list[Dependency]:
    """`require` and `require-dev`, without platform packages; `suggest` is not a dependency."""
    found: dict[Dependency, None] = {}
    for key, scope in _MANIFEST_SECTIONS:
        section = optional_mapping(path, data, key)
        if section is None:
            continue
        for raw, constraint in section.items():
            name = raw.strip().lower()
            if not name or is_platform(name):
                continue
            version = constraint if isinstance(constraint, str) else None
            # A real package is always `vendor/name`; anything else cannot be looked up.
            skip: SkipReason | None = None if "/" in name and version is not None else "invalid"
            found.setdefault(Dependency(ECOSYSTEM, name, version, scope, True, path, skip), None)
    return list(found)


def parse_lock(path: str, data: dict[str, Any]) -> list[Dependency]:
    """Locked packages and what each requires; without the manifest, the ones nothing else
    requires are direct (the scan walks the graph from composer.json's sections when it is
    there). `packages-dev` entries are dev; `path` repositories are skipped as path."""
    entries: list[tuple[dict[str, Any], Scope]] = []
    for key, scope in _LOCK_SECTIONS:
        section = data.get(key)
        if section is None:
            continue
        if not isinstance(section, list):
            raise ManifestError(path, f"expected `{key}` to be a list, found {type_name(section)}")
        entries.extend((entry, scope) for entry in section if isinstance(entry, dict))
    required = _required_by_others(entry for entry, _ in entries)
    found: dict[Dependency, None] = {}
    for entry, scope in entries:
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            continue
        name = name.strip().lower()
        version = entry.get("version")
        version = version if isinstance(version, str) else None
        skip = _lock_skip(entry)
        requires = _lock_requires(entry, name)
        dep = Dependency(
            ECOSYSTEM, name, version, scope, name not in required, path, skip, requires
        )
        found.setdefault(dep, None)
    return list(found)


def _lock_requires(entry: dict[str, Any], own: str) -> tuple[str, ...]:
    """The packages a locked package's `require` names; platform packages (`php`, `ext-*`)
    are not packages, and its `require-dev` is never installed for it."""
    section = entry.get("require")
    if not isinstance(section, dict):
        return ()
    names = {str(name).strip().lower() for name in section}
    return tuple(sorted(n for n in names if n and n != own and not is_platform(n)))


def _lock_skip(entry: dict[str, Any]) -> SkipReason | None:
    # Packagist packages carry a git `source` too; only a `path` repository is local.
    for key in ("dist", "source"):
        info = entry.get(key)
        if isinstance(info, dict) and info.get("type") == "path":
            return "path"
    return None


def _required_by_others(entries: Iterable[dict[str, Any]]) -> set[str]:
    # A locked package's own require-dev is never installed, so only `require` counts.
    names: set[str] = set()
    for entry in entries:
        section = entry.get("require")
        if isinstance(section, dict):
            names.update(str(name).lower() for name in section)
    return names
