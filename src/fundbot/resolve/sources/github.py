"""Stage 2: GitHub GraphQL funding links, Sponsors listings, owner FUNDING.yml, funding.json."""

from __future__ import annotations

import asyncio
import logging
from asyncio import FIRST_COMPLETED
from collections.abc import Iterable, Sequence
from typing import Any, Final

from fundbot.links.urls import github_repository
from fundbot.model import ECOSYSTEMS, UncheckedKind
from fundbot.resolve.base import Finding, PackageKey, PackageQuery
from fundbot.resolve.http import FetchError, HttpClient
from fundbot.resolve.sources._github_graphql import RATE_LIMITED as RATE_LIMITED
from fundbot.resolve.sources._github_graphql import VIA_FUNDING_JSON as VIA_FUNDING_JSON
from fundbot.resolve.sources._github_graphql import VIA_LINKS as VIA_LINKS
from fundbot.resolve.sources._github_graphql import VIA_LISTING as VIA_LISTING
from fundbot.resolve.sources._github_graphql import VIA_OWNER_YML as VIA_OWNER_YML
from fundbot.resolve.sources._github_graphql import (
    Batch,
    alias_errors,
    batch_error,
    expand,
    finding,
    owner_default,
    repo_answer,
)
from fundbot.resolve.sources._github_graphql import Repo as Repo
from fundbot.resolve.sources._github_graphql import RepoAnswer as RepoAnswer
from fundbot.resolve.sources._github_graphql import (
    sponsor_button_repository as sponsor_button_repository,
)
from fundbot.settings import Settings

log = logging.getLogger(__name__)

BATCH_SIZE: Final = 100  # GitHub's cap on nodes per query for this shape


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
        # Queries in flight at once: overlaps GitHub's latency, well inside its secondary limits.
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
            query.key: finding(answers.get(repo))
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
                    stop = RepoAnswer(
                        error=RATE_LIMITED.format(reset=self.reset_at or "unknown"),
                        error_kind="rate_limited",
                    )
                    answers.update((repo, stop) for rest in chunks[index:] for repo in rest)
                    log.warning("GitHub rate limit reached", extra={"reset_at": self.reset_at})
                    break
                running.add(asyncio.create_task(self._run(Batch(chunk))))
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

    async def _run(self, batch: Batch) -> dict[Repo, RepoAnswer]:
        try:
            body = await self._post(batch.query())
        except FetchError as exc:
            answer = RepoAnswer(error=f"GitHub: {exc.reason}", error_kind=exc.kind)
            return dict.fromkeys(batch.repos, answer)
        self._read_rate_limit(body)
        data = body.get("data") if isinstance(body.get("data"), dict) else None
        failed = alias_errors(body.get("errors"))
        if data is None:
            reason = batch_error(body.get("errors"), self.reset_at)
            kind: UncheckedKind = "unreachable"
            if reason.startswith("GitHub rate limit"):
                self.remaining = 0
                kind = "rate_limited"
            return dict.fromkeys(batch.repos, RepoAnswer(error=reason, error_kind=kind))
        defaults = {owner: owner_default(data.get(f"o{i}")) for i, owner in enumerate(batch.owners)}
        return {
            repo: repo_answer(data.get(f"r{i}"), failed.get(f"r{i}"), defaults.get(repo[0], ()))
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
            kind: UncheckedKind = "rate_limited" if response.status in (403, 429) else "unreachable"
            raise FetchError(
                self.settings.github_graphql_url, _status_reason(response.status), kind=kind
            )
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
        return {repo: expand(answer, targets) for repo, answer in answers.items()}


def _status_reason(status: int) -> str:
    if status == 401:
        return "token rejected (HTTP 401); check GITHUB_TOKEN or the App's installation"
    if status == 403:
        return "forbidden or rate limited (HTTP 403)"
    return f"HTTP {status}"
