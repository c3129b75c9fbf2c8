"""Stage 2: GitHub GraphQL funding links, Sponsors listings, owner FUNDING.yml, funding.json."""

from __future__ import annotations

import asyncio
import json
import logging
from asyncio import FIRST_COMPLETED
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from fundbot.funding.base import Finding, PackageKey, PackageQuery
from fundbot.funding.funding_json import parse_funding_json
from fundbot.funding.funding_yml import parse_funding_yml
from fundbot.funding.http import FetchError, HttpClient
from fundbot.funding.platforms import channel_from_platform
from fundbot.funding.urls import github_repository, normalize_url
from fundbot.model import ECOSYSTEMS, FundingChannel, FundingPlanOffer
from fundbot.settings import Settings

log = logging.getLogger(__name__)

BATCH_SIZE: Final = 100  # GitHub's cap on nodes per query for this shape
# Queries in flight at once: overlaps GitHub's latency, well inside its secondary limits.
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


@dataclass
class _Batch:
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


class GitHubSource:
    """Many repositories per GraphQL query; tolerant of missing and renamed repositories."""

    NAME = "github"
    ECOSYSTEMS = frozenset(ECOSYSTEMS)

    def __init__(
        self,
        http: HttpClient,
        settings: Settings,
        token: str,
        *,
        concurrency: int | None = None,
    ) -> None:
        self.http = http
        self.settings = settings
        self._token = token
        self.concurrency = max(1, concurrency or settings.github_concurrency)
        self.remaining: int | None = None
        self.reset_at: str | None = None
        self._window: str | None = None  # the `resetAt` that `remaining` counts down to
        self.last_cost = 1
        self.queries = 0

    async def lookup(self, queries: Sequence[PackageQuery]) -> dict[PackageKey, Finding]:
        by_repo: dict[Repo, list[PackageQuery]] = {}
        for query in queries:
            repo = github_repository(query.repository or "")
            if repo is not None:
                by_repo.setdefault(repo, []).append(query)
        answers = await self.fetch(by_repo)
        answers = await self._resolve_sponsor_buttons(answers)
        return {
            query.key: _finding(answers.get(repo))
            for repo, repo_queries in by_repo.items()
            for query in repo_queries
        }

    async def fetch(self, repos: Iterable[Repo]) -> dict[Repo, RepoAnswer]:
        """Answers for many repositories, BATCH_SIZE per query, `concurrency` queries at once;
        a query the rate limit cannot pay for is not sent, its repositories are marked."""
        pending = list(dict.fromkeys(repos))
        chunks = [pending[i : i + BATCH_SIZE] for i in range(0, len(pending), BATCH_SIZE)]
        answers: dict[Repo, RepoAnswer] = {}
        running: set[asyncio.Task[dict[Repo, RepoAnswer]]] = set()
        try:
            for index, chunk in enumerate(chunks):
                while running and not self._can_launch(len(running)):
                    done, running = await asyncio.wait(running, return_when=FIRST_COMPLETED)
                    for task in done:
                        answers.update(task.result())
                if not running and not self._can_launch(0):
                    stop = RepoAnswer(error=RATE_LIMITED.format(reset=self.reset_at or "unknown"))
                    answers.update((repo, stop) for rest in chunks[index:] for repo in rest)
                    log.warning("GitHub rate limit reached", extra={"reset_at": self.reset_at})
                    break
                running.add(asyncio.create_task(self._run(_Batch(chunk))))
            for result in await asyncio.gather(*running):
                answers.update(result)
        finally:
            for task in running:
                task.cancel()  # only when something raised: no query is left behind
        return {repo: answers[repo] for repo in pending if repo in answers}

    def _can_launch(self, in_flight: int) -> bool:
        """Whether one more query may go out now, with `in_flight` queries not yet answered."""
        if in_flight >= self.concurrency:
            return False
        if self.remaining is None:
            # The budget is unknown until the first answer: learn it before spending in parallel.
            return in_flight == 0
        # Queries in flight are not yet counted in `remaining`: reserve what they will cost.
        return self.remaining - in_flight * self.last_cost >= self.last_cost

    async def _run(self, batch: _Batch) -> dict[Repo, RepoAnswer]:
        try:
            body = await self._post(batch.query())
        except FetchError as exc:
            return dict.fromkeys(batch.repos, RepoAnswer(error=f"GitHub: {exc.reason}"))
        self._read_rate_limit(body)
        data = body.get("data") if isinstance(body.get("data"), dict) else None
        failed = _alias_errors(body.get("errors"))
        if data is None:
            reason = _batch_error(body.get("errors"), self.reset_at)
            if reason.startswith("GitHub rate limit"):
                self.remaining = 0
            return dict.fromkeys(batch.repos, RepoAnswer(error=reason))
        defaults = {
            owner: _owner_default(data.get(f"o{i}")) for i, owner in enumerate(batch.owners)
        }
        return {
            repo: _repo_answer(data.get(f"r{i}"), failed.get(f"r{i}"), defaults.get(repo[0], ()))
            for i, repo in enumerate(batch.repos)
        }

    async def _post(self, query: str) -> dict[str, Any]:
        self.queries += 1
        headers = {"Authorization": f"bearer {self._token}", "Accept": "application/json"}
        response = await self.http.post_json(
            self.settings.github_graphql_url, {"query": query}, headers=headers
        )
        if response.headers.get("x-ratelimit-remaining") == "0":
            self.remaining = 0
            self.reset_at = response.headers.get("x-ratelimit-reset") or self.reset_at
        if response.status != 200:
            raise FetchError(self.settings.github_graphql_url, _status_reason(response.status))
        body = response.json()
        if not isinstance(body, dict):
            raise FetchError(self.settings.github_graphql_url, "answer is not a JSON object")
        return body

    def _read_rate_limit(self, body: dict[str, Any]) -> None:
        data = body.get("data")
        rate = data.get("rateLimit") if isinstance(data, dict) else None
        if not isinstance(rate, dict):
            return
        window = rate.get("resetAt") if isinstance(rate.get("resetAt"), str) else None
        remaining = rate.get("remaining")
        if isinstance(remaining, int):
            # Concurrent answers arrive in any order: within one window the lowest count is
            # the true one; a new window (a later resetAt) starts afresh.
            fresh = self.remaining is None or (window is not None and window != self._window)
            self.remaining = remaining if fresh else min(self.remaining or 0, remaining)
        if isinstance(rate.get("cost"), int) and rate["cost"] > 0:
            self.last_cost = rate["cost"]
        if window is not None:
            self._window = self.reset_at = window

    async def _resolve_sponsor_buttons(
        self, answers: dict[Repo, RepoAnswer]
    ) -> dict[Repo, RepoAnswer]:
        """Replace `github.com/o/r?sponsor=1` links by that repository's own channels."""
        wanted = {
            target
            for answer in answers.values()
            for channel in answer.channels
            if (target := sponsor_button_repository(channel.url)) is not None
        }
        missing = [repo for repo in sorted(wanted) if repo not in answers]
        targets = {**answers, **(await self.fetch(missing) if missing else {})}
        return {repo: _expand(answer, targets) for repo, answer in answers.items()}


