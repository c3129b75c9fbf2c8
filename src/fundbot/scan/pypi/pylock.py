"""`pylock.toml` (PEP 751): `[[packages]]` with their environment markers.

A package whose marker names a dependency group (`'dev' in dependency_groups`) takes that
group's scope (`test*` test, else dev) unless it also names a default group; one whose
marker names an extra (`'x' in extras`) is optional; the rest are runtime. `vcs` sources are
git, `directory` path, `archive` url (path for a local archive). The lock does not say which
packages are direct: `pyproject.toml` beside it does (LOCKFILE_MANIFESTS). Where the lock
writes `dependencies` (optional in PEP 751: `[{ name = … }]`, the entries a package
requires), those are its edges; a lock without any records no graph.
"""

from __future__ import annotations

import re
from typing import Any, Final

from fundbot.model import Dependency, Scope, SkipReason
from fundbot.scan._formats import load_toml
from fundbot.scan.pypi._common import Entry, group_scope, lock_result, named_packages
from fundbot.scan.pypi._pep508 import normalize

_GROUP: Final = re.compile(r"""['"]([^'"]+)['"]\s+in\s+dependency_groups""")


def parse(path: str, text: str) -> list[Dependency]:
    data = load_toml(path, text)
    defaults = data.get("default-groups")
    default_groups = (
        {g for g in defaults if isinstance(g, str)} if isinstance(defaults, list) else set()
    )
    entries: dict[Entry, None] = {}
    edges: dict[tuple[str, str | None], set[str]] = {}
    recorded = False
    for pkg, name, version in named_packages(path, data, "packages"):
        scope = _scope(pkg.get("marker"), default_groups)
        entries[(name, version, scope, False, _skip(pkg))] = None
        required = edges.setdefault((name, version), set())
        dependencies = pkg.get("dependencies")
        if isinstance(dependencies, list):
            recorded = True
            for dependency in dependencies:
                target = dependency.get("name") if isinstance(dependency, dict) else None
                if isinstance(target, str) and target.strip():
                    required.add(normalize(target.strip()))
    if not recorded:  # `dependencies` is optional in PEP 751: this lock records no edges
        return lock_result(path, entries)
    requires = {key: tuple(sorted(names - {key[0]})) for key, names in edges.items()}
    return lock_result(path, entries, requires)


def _scope(marker: object, default_groups: set[str]) -> Scope:
    if not isinstance(marker, str):
        return "runtime"
    groups = _GROUP.findall(marker)
    if groups and not default_groups.intersection(groups):
        return group_scope(groups[0])
    if not groups and " in extras" in marker:
        return "optional"
    return "runtime"


def _skip(pkg: dict[str, Any]) -> SkipReason | None:
    if "vcs" in pkg:
        return "git"
    if "directory" in pkg:
        return "path"
    archive = pkg.get("archive")
    if isinstance(archive, dict):
        return "url" if isinstance(archive.get("url"), str) else "path"
    return None
