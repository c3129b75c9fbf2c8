"""What each job does: scan, resolve, plan, publish; and forget when uninstalled.

Handlers receive plain-value jobs and mint their own installation token; every one is
idempotent (it finds its issues by marker and writes only on change), so a job that runs
twice, or after a crash, leaves the same issues behind.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import asdict, replace

from gidgethub import BadRequest

from fundbot.config import SETTINGS_PATH, FundbotConfig, default_config
from fundbot.errors import ConfigProblem
from fundbot.github.client import GitHubClient
from fundbot.github.config_loader import (
    ORG_REPOSITORY,
)
from fundbot.github.reading import (
    RepoInfo,
    get_repository,
    list_repositories,
)
from fundbot.github.reading_cache import CachedReader
from fundbot.jobs.commands import Commands
from fundbot.jobs.context import AppContext
from fundbot.jobs.model import Job
from fundbot.jobs.planning import Planner
from fundbot.jobs.planning import org_config as load_org_config
from fundbot.jobs.pull_requests import PullRequests
from fundbot.jobs.repository_scan import info_config_text, scan_repository
from fundbot.jobs.worker import JobHandler
from fundbot.publish.publisher import Publisher
from fundbot.storage.store import StoredScan

log = logging.getLogger(__name__)

REPO_CONCURRENCY = 4
# Payload mark of a job queued again behind its installation's first full scan.
AFTER_FULL_SCAN = "after_full_scan"
ESTIMATE_MAX_AGE = 24 * 3600.0
ESTIMATE_DAYS = 90


class Handlers:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.planner = Planner(ctx)
        self.publisher = Publisher(ctx.store, ctx.bot_login)

    def table(self) -> dict[str, JobHandler]:
        return {
            "scan_installation": self.scan_installation,
            "scan_repository": self._after_full_scan(self.scan_repository, covered=True),
            "publish_plan": self._after_full_scan(self.publish_plan, covered=True),
            "forget_installation": self.forget_installation,
            "forget_repositories": self.forget_repositories,
            "reconcile": self.reconcile,
            "pull_request": self._after_full_scan(PullRequests(self.ctx).handle),
            "issue_command": self._after_full_scan(Commands(self.ctx).handle),
        }

    def _after_full_scan(self, handler: JobHandler, *, covered: bool = False) -> JobHandler:
        """Jobs for an installation with no complete scan (a lost data directory, a missed
        `installation` event) queue that full scan first: one repository alone would
        publish a plan of one repository, or none.

        `covered`: the full scan does this job's work too (a rescan, the plan), so the job
        is dropped. Otherwise (a pull request, a command) it is queued again behind the
        scan, once: a failing scan must not make it spin.
        """

        async def run(job: Job) -> None:
            if job.payload.get(AFTER_FULL_SCAN) or await self._serves_known_set(
                job.installation_id
            ):
                await handler(job)
                return
            log.info("no complete scan yet: full scan first", extra={"kind": job.kind})
            later = [] if covered else [replace(job, payload={**job.payload, AFTER_FULL_SCAN: 1})]
            await self.ctx.queue.enqueue([Job("scan_installation", job.installation_id), *later])

        return run

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
            await self._scan(gh, job.installation_id, r, default_config(), read, listed=True)
            for r in first
        ]
        org_config, _ = await load_org_config(self.ctx, job.installation_id, owner, read)
        limit = asyncio.Semaphore(REPO_CONCURRENCY)

        async def scan(repo: RepoInfo) -> tuple[RepoInfo, FundbotConfig, list[ConfigProblem]]:
            async with limit:
                return await self._scan(
                    gh, job.installation_id, repo, org_config, read, listed=True
                )

        rest = [r for r in repos if r.full_name.lower() != org_name]
        results += await asyncio.gather(*(scan(r) for r in rest))
        known = {r.full_name for r in repos}
        stale = [s.full_name for s in await self.ctx.store.scans(job.installation_id)]
        await self.ctx.store.forget_repositories(
            job.installation_id, [n for n in stale if n not in known]
        )
        plan = await self.planner.plan(gh, job.installation_id, owner, org_config, recount=True)
        for repo, config, problems in results:
            await self.publisher.repository_issue(
                gh, job.installation_id, repo, plan, config, problems
            )
        plan = await self.planner.with_payments(gh, job.installation_id, owner, org_config, plan)
        await self.publisher.plan_issue(gh, job.installation_id, owner, plan, org_config)
        await self.ctx.store.mark_scanned(job.installation_id)

    async def scan_repository(self, job: Job) -> None:
        if job.repository is None:
            return
        previous = await self.ctx.store.scan(job.installation_id, job.repository)
        added = job.payload.get("refresh_info") is True
        if previous is None and not added and await self._serves_known_set(job.installation_id):
            # A push to a repository the installation no longer grants us: nothing to do, and
            # no request to find that out. (A newly granted one arrives as `added`.)
            log.info("not a repository we serve", extra={"repository": job.repository})
            return
        gh = await self.ctx.github.for_installation(job.installation_id)
        owner = job.repository.partition("/")[0]
        await self.ctx.store.touch_installation(job.installation_id, owner)
        repo = (
            RepoInfo.from_api(previous.info)
            if previous is not None and not added
            else await get_repository(gh, job.repository)
        )
        read = CachedReader(gh)
        org_config, _ = await load_org_config(self.ctx, job.installation_id, owner, read)
        _, config, problems = await self._scan(gh, job.installation_id, repo, org_config, read)
        if repo.full_name.lower() == f"{owner}/{ORG_REPOSITORY}".lower():
            now = await self.ctx.store.scan(job.installation_id, repo.full_name)
            if info_config_text(now) != info_config_text(previous):
                # Every repository's settings and the plan rest on the org's file: all again
                # (cheap: unchanged repositories are known unchanged from the list alone).
                await self.ctx.queue.enqueue([Job("scan_installation", job.installation_id)])
                return
        plan = await self.planner.plan(gh, job.installation_id, owner, org_config, recount=False)
        await self.publisher.repository_issue(gh, job.installation_id, repo, plan, config, problems)
        plan_repo = f"{owner}/{org_config.plan_repository}"
        await self.ctx.queue.enqueue([Job("publish_plan", job.installation_id, plan_repo)])

    async def publish_plan(self, job: Job) -> None:
        gh = await self.ctx.github.for_installation(job.installation_id)
        owner = (job.repository or "").partition("/")[0]
        org_config, _ = await load_org_config(
            self.ctx, job.installation_id, owner, CachedReader(gh)
        )
        plan = await self.planner.plan(gh, job.installation_id, owner, org_config, recount=False)
        # After a push: the ledger is read again only if the payments repository changed.
        plan = await self.planner.with_payments(gh, job.installation_id, owner, org_config, plan)
        await self.publisher.plan_issue(gh, job.installation_id, owner, plan, org_config)

    async def forget_installation(self, job: Job) -> None:
        await self.ctx.store.forget_installation(job.installation_id)
        await self.ctx.queue.forget_installation(job.installation_id)
        self.ctx.github.forget(job.installation_id)
        log.info("installation forgotten", extra={"installation_id": job.installation_id})

    async def forget_repositories(self, job: Job) -> None:
        names = [str(n) for n in job.payload.get("repositories", [])]
        await self.ctx.store.forget_repositories(job.installation_id, names)
        installations = {i.id: i.account for i in await self.ctx.store.installations()}
        owner = installations.get(job.installation_id)
        if owner:
            # The plan issue's one writer is its repository's serial key: queue, don't write,
            # and name the repository the settings name (as every other publish_plan does).
            gh = await self.ctx.github.for_installation(job.installation_id)
            org_config, _ = await load_org_config(
                self.ctx, job.installation_id, owner, CachedReader(gh)
            )
            plan_repo = f"{owner}/{org_config.plan_repository}"
            await self.ctx.queue.enqueue([Job("publish_plan", job.installation_id, plan_repo)])

    async def reconcile(self, job: Job) -> None:
        """Rescan installations whose last scan is older than the interval, and fully scan
        every installation GitHub lists that has no complete scan here (a lost store)."""
        cutoff = time.time() - self.ctx.settings.reconcile_interval
        stale = set(await self.ctx.store.stale_installations(cutoff))
        # One query for what has a complete scan, not one per installation GitHub lists.
        scanned = {i.id for i in await self.ctx.store.installations() if i.last_scan_at is not None}
        stale.update(set(await self.ctx.github.installation_ids()) - scanned)
        await self.ctx.queue.enqueue([Job("scan_installation", i) for i in sorted(stale)])

    # -- steps -----------------------------------------------------------------------------
    async def _serves_known_set(self, installation_id: int) -> bool:
        """True once a full scan stored the installation's repositories (so absence means)."""
        return await self.ctx.store.last_scan(installation_id) is not None

    async def _scan(
        self,
        gh: GitHubClient,
        installation_id: int,
        repo: RepoInfo,
        org_config: FundbotConfig,
        read: CachedReader,
        *,
        listed: bool = False,
    ) -> tuple[RepoInfo, FundbotConfig, list[ConfigProblem]]:
        previous = await self.ctx.store.scan(installation_id, repo.full_name)
        # Its own settings file: the tree decides whether the last scan's text still holds,
        # not a seed taken from that scan (the org's `.github` is seeded before it is scanned).
        read.forget(repo.full_name, SETTINGS_PATH)
        try:
            result = await scan_repository(
                gh,
                repo,
                read=read,
                previous=previous,
                org_config=org_config,
                max_bytes=self.ctx.settings.max_manifest_bytes,
                listed=listed,
            )
        except BadRequest as exc:
            if exc.status_code not in (404, 409):  # 409: an empty repository
                raise
            stored = StoredScan.skipped_as(repo.full_name, _info(repo), "empty", scanned_at=None)
            await self.ctx.store.save_scan(installation_id, stored)
            return repo, org_config, []
        if not result.reused:
            await self.ctx.store.save_scan(installation_id, result.stored)
        if result.stored.tree_sha is not None:
            read.seed(repo.full_name, SETTINGS_PATH, info_config_text(result.stored))
        return repo, result.config, list(result.config_problems)


def _info(repo: RepoInfo) -> dict[str, object]:
    return asdict(repo)
