"""Elixir dependency files: `mix.lock` and `mix.exs`, read as data and never evaluated."""

from __future__ import annotations

import posixpath
from typing import Final

from fundbot.model import Dependency
from fundbot.scan.hex import lockfile, mixexs

ECOSYSTEM: Final = "hex"
FILE_PATTERNS: tuple[str, ...] = ("mix.lock", "mix.exs")
LOCKFILE_MANIFESTS: Final[dict[str, str]] = {"mix.lock": "mix.exs"}
# No lockfile format here records which entries are direct.
LOCKFILES_KNOW_DIRECT: Final[frozenset[str]] = frozenset()
# Lockfiles whose entries carry their own scope per locked version: no walk re-scopes them.
LOCKFILES_KNOW_SCOPE: Final[frozenset[str]] = frozenset()


def parse(path: str, text: str) -> list[Dependency] | None:
    if posixpath.basename(path) == "mix.lock":
        return lockfile.parse(path, text)
    return mixexs.parse(path, text)


__all__ = [
    "ECOSYSTEM",
    "FILE_PATTERNS",
    "LOCKFILES_KNOW_DIRECT",
    "LOCKFILES_KNOW_SCOPE",
    "LOCKFILE_MANIFESTS",
    "parse",
]
