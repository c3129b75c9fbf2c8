"""The one interface every funding source implements, and the values it trades in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from fundbot.model import FundingChannel, FundingPlanOffer, UncheckedKind

PackageKey = tuple[str, str]  # (ecosystem, normalised name)


@dataclass(frozen=True, slots=True)
class PackageQuery:
    """A package to look up, with what earlier sources already learnt of it."""

    ecosystem: str
    name: str
    version: str | None = None
    repository: str | None = None  # normalised `https://host/owner/repo`, once known

    @property
    def key(self) -> PackageKey:
        return (self.ecosystem, self.name)


@dataclass(frozen=True, slots=True)
class Finding:
    """What one source learnt about one package."""

    repository: str | None = None
    channels: tuple[FundingChannel, ...] = ()
    offers: tuple[FundingPlanOffer, ...] = ()
    not_found: bool = False  # the source answered that the package does not exist
    error: str | None = None  # the source failed for this package; why, in one line
    # What kind of failure (None: unreachable); beside the text, so not part of equality.
    error_kind: UncheckedKind | None = field(default=None, compare=False)


class Source(Protocol):
    """A funding source: registry metadata, GitHub GraphQL, a fallback."""

    NAME: str
    # Ecosystems it answers for; the GitHub stages answer for any package with a
    # repository on GitHub and list every ecosystem.
    ECOSYSTEMS: frozenset[str]

    async def lookup(self, queries: Sequence[PackageQuery]) -> dict[PackageKey, Finding]:
        """Look many packages up at once; a package missing from the answer is unknown."""
        ...
