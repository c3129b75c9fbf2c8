"""GitHub GraphQL, pure: the batched query for many repositories, and reading its answer."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from fundbot.links.funding_json import parse_funding_json
from fundbot.links.funding_yml import parse_funding_yml
from fundbot.links.platforms import channel_from_platform
from fundbot.links.urls import github_repository, normalize_url
from fundbot.model import FundingChannel, FundingPlanOffer, UncheckedKind
from fundbot.resolve.base import Finding

log = logging.getLogger(__name__)

VIA_LINKS: Final = "github:fundingLinks"
VIA_LISTING: Final = "github:sponsors_listing"
VIA_OWNER_YML: Final = "github:.github/FUNDING.yml"
VIA_FUNDING_JSON: Final = "funding.json"
RATE_LIMITED: Final = "GitHub rate limit reached, resets at {reset}"

Repo = tuple[str, str]  # (owner, name), lower-case

_REPO_FIELDS: Final = """nameWithOwner isArchived
    fundingLinks { platform url }
    owner { login ... on User { hasSponsorsListing } ... on Organization { hasSponsorsListing } }
    fundingJson: object(expression: "HEAD:funding.json") { ... on Blob { text } }"""
_OWNER_FIELDS: Final = """a: object(expression: "HEAD:.github/FUNDING.yml") { ... on Blob { text } }
    b: object(expression: "HEAD:FUNDING.yml") { ... on Blob { text } }"""


@dataclass(frozen=True, slots=True)
class RepoAnswer:
    """What one repository alias answered; `error` set when it could not be read."""

    repository: str | None = None  # `https://github.com/owner/repo` as GitHub names it now
    channels: tuple[FundingChannel, ...] = ()
    offers: tuple[FundingPlanOffer, ...] = ()
    not_found: bool = False
    error: str | None = None
    error_kind: UncheckedKind | None = None


@dataclass
class Batch:
    """One GraphQL query: aliases `r{i}` for repositories, `o{i}` for owners' `.github`."""

    repos: list[Repo]
    owners: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.owners = sorted({owner for owner, _ in self.repos})

    def query(self) -> str:
        parts = [
            f"r{i}: repository(owner: {json.dumps(o)}, name: {json.dumps(n)}) {{ {_REPO_FIELDS} }}"
            for i, (o, n) in enumerate(self.repos)
        ]
        parts += [
            f'o{i}: repository(owner: {json.dumps(o)}, name: ".github") {{ {_OWNER_FIELDS} }}'
            for i, o in enumerate(self.owners)
        ]
        parts.append("rateLimit { cost remaining resetAt }")
        return "query {\n  " + "\n  ".join(parts) + "\n}"


def sponsor_button_repository(url: str) -> Repo | None:
    """The repository whose Sponsor button a `https://github.com/o/r?sponsor=1` link opens."""
    parts = urlsplit(normalize_url(url) or "")
    host = parts.netloc.removeprefix("www.")
    if host != "github.com" or "sponsor" not in parse_qs(parts.query, keep_blank_values=True):
        return None
    return github_repository(f"https://github.com{parts.path}")


def expand(answer: RepoAnswer, targets: dict[Repo, RepoAnswer]) -> RepoAnswer:
    channels: list[FundingChannel] = []
    for channel in answer.channels:
        target = sponsor_button_repository(channel.url)
        found = targets.get(target) if target else None
        resolved = [
            FundingChannel(c.platform, c.url, c.handle, channel.found_via)
            for c in (found.channels if found else ())
            if sponsor_button_repository(c.url) is None
        ]
        # Nothing behind the button (or it points at itself): the link is still a way to pay.
        channels += resolved or [channel]
    return RepoAnswer(
        answer.repository, dedupe(channels), answer.offers, answer.not_found, answer.error
    )


