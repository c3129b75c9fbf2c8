"""What every registry source shares: fetching one document per package, turning URLs into
channels, never letting one package's bad answer fail another's."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from fundbot.errors import FundbotError
from fundbot.links.platforms import channel_from_platform, channel_from_url
from fundbot.links.urls import github_repository, repository_from_url
from fundbot.model import FundingChannel, UncheckedKind
from fundbot.resolve.base import Finding, PackageKey, PackageQuery
from fundbot.resolve.http import FetchError, HttpClient, Response
from fundbot.settings import Settings

log = logging.getLogger(__name__)

NOT_FOUND_STATUSES = frozenset({404, 410})
MAX_NAME = 300
# Labels (PyPI Project-URL, hex.pm links) that name a funding page, normalised.
FUNDING_LABELS = ("funding", "sponsor", "donate", "donation")
# Marks a channel that is a repository's sponsor button (`found_via` "npm:funding (…)").
SPONSOR_BUTTON = "(sponsor button)"


class NotFound(FundbotError):
    """The registry says the package does not exist."""


class SourceFailed(FundbotError):
    """The registry could not answer for this package; the message says why."""

    def __init__(self, reason: str, kind: UncheckedKind = "unreachable") -> None:
        self.kind: UncheckedKind = kind
        super().__init__(reason)


class RegistrySource:
    """One document (or a few) per package, fetched concurrently; a subclass reads them."""

    NAME: str = ""
    ECOSYSTEMS: frozenset[str] = frozenset()

    def __init__(self, http: HttpClient, settings: Settings) -> None:
        self.http = http
        self.settings = settings
        # Called as each package's answer is in (the Resolver's progress, per package).
        self.answered: Callable[[], None] | None = None

    async def lookup(self, queries: Sequence[PackageQuery]) -> dict[PackageKey, Finding]:
        """Look every query up at once; HttpClient bounds the concurrency per host."""
        findings = await asyncio.gather(*(self._guarded(q) for q in queries))
        return {q.key: f for q, f in zip(queries, findings, strict=True)}

    async def _guarded(self, query: PackageQuery) -> Finding:
        try:
            return await self._answer(query)
        finally:
            if self.answered is not None:
                self.answered()

    async def _answer(self, query: PackageQuery) -> Finding:
        if not plausible_name(query.name):
            return Finding(not_found=True)  # no registry has it; never put it in a URL
        try:
            return await self.find(query)
        except NotFound:
            return Finding(not_found=True)
        except SourceFailed as exc:
            return Finding(error=f"{self.NAME}: {exc}", error_kind=exc.kind)
        except FetchError as exc:
            return Finding(error=f"{self.NAME}: {exc.reason}", error_kind=exc.kind)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # A document shaped unlike the registry's own: that package only is unknown.
            log.warning("unreadable registry answer", extra={"package": query.name, "error": exc})
            return Finding(error=f"{self.NAME}: unreadable answer", error_kind="unreadable")

    async def find(self, query: PackageQuery) -> Finding:
        raise NotImplementedError

    # -- helpers for subclasses ------------------------------------------------------
    async def fetch(self, url: str, headers: dict[str, str] | None = None) -> Response:
        """A 200 answer; 404/410 raise NotFound, any other status SourceFailed."""
        response = await self.http.get(url, headers=headers)
        if response.status in NOT_FOUND_STATUSES:
            raise NotFound(url)
        if response.status != 200:
            kind: UncheckedKind = "rate_limited" if response.status == 429 else "unreachable"
            raise SourceFailed(f"HTTP {response.status}", kind)
        return response

    async def fetch_json(self, url: str) -> Any:
        response = await self.fetch(url, {"Accept": "application/json"})
        try:
            return response.json()
        except FetchError:
            raise SourceFailed("invalid JSON", "unreadable") from None


def plausible_name(name: str) -> bool:
    """Whether a name from a user's manifest may be sent to a registry at all."""
    return (
        0 < len(name) <= MAX_NAME
        and name.isprintable()
        and not any(c.isspace() for c in name)
        and ".." not in name.split("/")
        and not name.startswith("/")
    )


