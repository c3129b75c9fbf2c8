"""Resolve packages to funding: cache, then registries, then GitHub GraphQL, merged per package."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import aiohttp

from fundbot.links.packages import direct_repository as package_repository
from fundbot.model import Dependency, PackageFunding
from fundbot.resolve.address_guard import GuardedResolver, configured_origins
from fundbot.resolve.base import Finding, PackageKey, PackageQuery, Source
from fundbot.resolve.http import HostDeadlines, HttpClient
from fundbot.resolve.merge import NO_TOKEN_REASON as NO_TOKEN_REASON
from fundbot.resolve.merge import Merged
from fundbot.resolve.sources import REGISTRY_SOURCES
from fundbot.resolve.sources._registry import RegistrySource
from fundbot.resolve.sources.github import Repo
from fundbot.settings import Settings
from fundbot.storage.funding_cache import Clock, ConditionalHttpClient, FundingCache

log = logging.getLogger(__name__)

OFFLINE_REASON = "offline: not in cache"
# A note shown to people, not a credential.
NO_TOKEN_NOTE = "No GitHub token: funding declared in GitHub repositories was not looked up."  # noqa: S105
GITHUB_NAME = "github"
# Stand-in queries for sponsor buttons of other repositories; no real ecosystem is named so.
BUTTON_ECOSYSTEM = "github:sponsor-button"

SourceFactory = Callable[[HttpClient, Settings], Source]
GitHubFactory = Callable[[HttpClient, Settings, str], Source]
Progress = Callable[[int, int], None]
# The hosts (registry sources) still answering, for a progress bar that says who it waits on.
Waiting = Callable[[tuple[str, ...]], None]
Results = dict[PackageKey, PackageFunding]


@dataclass
class ResolveStats:
    """What a resolve cost: requests per source, cache use, what was left unknown."""

    requests_by_source: Counter[str] = field(default_factory=Counter)
    cache_hits: int = 0
    cache_misses: int = 0
    revalidated: int = 0  # 304 answers that reused a stored document
    packages: int = 0  # unique (ecosystem, name) looked up or answered from the cache
    skipped: int = 0  # dependencies with a skip_reason, never looked up
    failed: int = 0  # packages a source failed for (not cached)
    github_repositories: int = 0  # distinct repositories sent to the GitHub stage
    notes: list[str] = field(default_factory=list)
    # Per source (one registry host each, and GitHub): answers from the cache, and the
    # wall-clock seconds its lookups took, for `fundbot -v scan`.
    cache_hits_by_source: Counter[str] = field(default_factory=Counter)
    seconds_by_source: dict[str, float] = field(default_factory=dict)

    def per_source(self) -> list[str]:
        """`crates.io: 12 requests, 3 cache hits, 1.4 s`, one line per source used."""
        names = sorted(
            set(self.requests_by_source)
            | set(self.cache_hits_by_source)
            | set(self.seconds_by_source)
        )
        return [
            f"{name}: {self.requests_by_source[name]} requests, "
            f"{self.cache_hits_by_source[name]} cache hits, "
            f"{self.seconds_by_source.get(name, 0.0):.1f} s"
            for name in names
        ]


class Resolver:
    """Look packages up in stage order, merge what each stage learnt, cache the results."""

    def __init__(
        self,
        settings: Settings,
        http: HttpClient,
        cache: FundingCache,
        *,
        github_token: str | None = None,
        offline: bool = False,
        progress: Progress | None = None,
        waiting: Waiting | None = None,
        sources: Sequence[SourceFactory] = REGISTRY_SOURCES,
        github: GitHubFactory | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.settings = settings
        self.http = http
        self.cache = cache
        self.github_token = github_token
        self.offline = offline
        self.progress = progress
        self.waiting = waiting
        self._pending: Counter[str] = Counter()
        self.clock = clock
        self.stats = ResolveStats()
        self._clients: dict[str, ConditionalHttpClient] = {}
        self._deadlines = HostDeadlines(settings.http_deadline)
        self._github_factory = github
        self._by_ecosystem: dict[str, list[Source]] = {}
        for factory in sources:
            client = self._new_client()
            source = factory(client, settings)
            self._clients[source.NAME] = client
            for ecosystem in source.ECOSYSTEMS:
                self._by_ecosystem.setdefault(ecosystem, []).append(source)

    def _new_client(self) -> ConditionalHttpClient:
        """A client sharing the session and per-host limits, counting its own requests."""
        return ConditionalHttpClient(
            session=self.http.session,
            settings=self.http.settings,
            sleep=self.http.sleep,
            _limits=self.http._limits,
            unreachable=self.http.unreachable,
            cache=self.cache,
            deadlines=self._deadlines,
        )

    async def resolve(self, queries: Iterable[PackageQuery]) -> Results:
        """Funding for every unique (ecosystem, name) in queries."""
        unique: dict[PackageKey, PackageQuery] = {}
        for query in queries:
            unique.setdefault(query.key, query)
        self.stats.packages += len(unique)
        # Each run gives every host its own overall deadline afresh (a long-lived App too).
        self._deadlines = HostDeadlines(self.settings.http_deadline)
        for client in self._clients.values():
            client.deadlines = self._deadlines
        results = await self._from_cache(unique)
        missing = {key: query for key, query in unique.items() if key not in results}
        self._report(len(results), len(unique))
        if not missing:
            return results
        if self.offline:
            now = self.clock()
            for key, query in missing.items():
                repository = direct_repository(query)
                results[key] = PackageFunding(*key, repository, (), now, OFFLINE_REASON)
            return results
        merged = {key: Merged(query, direct_repository(query)) for key, query in missing.items()}
        await self._registries(merged, done=len(results), total=len(unique))
        await self._github(merged)
        fresh = self._finish(merged)
        results.update(fresh)
        self._report(len(unique), len(unique))
        return results

    async def _from_cache(
        self, unique: dict[PackageKey, PackageQuery]
    ) -> dict[PackageKey, PackageFunding]:
        # One trip to the cache's disk thread for the whole run, not one per package.
        cached = await self.cache.load(unique)
        if self.github_token:
            # Learnt without a token: now that there is one, GitHub has more to say.
            cached = {k: v for k, v in cached.items() if v.unknown_reason != NO_TOKEN_REASON}
        self.stats.cache_hits += len(cached)
        for ecosystem, _ in cached:
            sources = self._by_ecosystem.get(ecosystem)
            self.stats.cache_hits_by_source[sources[0].NAME if sources else GITHUB_NAME] += 1
        self.stats.cache_misses += len(unique) - len(cached)
        return cached

    async def _registries(self, merged: dict[PackageKey, Merged], done: int, total: int) -> None:
        """Stage 1: every registry source at once, each with its packages."""
        batches: dict[int, tuple[Source, list[PackageQuery]]] = {}
        for item in merged.values():
            for source in self._by_ecosystem.get(item.query.ecosystem, []):
                batches.setdefault(id(source), (source, []))[1].append(item.query)
        # Packages no registry answers for (actions, Swift) are through stage 1 at once.
        progress = [
            done + sum(1 for m in merged.values() if not self._by_ecosystem.get(m.query.ecosystem))
        ]
        self._report(progress[0], total)

        def answered(name: str) -> None:
            # Per package, as each answer arrives, so the bar moves on a slow registry too.
            progress[0] += 1
            self._pending[name] -= 1
            self._report(min(progress[0], total), total)

        async def run(source: Source, queries: list[PackageQuery]) -> None:
            started = time.monotonic()
            registry = source if isinstance(source, RegistrySource) else None
            if registry is not None:
                registry.answered = lambda: answered(source.NAME)
            self._pending[source.NAME] += len(queries)
            self._report(progress[0], total)
            try:
                answers = await _guarded(source, queries)
            finally:
                if registry is not None:
                    registry.answered = None
            self._spent(source.NAME, started)
            for key, finding in answers.items():
                if key in merged:
                    merged[key].add(source.NAME, finding)
            if registry is None:
                progress[0] += len(queries)
            self._pending[source.NAME] = 0
            self._report(min(progress[0], total), total)

        await asyncio.gather(*(run(source, queries) for source, queries in batches.values()))

    async def _github(self, merged: dict[PackageKey, Merged]) -> None:
        """Stage 2: GitHub GraphQL for every package whose repository is on GitHub, and for
        the repositories behind registry sponsor buttons, in the same batched queries."""
        items = [m for m in merged.values() if m.github_repo or m.buttons()]
        if not items:
            return
        targets = {t for m in items for t in m.buttons() if t != m.github_repo}
        self.stats.github_repositories += len({r for m in items if (r := m.github_repo)} | targets)
        if not self.github_token:
            for item in items:
                item.github_skipped = True
                item.group_buttons()
            if NO_TOKEN_NOTE not in self.stats.notes:
                log.warning("no GitHub token; GitHub funding links not looked up")
                self.stats.notes.append(NO_TOKEN_NOTE)
            return
        client = self._clients.setdefault(GITHUB_NAME, self._new_client())
        source = self._make_github(client, self.github_token)
        queries = [
            PackageQuery(m.query.ecosystem, m.query.name, m.query.version, m.repository)
            for m in items
            if m.github_repo
        ]
        queries += [_button_query(target) for target in sorted(targets)]
        started = time.monotonic()
        found = await _guarded(source, queries)
        self._spent(GITHUB_NAME, started)
        others = {target: found.get(_button_query(target).key) for target in targets}
        for item in items:
            own = found.get(item.query.key) if item.github_repo else None
            item.settle_buttons(own, others)
            if own is not None:
                item.add(source.NAME, own)

    def _make_github(self, client: HttpClient, token: str) -> Source:
        if self._github_factory is not None:
            return self._github_factory(client, self.settings, token)
        from fundbot.resolve.sources.github import GitHubSource  # stage 2, its own module

        return GitHubSource(client, self.settings, token)

    def _finish(self, merged: dict[PackageKey, Merged]) -> Results:
        now = self.clock()
        results = {key: item.result(now) for key, item in merged.items()}
        # Failures are retried next time; everything else is kept, negative results too.
        failed = {key for key, item in merged.items() if item.errors}
        self.stats.failed += len(failed)
        self.cache.put_many(v for k, v in results.items() if k not in failed)
        for name, client in self._clients.items():
            self.stats.requests_by_source[name] += client.requests.total()
            self.http.requests.update(client.requests)
            self.stats.revalidated += client.revalidated
            client.requests.clear()
            client.revalidated = 0
        return results

    def _spent(self, name: str, started: float) -> None:
        seconds = self.stats.seconds_by_source
        seconds[name] = seconds.get(name, 0.0) + time.monotonic() - started

    def _report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)
        if self.waiting is not None:
            self.waiting(tuple(sorted(name for name, n in self._pending.items() if n > 0)))


async def _guarded(source: Source, queries: Sequence[PackageQuery]) -> dict[PackageKey, Finding]:
    """A source's answers; a source that breaks marks its packages failed, not the scan."""
    try:
        return await source.lookup(queries)
    except Exception as exc:  # one source down never fails a scan
        log.exception("funding source failed", extra={"source": source.NAME})
        failure = Finding(error=f"{source.NAME}: failed ({type(exc).__name__})")
        return {query.key: failure for query in queries}


