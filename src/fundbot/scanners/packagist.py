"""PLACEHOLDER: packagist dependency files (being written)."""

from __future__ import annotations

from fundbot.model import Dependency

ECOSYSTEM = "packagist"
FILE_PATTERNS: tuple[str, ...] = ()


def parse(path: str, text: str) -> list[Dependency] | None:
    return None
