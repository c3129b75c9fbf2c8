"""Exceptions that carry the data a person needs to act on them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class FundbotError(Exception):
    """Base class for every error fundbot raises on purpose."""


class ManifestError(FundbotError):
    """A dependency file could not be read; names the file and says why in one line."""

    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        # One line: a multi-line library message would break tables and issue bodies.
        self.detail = " ".join(str(detail).split())[:300] or "unreadable file"
        super().__init__(f"{path}: {self.detail}")


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong in a configuration file."""

    file: str
    key: str  # dotted path, e.g. `scope_weights.runtime`
    found: str  # what was there, shortened
    expected: str  # what would be accepted: the fix

    def __str__(self) -> str:
        return f"{self.file}: `{self.key}`: found {self.found}; expected {self.expected}"


class ConfigError(FundbotError):
    """A configuration file is invalid; carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SettingsError(FundbotError):
    """A server setting (environment variable) is missing or invalid."""

    def __init__(self, name: str, detail: str) -> None:
        self.name = name
        self.detail = detail
        super().__init__(f"{name}: {detail}")
