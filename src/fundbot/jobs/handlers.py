"""What each job does: scan, resolve, plan, publish; and forget when uninstalled.

Handlers receive plain-value jobs and mint their own installation token; every one is
idempotent (it finds its issues by marker and writes only on change), so a job that runs
twice, or after a crash, leaves the same issues behind.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from gidgethub import BadRequest

from fundbot.config import FundbotConfig, default_config
from fundbot.errors import ConfigProblem
from fundbot.funding.base import PackageQuery
from fundbot.funding.cache import FundingCache
from fundbot.funding.http import HttpClient
from fundbot.funding.resolver import Resolver
from fundbot.github.client import GitHubClient
from fundbot.github.config_loader import (
    CONFIG_PATH,
    ORG_REPOSITORY,
    repository_config,
)
from fundbot.github.factory import GitHubFactory
from fundbot.github.publish import publish_issue
from fundbot.github.reading import (
    RepoInfo,
    commit_authors,
    get_repository,
    list_repositories,
)
from fundbot.github.reading_cache import CachedReader
from fundbot.github.scan import info_config_text, scan_repository
from fundbot.jobs.model import Job
from fundbot.jobs.sqlite_queue import SqliteQueue
from fundbot.jobs.worker import JobHandler
from fundbot.model import Dependency, DeveloperCount, Plan, ScanError
from fundbot.pledge import build_plan, resolve_developers
from fundbot.render.context import IssueContext
from fundbot.render.data_block import marker
from fundbot.render.issue import issue_title, render_plan_issue, render_repository_issue
from fundbot.settings import Settings
from fundbot.store import IssueRef, Store, StoredScan

log = logging.getLogger(__name__)

REPO_CONCURRENCY = 4
ESTIMATE_MAX_AGE = 24 * 3600.0
ESTIMATE_DAYS = 90


@dataclass
class AppContext:
    """The long-lived services every job shares; built once by `fundbot serve`."""

    settings: Settings
    github: GitHubFactory
    store: Store
    queue: SqliteQueue
    http: HttpClient
    funding_cache: FundingCache


class Handlers:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def table(self) -> dict[str, JobHandler]:
        return {
            "scan_installation": self.scan_installation,
            "scan_repository": self.scan_repository,
            "publish_plan": self.publish_plan,
            "forget_installation": self.forget_installation,
            "forget_repositories": self.forget_repositories,
            "reconcile": self.reconcile,
        }

    # -- jobs ------------------------------------------------------------------------------
    async def scan_installation(self, job: Job) -> None:
        gh = await self.ctx.github.for_installation(job.installation_id)
        repos = await list_repositories(gh)
        if not repos:
            return
        owner = repos[0].owner
        await self.ctx.store.touch_installation(job.installation_id, owner)
        read = CachedReader(gh)
        # The org's `.github` repository first: its settings file applies to every other.
        org_name = f"{owner}/{ORG_REPOSITORY}".lower()
        first = [r for r in repos if r.full_name.lower() == org_name]
        results = [
            await self._scan(gh, job.installation_id, r, default_config(), read) for r in first
        ]
        org_config, _ = await self._org_config(job.installation_id, owner, read)
        limit = asyncio.Semaphore(REPO_CONCURRENCY)

        async def scan(repo: RepoInfo) -> tuple[RepoInfo, FundbotConfig, list[ConfigProblem]]:
            async with limit:
                return await self._scan(gh, job.installation_id, repo, org_config, read)

        rest = [r for r in repos if r.full_name.lower() != org_name]
        results += await asyncio.gather(*(scan(r) for r in rest))
        known = {r.full_name for r in repos}
        stale = [s.full_name for s in await self.ctx.store.scans(job.installation_id)]
        await self.ctx.store.forget_repositories(
            job.installation_id, [n for n in stale if n not in known]
        )
        plan = await self._plan(gh, job.installation_id, owner, org_config, recount=True)
        for repo, config, problems in results:
            await self._publish_repository(gh, job.installation_id, repo, plan, config, problems)
        await self._publish_plan(gh, job.installation_id, owner, plan, org_config)
        await self.ctx.store.mark_scanned(job.installation_id)

    async def scan_repository(self, job: Job) -> None:
        if job.repository is None:
            return
        gh = await self.ctx.github.for_installation(job.installation_id)
        owner = job.repository.partition("/")[0]
        await self.ctx.store.touch_installation(job.installation_id, owner)
        previous = await self.ctx.store.scan(job.installation_id, job.repository)
        repo = (
            RepoInfo.from_api(previous.info)
            if previous is not None and job.payload.get("refresh_info") is not True
            else await get_repository(gh, job.repository)
        )
        read = CachedReader(gh)
        org_config, _ = await self._org_config(job.installation_id, owner, read)
        _, config, problems = await self._scan(gh, job.installation_id, repo, org_config, read)
        plan = await self._plan(gh, job.installation_id, owner, org_config, recount=False)
        await self._publish_repository(gh, job.installation_id, repo, plan, config, problems)
        plan_repo = f"{owner}/{org_config.plan_repository}"
        await self.ctx.queue.enqueue([Job("publish_plan", job.installation_id, plan_repo)])

    async def publish_plan(self, job: Job) -> None:
        gh = await self.ctx.github.for_installation(job.installation_id)
        owner = (job.repository or "").partition("/")[0]
        org_config, _ = await self._org_config(job.installation_id, owner, CachedReader(gh))
        plan = await self._plan(gh, job.installation_id, owner, org_config, recount=False)
        await self._publish_plan(gh, job.installation_id, owner, plan, org_config)

    async def forget_installation(self, job: Job) -> None:
        await self.ctx.store.forget_installation(job.installation_id)
        await self.ctx.queue.forget_installation(job.installation_id)
        self.ctx.github.forget(job.installation_id)
        log.info("installation forgotten", extra={"installation_id": job.installation_id})

    async def forget_repositories(self, job: Job) -> None:
        names = [str(n) for n in job.payload.get("repositories", [])]
        await self.ctx.store.forget_repositories(job.installation_id, names)
        installations = {i: a for i, a, _ in await self.ctx.store.installations()}
        owner = installations.get(job.installation_id)
        if owner:
            plan_repo = f"{owner}/{ORG_REPOSITORY}"
            await self.ctx.queue.enqueue([Job("publish_plan", job.installation_id, plan_repo)])

    async def reconcile(self, job: Job) -> None:
        """Rescan installations whose last scan is older than the interval."""
        cutoff = time.time() - self.ctx.settings.reconcile_interval
        stale = await self.ctx.store.stale_installations(cutoff)
        await self.ctx.queue.enqueue([Job("scan_installation", i) for i in stale])

    # -- steps -----------------------------------------------------------------------------
    async def _scan(
        self,
        gh: GitHubClient,
        installation_id: int,
        repo: RepoInfo,
        org_config: FundbotConfig,
        read: CachedReader,
    ) -> tuple[RepoInfo, FundbotConfig, list[ConfigProblem]]:
        previous = await self.ctx.store.scan(installation_id, repo.full_name)
        try:
            result = await scan_repository(
                gh,
                repo,
                read=read,
                previous=previous,
                org_config=org_config,
                max_bytes=self.ctx.settings.max_manifest_bytes,
            )
        except BadRequest as exc:
            if exc.status_code not in (404, 409):  # 409: an empty repository
                raise
            stored = StoredScan(repo.full_name, _info(repo), None, None, (), (), "empty", None)
            await self.ctx.store.save_scan(installation_id, stored)
            return repo, org_config, []
        if not result.reused:
            await self.ctx.store.save_scan(installation_id, result.stored)
        return repo, result.config, list(result.config_problems)

    async def _org_config(
        self, installation_id: int, owner: str, read: CachedReader
    ) -> tuple[FundbotConfig, list[ConfigProblem]]:
        """The org-wide settings; from the last scan of `.github` when there is one."""
        org_repo = f"{owner}/{ORG_REPOSITORY}"
        stored = await self.ctx.store.scan(installation_id, org_repo)
        if stored is not None and stored.skipped is None and stored.tree_sha is not None:
            read.seed(org_repo, CONFIG_PATH, info_config_text(stored))
        text = await read(org_repo, CONFIG_PATH)
        return await repository_config(read, org_repo, repo_text=text)

    async def _plan(
        self,
        gh: GitHubClient,
        installation_id: int,
        owner: str,
        config: FundbotConfig,
        *,
        recount: bool,
    ) -> Plan:
        scans = [s for s in await self.ctx.store.scans(installation_id) if s.skipped is None]
        usage: dict[str, Sequence[Dependency]] = {s.full_name: s.dependencies for s in scans}
        errors = [
            ScanError(f"{s.full_name}: {e.manifest}", e.error) for s in scans for e in s.errors
        ]
        developers = await self._developers(gh, installation_id, config, scans, recount)
        auth = self.ctx.github.auth
        token = (await auth.token(installation_id)).reveal() if auth else None
        resolver = Resolver(
            self.ctx.settings, self.ctx.http, self.ctx.funding_cache, github_token=token
        )
        deps = {(d.ecosystem, d.name): d for s in scans for d in s.dependencies}
        funding = await resolver.resolve(
            PackageQuery(d.ecosystem, d.name, d.version)
            for d in deps.values()
            if d.skip_reason is None
        )
        self.ctx.funding_cache.flush()
        return build_plan(usage, funding, config, developers, owner=owner, errors=errors)

    async def _developers(
        self,
        gh: GitHubClient,
        installation_id: int,
        config: FundbotConfig,
        scans: Sequence[StoredScan],
        recount: bool,
    ) -> DeveloperCount:
        if config.developers is not None:
            return resolve_developers(config, None, "")
        stored = await self.ctx.store.developers(installation_id)
        fresh = stored is not None and time.time() - stored[2] < ESTIMATE_MAX_AGE
        if stored is not None and (fresh or not recount):
            return resolve_developers(config, stored[0], stored[1])
        authors: set[str] = set()
        for scan in scans:
            authors |= await commit_authors(gh, scan.full_name, ESTIMATE_DAYS)
        method = (
            f"distinct human commit authors in the last {ESTIMATE_DAYS} days across "
            f"{len(scans)} repositories"
        )
        await self.ctx.store.set_developers(installation_id, max(1, len(authors)), method)
        return resolve_developers(config, max(1, len(authors)), method)

    async def _publish_repository(
        self,
        gh: GitHubClient,
        installation_id: int,
        repo: RepoInfo,
        plan: Plan,
        config: FundbotConfig,
        problems: Sequence[ConfigProblem],
    ) -> None:
        scan = await self.ctx.store.scan(installation_id, repo.full_name)
        if scan is None or scan.skipped is not None or not repo.has_issues:
            return
        if not config.repository_issues:
            return
        reached = sum(repo.full_name in line.repositories for line in plan.lines)
        if reached < config.min_fundable and not problems:
            return
        owner = repo.owner
        ctx = IssueContext(
            owner=owner,
            repository=repo.full_name,
            plan_issue_url=None,
            config_problems=tuple(problems),
            frequency=config.sponsors_frequency,
        )
        body = render_repository_issue(plan, ctx)
        await self._write(
            gh,
            installation_id,
            repo.full_name,
            "repository",
            repo.full_name,
            config.issue_title,
            body,
            config.labels,
        )

    async def _publish_plan(
        self,
        gh: GitHubClient,
        installation_id: int,
        owner: str,
        plan: Plan,
        config: FundbotConfig,
    ) -> None:
        scans = await self.ctx.store.scans(installation_id)
        plan_repo = f"{owner}/{config.plan_repository}"
        target = next((s for s in scans if s.full_name.lower() == plan_repo.lower()), None)
        if target is None or not target.info.get("has_issues", True):
            log.info("no plan repository", extra={"repository": plan_repo})
            return
        skipped = [(s.full_name, s.skipped) for s in scans if s.skipped]
        skipped += [
            (s.full_name, "issues disabled") for s in scans if not s.info.get("has_issues", True)
        ]
        ctx = IssueContext(
            owner=owner,
            repository=None,
            plan_issue_url=None,
            skipped_repositories=tuple((n, str(r)) for n, r in skipped),
            frequency=config.sponsors_frequency,
        )
        body = render_plan_issue(plan, ctx)
        await self._write(
            gh,
            installation_id,
            target.full_name,
            "plan",
            owner,
            config.plan_issue_title,
            body,
            config.labels,
        )

    async def _write(
        self,
        gh: GitHubClient,
        installation_id: int,
        repository: str,
        kind: str,
        scope: str,
        title: str,
        body: str,
        labels: Sequence[str],
    ) -> None:
        mark = marker(kind, scope)  # type: ignore[arg-type]
        remembered = await self.ctx.store.issue(repository, mark)
        creator = await self._bot_login()
        published = await publish_issue(
            gh,
            repository,
            marker=mark,
            title=title or issue_title(kind, scope),  # type: ignore[arg-type]
            body=body,
            labels=labels,
            creator=creator,
            remembered=remembered.number if remembered else None,
            remembered_hash=remembered.body_hash if remembered else None,
        )
        if published.number is not None:
            await self.ctx.store.save_issue(
                installation_id, repository, mark, IssueRef(published.number, published.body_hash)
            )
        log.info(
            "issue %s",
            published.outcome,
            extra={"repository": repository, "number": published.number},
        )

    async def _bot_login(self) -> str | None:
        login = await self.ctx.store.get_meta("bot_login")
        if login is not None:
            return login or None
        auth = self.ctx.github.auth
        if auth is None:
            return None
        app = await self.ctx.github.app_client().getitem("/app", jwt=auth.app_jwt())
        login = f"{app['slug']}[bot]"
        await self.ctx.store.set_meta("bot_login", login)
        return login


def _info(repo: RepoInfo) -> dict[str, object]:
    return asdict(repo)