def repo_answer(
    node: Any, error: dict[str, Any] | None, owner_default: tuple[FundingChannel, ...]
) -> RepoAnswer:
    if not isinstance(node, dict):
        if error is None or error.get("type") == "NOT_FOUND":
            return RepoAnswer(not_found=True)
        return RepoAnswer(error=f"GitHub: {_one_line(error.get('message') or error.get('type'))}")
    name = node.get("nameWithOwner")
    repository = f"https://github.com/{name}".lower() if isinstance(name, str) else None
    channels = [
        channel
        for link in node.get("fundingLinks") or []
        if isinstance(link, dict)
        and (
            channel := channel_from_platform(
                str(link.get("platform")), str(link.get("url")), VIA_LINKS
            )
        )
    ]
    # The owner's default applies only to repositories without a FUNDING.yml of their own;
    # when GraphQL already applied it, it is already in fundingLinks (dedupe keeps one).
    if not channels:
        channels += owner_default
    channels += _listing(node.get("owner"))
    json_channels, offers = _funding_json(node.get("fundingJson"), name)
    return RepoAnswer(repository, dedupe([*channels, *json_channels]), offers)


def _listing(owner: Any) -> list[FundingChannel]:
    if not isinstance(owner, dict) or owner.get("hasSponsorsListing") is not True:
        return []
    channel = channel_from_platform("GITHUB", str(owner.get("login")), VIA_LISTING)
    return [channel] if channel else []


def owner_default(node: Any) -> tuple[FundingChannel, ...]:
    """The owner's `.github` repository FUNDING.yml: `.github/FUNDING.yml`, then the root."""
    if not isinstance(node, dict):
        return ()
    for alias in ("a", "b"):
        blob = node.get(alias)
        if isinstance(blob, dict) and isinstance(blob.get("text"), str):
            return parse_funding_yml(blob["text"], found_via=VIA_OWNER_YML).channels
    return ()


def _funding_json(
    blob: Any, name_with_owner: Any
) -> tuple[tuple[FundingChannel, ...], tuple[FundingPlanOffer, ...]]:
    if not isinstance(blob, dict) or not isinstance(blob.get("text"), str):
        return (), ()
    # The manifest sits in the repository itself, so it speaks for that repository.
    manifest_url = f"https://github.com/{name_with_owner}/blob/HEAD/funding.json"
    manifest = parse_funding_json(
        blob["text"], found_via=VIA_FUNDING_JSON, manifest_url=manifest_url
    )
    if manifest.problems:
        log.debug(
            "funding.json problems", extra={"manifest": manifest_url, "problems": manifest.problems}
        )
    return manifest.channels, manifest.offers


def alias_errors(errors: Any) -> dict[str, dict[str, Any]]:
    """Errors by the top-level alias their `path` starts with."""
    found: dict[str, dict[str, Any]] = {}
    for error in errors if isinstance(errors, list) else []:
        path = error.get("path") if isinstance(error, dict) else None
        if isinstance(path, list) and path and isinstance(path[0], str):
            found.setdefault(path[0], error)
    return found


def batch_error(errors: Any, reset_at: str | None) -> str:
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    if first.get("type") == "RATE_LIMITED":
        return RATE_LIMITED.format(reset=reset_at or "unknown")
    return f"GitHub: {_one_line(first.get('message') or 'no data in the answer')}"


def finding(answer: RepoAnswer | None) -> Finding:
    if answer is None:
        return Finding(error="GitHub: no answer")
    return Finding(
        repository=answer.repository,
        channels=answer.channels,
        offers=answer.offers,
        not_found=answer.not_found,
        error=answer.error,
        error_kind=answer.error_kind,
    )


def dedupe(channels: Iterable[FundingChannel]) -> tuple[FundingChannel, ...]:
    kept: dict[str, FundingChannel] = {}
    for channel in channels:
        kept.setdefault(normalize_url(channel.url) or channel.url, channel)
    return tuple(kept.values())


def _one_line(value: Any) -> str:
    text = " ".join(str(value).split())
    return text[:200]