def sponsor_button_repository(url: str) -> Repo | None:
    """The repository whose Sponsor button a `https://github.com/o/r?sponsor=1` link opens."""
    parts = urlsplit(normalize_url(url) or "")
    host = parts.netloc.removeprefix("www.")
    if host != "github.com" or "sponsor" not in parse_qs(parts.query, keep_blank_values=True):
        return None
    return github_repository(f"https://github.com{parts.path}")


def _expand(answer: RepoAnswer, targets: dict[Repo, RepoAnswer]) -> RepoAnswer:
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
        answer.repository, _dedupe(channels), answer.offers, answer.not_found, answer.error
    )


def _repo_answer(
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
    return RepoAnswer(repository, _dedupe([*channels, *json_channels]), offers)


def _listing(owner: Any) -> list[FundingChannel]:
    if not isinstance(owner, dict) or owner.get("hasSponsorsListing") is not True:
        return []
    channel = channel_from_platform("GITHUB", str(owner.get("login")), VIA_LISTING)
    return [channel] if channel else []


def _owner_default(node: Any) -> tuple[FundingChannel, ...]:
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


def _alias_errors(errors: Any) -> dict[str, dict[str, Any]]:
    """Errors by the top-level alias their `path` starts with."""
    found: dict[str, dict[str, Any]] = {}
    for error in errors if isinstance(errors, list) else []:
        path = error.get("path") if isinstance(error, dict) else None
        if isinstance(path, list) and path and isinstance(path[0], str):
            found.setdefault(path[0], error)
    return found


def _batch_error(errors: Any, reset_at: str | None) -> str:
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    if first.get("type") == "RATE_LIMITED":
        return RATE_LIMITED.format(reset=reset_at or "unknown")
    return f"GitHub: {_one_line(first.get('message') or 'no data in the answer')}"


def _status_reason(status: int) -> str:
    if status == 401:
        return "token rejected (HTTP 401); check GITHUB_TOKEN or the App's installation"
    if status == 403:
        return "forbidden or rate limited (HTTP 403)"
    return f"HTTP {status}"


def _finding(answer: RepoAnswer | None) -> Finding:
    if answer is None:
        return Finding(error="GitHub: no answer")
    return Finding(
        repository=answer.repository,
        channels=answer.channels,
        offers=answer.offers,
        not_found=answer.not_found,
        error=answer.error,
    )


def _dedupe(channels: Iterable[FundingChannel]) -> tuple[FundingChannel, ...]:
    kept: dict[str, FundingChannel] = {}
    for channel in channels:
        kept.setdefault(normalize_url(channel.url) or channel.url, channel)
    return tuple(kept.values())


def _one_line(value: Any) -> str:
    text = " ".join(str(value).split())
    return text[:200]
