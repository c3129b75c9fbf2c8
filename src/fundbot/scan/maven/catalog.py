"""Gradle version catalogs (`gradle/libs.versions.toml`): libraries and plugins.

Build scripts refer to catalog entries (`libs.okhttp`) without naming them, so the catalog is
where those dependencies are found: libraries are recorded as direct runtime dependencies
(which configuration uses them is only known to the scripts), plugins as "build".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fundbot.errors import ManifestError
from fundbot.model import Dependency
from fundbot.scan._formats import load_toml, type_name
from fundbot.scan.maven._common import dependency


def parse(path: str, text: str) -> list[Dependency] | None:
    data = load_toml(path, text)
    tables = {}
    for key in ("versions", "libraries", "plugins"):
        table = data.get(key, {})
        if not isinstance(table, dict):
            raise ManifestError(path, f"expected [{key}] to be a table, found {type_name(table)}")
        tables[key] = table
    versions = tables["versions"]
    found = list(_libraries(path, tables["libraries"], versions))
    found.extend(_plugins(path, tables["plugins"], versions))
    return found


def _libraries(path: str, table: dict[str, Any], versions: dict[str, Any]) -> Iterator[Dependency]:
    for alias, entry in table.items():
        if isinstance(entry, str):
            # "group:artifact:version", or "group:artifact" with the version set elsewhere.
            parts = entry.strip().split(":")
            if len(parts) >= 2 and parts[0] and parts[1]:
                yield dependency(path, f"{parts[0]}:{parts[1]}", _at(parts, 2), "runtime")
            else:
                yield dependency(path, entry.strip() or alias, None, "runtime", "invalid")
        elif isinstance(entry, dict):
            module = entry.get("module")
            if isinstance(module, str) and ":" in module:
                name = module.strip()
            elif isinstance(entry.get("group"), str) and isinstance(entry.get("name"), str):
                name = f"{entry['group'].strip()}:{entry['name'].strip()}"
            else:
                yield dependency(path, alias, None, "runtime", "invalid")
                continue
            yield dependency(path, name, _version(entry, versions), "runtime")


def _plugins(path: str, table: dict[str, Any], versions: dict[str, Any]) -> Iterator[Dependency]:
    for alias, entry in table.items():
        if isinstance(entry, str):
            plugin_id, _, version = entry.strip().partition(":")
            yield _plugin(path, plugin_id or alias, version or None)
        elif isinstance(entry, dict) and isinstance(entry.get("id"), str):
            yield _plugin(path, entry["id"], _version(entry, versions))


def _plugin(path: str, plugin_id: str, version: str | None) -> Dependency:
    # Gradle finds a plugin through its marker artifact `<id>:<id>.gradle.plugin`.
    plugin_id = plugin_id.strip()
    return dependency(path, f"{plugin_id}:{plugin_id}.gradle.plugin", version, "build")


def _version(entry: dict[str, Any], versions: dict[str, Any]) -> str | None:
    """`version = "1"`, `version.ref = "x"`, or a rich version `{ strictly/require/prefer }`."""
    version = entry.get("version")
    if isinstance(version, dict) and isinstance(version.get("ref"), str):
        version = versions.get(version["ref"])
    return _plain(version)


def _plain(version: Any) -> str | None:
    if isinstance(version, str):
        return version.strip() or None
    if isinstance(version, dict):
        for key in ("strictly", "require", "prefer"):
            if isinstance(version.get(key), str):
                return _plain(version[key])
    return None


def _at(parts: list[str], index: int) -> str | None:
    return parts[index] if len(parts) > index and parts[index] else None