def _button_query(repo: Repo) -> PackageQuery:
    """Asks stage 2 about the repository behind a sponsor button, as if it were a package."""
    owner, name = repo
    return PackageQuery(
        BUTTON_ECOSYSTEM, f"{owner}/{name}", None, f"https://github.com/{owner}/{name}"
    )


def direct_repository(query: PackageQuery) -> str | None:
    """The repository a query names, or its package's name says (actions, Swift, Go)."""
    return query.repository or package_repository(query.ecosystem, query.name)


def new_session(settings: Settings) -> aiohttp.ClientSession:
    """The one session of a resolve; HttpClient bounds each host, so the pool need not
    (aiohttp's default of 100 connections in all would throttle ten registries at once).
    Its resolver refuses non-public addresses for hosts that are not configured."""
    connector = aiohttp.TCPConnector(
        limit=0,
        limit_per_host=settings.http_concurrency,
        resolver=GuardedResolver(configured_origins(settings)),
    )
    return aiohttp.ClientSession(connector=connector)


def funding_queries(dependencies: Iterable[Dependency]) -> list[PackageQuery]:
    """One query per package to look up: the first entry of each, skipped entries aside."""
    unique: dict[PackageKey, PackageQuery] = {}
    for dep in dependencies:
        if dep.skip_reason is None:
            unique.setdefault(dep.key, PackageQuery(dep.ecosystem, dep.name, dep.version))
    return list(unique.values())


