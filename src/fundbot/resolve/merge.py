"""One package's merge: what each resolve stage learnt, sponsor buttons settled, a reason."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Final

from fundbot.links.urls import github_repository, normalize_url
from fundbot.model import (
    TO_CONFIRM,
    FundingChannel,
    FundingPlanOffer,
    PackageFunding,
    UncheckedKind,
)
from fundbot.resolve.base import Finding, PackageQuery
from fundbot.resolve.sources.github import Repo, sponsor_button_repository

# A reason shown to people, not a credential.
NO_TOKEN_REASON: Final = "GitHub not consulted: no token (set GITHUB_TOKEN)"  # noqa: S105


@dataclass
class Merged:
    """Everything the stages learnt about one package, in stage order."""

    query: PackageQuery
    repository: str | None = None
    channels: dict[str, FundingChannel] = field(default_factory=dict)
    offers: list[FundingPlanOffer] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # The kind of the first error: the one the reason (and its label) starts with.
    error_kind: UncheckedKind | None = None
    not_found_on: list[str] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    github_skipped: bool = False
    unconfirmed: bool = False  # sponsor buttons grouped by account, not followed (no token)

    def add(self, source: str, finding: Finding) -> None:
        self.asked.append(source)
        if finding.error:
            self._error(finding)
        if finding.not_found:
            self.not_found_on.append(source)
        if self.repository is None and finding.repository:
            self.repository = finding.repository
        for channel in finding.channels:
            # First found_via wins: registry metadata before GitHub's copy of the same link.
            self.channels.setdefault(normalize_url(channel.url) or channel.url, channel)
        self.offers += [o for o in finding.offers if o not in self.offers]

    def _error(self, finding: Finding) -> None:
        if not self.errors:
            self.error_kind = finding.error_kind or "unreachable"
        self.errors.append(finding.error or "")

    @property
    def github_repo(self) -> Repo | None:
        return github_repository(self.repository) if self.repository else None

    def buttons(self) -> list[Repo]:
        """Repositories whose sponsor button a registry gave as a link, still unresolved."""
        return [
            repo
            for channel in self.channels.values()
            if (repo := sponsor_button_repository(channel.url)) is not None
        ]

    def settle_buttons(self, own: Finding | None, others: Mapping[Repo, Finding | None]) -> None:
        """Swap each sponsor-button link for the channels of its repository, in place; one
        that GitHub could not resolve (or that leads nowhere) stays, as a way to pay."""
        settled: dict[str, FundingChannel] = {}
        for key, channel in self.channels.items():
            target = sponsor_button_repository(channel.url)
            if target is None:
                settled[key] = channel
                continue
            # The package's own repository keeps GitHub's evidence; another's, the button's.
            mine = target == self.github_repo
            answer = own if mine else others.get(target)
            if not mine and answer is not None and answer.error and answer.error not in self.errors:
                self._error(answer)
            resolved = [
                c if mine else replace(c, found_via=channel.found_via)
                for c in (answer.channels if answer is not None else ())
                if sponsor_button_repository(c.url) is None
            ]
            for c in resolved or [channel]:
                settled.setdefault(normalize_url(c.url) or c.url, c)
        self.channels = settled

    def group_buttons(self) -> None:
        """Without a token a sponsor button cannot be followed to its repository's
        FUNDING.yml: buttons of repositories one account owns (`github.com/chalk/*?sponsor=1`)
        become one channel for that account, marked to confirm with a GitHub token, instead
        of one custom recipient per repository."""
        grouped: dict[str, FundingChannel] = {}
        for key, channel in self.channels.items():
            target = sponsor_button_repository(channel.url)
            if target is None:
                grouped[key] = channel
                continue
            account = f"https://github.com/{target[0]}"
            via = f"{channel.found_via}; {TO_CONFIRM}"
            grouped.setdefault(account, FundingChannel("custom", account, target[0], via))
            self.unconfirmed = True
        self.channels = grouped

    def result(self, now: float) -> PackageFunding:
        q = self.query
        return PackageFunding(
            q.ecosystem,
            q.name,
            self.repository,
            tuple(self.channels.values()),
            now,
            self._reason(),
            tuple(self.offers),
            self.error_kind if self.errors else None,
        )

    def _reason(self) -> str | None:
        if self.errors:
            return "; ".join(self.errors)
        unresolved = self.buttons() or self.unconfirmed
        if self.github_skipped and (unresolved or not (self.channels or self.offers)):
            # An unresolved button is a placeholder: a run with a token must look again.
            return NO_TOKEN_REASON
        if self.channels or self.offers:
            return None
        if self.repository is None and self.not_found_on:
            return "not found on " + ", ".join(self.not_found_on)
        if not self.asked and self.repository is None:
            return f"no source for {self.query.ecosystem} packages"
        where = ", ".join(self.asked) or "its repository"
        return f"no funding listed on {where}"
