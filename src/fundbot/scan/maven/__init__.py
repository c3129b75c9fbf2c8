"""Maven and Gradle: `pom.xml`, Gradle build scripts and Gradle version catalogs.

All three name a dependency `group:artifact`, the Maven coordinate both tools resolve against.
"""

from __future__ import annotations

import posixpath
from typing import Final

from fundbot.model import Dependency
from fundbot.scan.maven import catalog, gradle, pom
from fundbot.scan.maven._common import ECOSYSTEM

__all__ = [
    "ECOSYSTEM",
    "FILE_PATTERNS",
    "LOCKFILES_KNOW_DIRECT",
    "LOCKFILES_KNOW_SCOPE",
    "LOCKFILE_MANIFESTS",
    "parse",
]

FILE_PATTERNS: tuple[str, ...] = (
    "pom.xml",
    "*.gradle",
    "*.gradle.kts",
    "gradle/*.versions.toml",
)
# No lockfile here takes its scopes from a manifest beside it.
LOCKFILE_MANIFESTS: Final[dict[str, str]] = {}
# No lockfile format here records which entries are direct.
LOCKFILES_KNOW_DIRECT: Final[frozenset[str]] = frozenset()
# Lockfiles whose entries carry their own scope per locked version: no walk re-scopes them.
LOCKFILES_KNOW_SCOPE: Final[frozenset[str]] = frozenset()


def parse(path: str, text: str) -> list[Dependency] | None:
    """Dependencies of one Maven or Gradle file, chosen by its name."""
    name = posixpath.basename(path)
    if name == "pom.xml":
        found = pom.parse(path, text)
    elif name.endswith(".toml"):
        found = catalog.parse(path, text)
    else:
        found = gradle.parse(path, text)
    # dict.fromkeys keeps the first of identical entries, in file order.
    return None if found is None else list(dict.fromkeys(found))