async def resolve_funding(
    dependencies: Iterable[Dependency],
    settings: Settings,
    http: HttpClient,
    cache: FundingCache,
    *,
    github_token: str | None,
    offline: bool = False,
    progress: Progress | None = None,
    waiting: Waiting | None = None,
) -> tuple[Results, ResolveStats]:
    """The one resolver set-up the CLI and the App share: each package once, from the cache
    first, then the registries and GitHub; the cache's pending writes flushed after."""
    deps = list(dependencies)
    queries = funding_queries(deps)
    skipped = {d.key for d in deps if d.skip_reason is not None} - {q.key for q in queries}
    resolver = Resolver(
        settings,
        http,
        cache,
        github_token=github_token,
        offline=offline,
        progress=progress,
        waiting=waiting,
    )
    try:
        results = await resolver.resolve(queries)
    finally:
        # Validators learnt by a run that failed or was cancelled are kept too.
        await cache.flush()
    resolver.stats.skipped = len(skipped)
    return dict(results), resolver.stats


async def resolve_dependencies(
    dependencies: Iterable[Dependency],
    settings: Settings,
    *,
    github_token: str | None = None,
    offline: bool = False,
    progress: Progress | None = None,
    waiting: Waiting | None = None,
) -> tuple[Results, ResolveStats]:
    """Resolve a scan's dependencies with one session, one client and the persistent cache;
    the token given, else the one in the settings."""
    token = github_token or settings.github_token.reveal() or None
    cache = await FundingCache.own(settings)
    try:
        async with new_session(settings) as session:
            return await resolve_funding(
                dependencies,
                settings,
                HttpClient(session, settings),
                cache,
                github_token=token,
                offline=offline,
                progress=progress,
                waiting=waiting,
            )
    finally:
        await cache.close()
