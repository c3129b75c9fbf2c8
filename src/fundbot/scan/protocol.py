"""What an ecosystem scanner is: the module-level names every registered module provides.

Modules satisfy this protocol statically (mypy checks each entry of the registry), so the
registry never asks a module for a name it may not have.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from fundbot.model import Dependency


class Scanner(Protocol):
    """One ecosystem's parser of dependency files."""

    @property
    def ECOSYSTEM(self) -> str:
        """The ecosystem every dependency it finds belongs to (see model.ECOSYSTEMS)."""

    @property
    def FILE_PATTERNS(self) -> tuple[str, ...]:
        """File names or `/`-joined path tails (fnmatch globs allowed) this scanner reads."""

    @property
    def LOCKFILE_MANIFESTS(self) -> Mapping[str, str]:
        """Lockfile name -> the manifest beside it whose scopes its entries take; may be empty."""

    @property
    def LOCKFILES_KNOW_DIRECT(self) -> frozenset[str]:
        """Lockfile names whose format records which entries are direct; may be empty."""

    @property
    def LOCKFILES_KNOW_SCOPE(self) -> frozenset[str]:
        """Lockfile names whose entries carry their own scope per locked version (and that
        also know which are direct): the walk from the roots leaves them as parsed."""

    def parse(self, path: str, text: str) -> list[Dependency] | None:
        """Dependencies in one file; None when the file is not a manifest after all.

        Raises ManifestError on content it cannot read; any other exception is a bug.
        """
