"""Ruby dependency files: `Gemfile`, `Gemfile.lock` and `*.gemspec`, read without running Ruby."""

from __future__ import annotations

import posixpath
from typing import Final

from fundbot.model import Dependency
from fundbot.scan.rubygems import gemfile, gemspec, lockfile

ECOSYSTEM: Final = "rubygems"
FILE_PATTERNS: tuple[str, ...] = ("Gemfile", "Gemfile.lock", "gems.rb", "gems.locked", "*.gemspec")
LOCKFILE_MANIFESTS: Final[dict[str, str]] = {"Gemfile.lock": "Gemfile", "gems.locked": "gems.rb"}
# The DEPENDENCIES section lists exactly the direct gems.
LOCKFILES_KNOW_DIRECT: Final = frozenset({"Gemfile.lock", "gems.locked"})
# Lockfiles whose entries carry their own scope per locked version: no walk re-scopes them.
LOCKFILES_KNOW_SCOPE: Final[frozenset[str]] = frozenset()


def parse(path: str, text: str) -> list[Dependency] | None:
    name = posixpath.basename(path)
    if name in ("Gemfile.lock", "gems.locked"):
        return lockfile.parse(path, text)
    if name.endswith(".gemspec"):
        return gemspec.parse(path, text)
    return gemfile.parse(path, text)


__all__ = [
    "ECOSYSTEM",
    "FILE_PATTERNS",
    "LOCKFILES_KNOW_DIRECT",
    "LOCKFILES_KNOW_SCOPE",
    "LOCKFILE_MANIFESTS",
    "parse",
]