def segment(name: str) -> str:
    """A name as one URL path segment (`/` and everything special percent-encoded)."""
    return quote(name, safe="")


def normalise_label(label: str) -> str:
    """A Project-URL label as the core metadata spec compares them: no punctuation, lower."""
    return re.sub(r"[\s!-/:-@\[-`{-~]", "", label).lower()


def is_funding_label(label: str) -> bool:
    return normalise_label(label).startswith(FUNDING_LABELS)


@dataclass(frozen=True, slots=True)
class Declared:
    """Funding a registry document declares: channels, and sponsor buttons of repositories."""

    channels: tuple[FundingChannel, ...] = ()
    # `github.com/o/r?sponsor=1` means "whatever that repository's FUNDING.yml says":
    # kept as a link, which the GitHub stage resolves through that repository.
    sponsor_repositories: tuple[str, ...] = ()
    found_via: str = ""


def declared_funding(entries: Iterable[tuple[str | None, Any]], found_via: str) -> Declared:
    """(platform type or None, URL) pairs to channels, deduplicated; invalid ones dropped."""
    channels: dict[str, FundingChannel] = {}
    sponsors: list[str] = []
    for kind, url in entries:
        if not isinstance(url, str):
            continue
        sponsored = _sponsor_button(url)
        if sponsored is not None:
            sponsors.append(sponsored)
            continue
        if isinstance(kind, str) and kind:
            channel = channel_from_platform(kind, url, found_via)
        else:
            channel = channel_from_url(url, found_via)
        if channel is not None and channel.url not in channels:
            channels[channel.url] = channel
    return Declared(tuple(channels.values()), tuple(dict.fromkeys(sponsors)), found_via)


def urls_funding(urls: Iterable[Any], found_via: str) -> Declared:
    return declared_funding(((None, url) for url in urls), found_via)


def _sponsor_button(url: str) -> str | None:
    try:
        query = parse_qs(urlsplit(url.strip()).query, keep_blank_values=True)
    except ValueError:
        return None
    if "sponsor" not in query or github_repository(url) is None:
        return None
    return repository_from_url(url)


def finding(repository: str | None, declared: Declared) -> Finding:
    """The Finding for a document. A sponsor button stands in for an unknown repository and
    is kept as a custom link (the GitHub stage, given a token, swaps it for what the button's
    repository's FUNDING.yml says), so it is not lost when GitHub cannot be asked."""
    buttons = list(declared.sponsor_repositories)
    if repository is None and buttons:
        repository = buttons[0]
    via = f"{declared.found_via} {SPONSOR_BUTTON}"
    links = tuple(FundingChannel("custom", f"{button}?sponsor=1", None, via) for button in buttons)
    return Finding(repository=repository, channels=declared.channels + links)


def is_known_platform(url: str) -> bool:
    """Whether a URL is a profile on a funding platform fundbot knows (not custom)."""
    channel = channel_from_url(url, "")
    return channel is not None and channel.platform != "custom"


def first_repository(urls: Iterable[Any]) -> str | None:
    """The first of urls that names a repository on a code host."""
    for url in urls:
        if isinstance(url, str):
            repository = repository_from_url(url)
            if repository is not None:
                return repository
    return None


def text(value: Any) -> str | None:
    """A non-empty string, or None for anything else a registry may put there."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def labelled_links(value: Any) -> list[tuple[str, str]]:
    """(label, URL) pairs of a label -> URL mapping (PyPI Project-URLs, hex.pm `links`);
    anything that is not a string pair is dropped."""
    if not isinstance(value, dict):
        return []
    return [
        (label, url.strip())
        for label, url in value.items()
        if isinstance(label, str) and text(url) is not None
    ]


def labelled_funding(pairs: list[tuple[str, str]]) -> list[str]:
    """The URLs whose label says funding (`Funding`, `Sponsor`, `Donate`…) or whose host is
    a known funding platform, whatever the label."""
    return [url for label, url in pairs if is_funding_label(label) or is_known_platform(url)]
