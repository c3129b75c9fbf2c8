"""The organisation plan from stored scans: developers, funding, the pledge rule, and what
people set through commands (exclusions, recipients funded elsewhere)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import Any

from fundbot.config import SETTINGS_PATH, FundbotConfig
from fundbot.errors import ConfigProblem
from fundbot.github.client import GitHubClient
from fundbot.github.config_loader import ORG_REPOSITORY, repository_config
from fundbot.github.reading import commit_authors
from fundbot.github.reading_cache import CachedReader
from fundbot.jobs.context import AppContext
from fundbot.jobs.repository_scan import info_config_text
from fundbot.model import Dependency, PackageFunding, Plan
from fundbot.pipeline import Estimate, EstimateDevelopers, Repositories, plan_repositories
from fundbot.publish.publisher import StateKeeper
from fundbot.resolve.resolver import resolve_funding
from fundbot.storage.store import StoredScan

ESTIMATE_MAX_AGE = 24 * 3600.0
ESTIMATE_DAYS = 90


class Planner:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.state = StateKeeper(ctx.store, ctx.bot_login)

    async def plan(
        self,
        gh: GitHubClient,
        installation_id: int,
        owner: str,
        config: FundbotConfig,
        *,
        recount: bool,
        state: Mapping[str, Any] | None = None,
    ) -> Plan:
        """The plan under `config` and the commands' state (loaded when not given)."""
        if state is None:
            state = await self.state.load(gh, installation_id, owner, config.plan_repository)
        scans = await self.ctx.store.scans(installation_id)
        planned = await plan_repositories(
            Repositories.stored(scans),
            config,
            owner=owner,
            resolve=partial(self.resolve, installation_id),
            estimate=self.estimate(gh, installation_id, scans, recount=recount),
            state=state,
        )
        return planned.plan

    async def resolve(
        self, installation_id: int, dependencies: Iterable[Dependency]
    ) -> dict[tuple[str, str], PackageFunding]:
        """Funding for each distinct package, from the shared cache first; GraphQL with the
        installation's own token."""
        auth = self.ctx.github.auth
        token = (await auth.token(installation_id)).reveal() if auth else None
        funding, _ = await resolve_funding(
            dependencies,
            self.ctx.settings,
            self.ctx.http,
            self.ctx.funding_cache,
            github_token=token,
        )
        return funding

    def estimate(
        self,
        gh: GitHubClient,
        installation_id: int,
        scans: Sequence[StoredScan],
        *,
        recount: bool,
    ) -> EstimateDevelopers:
        """How to estimate the installation's developers: the stored count while fresh (or
        when not asked to recount), else distinct commit authors, stored for next time."""

        async def estimate() -> Estimate:
            stored = await self.ctx.store.developers(installation_id)
            fresh = stored is not None and time.time() - stored.counted_at < ESTIMATE_MAX_AGE
            if stored is not None and (fresh or not recount):
                return stored.count, stored.method
            counted = [s for s in scans if s.skipped is None]
            authors: set[str] = set()
            for scan in counted:
                authors |= await commit_authors(gh, scan.full_name, ESTIMATE_DAYS)
            method = (
                f"distinct human commit authors in the last {ESTIMATE_DAYS} days across "
                f"{len(counted)} repositories"
            )
            await self.ctx.store.set_developers(installation_id, max(1, len(authors)), method)
            return max(1, len(authors)), method

        return estimate


async def org_config(
    ctx: AppContext, installation_id: int, owner: str, read: CachedReader
) -> tuple[FundbotConfig, list[ConfigProblem]]:
    """The org-wide settings; from the last scan of `.github` when there is one."""
    org_repo = f"{owner}/{ORG_REPOSITORY}"
    stored = await ctx.store.scan(installation_id, org_repo)
    if stored is not None and stored.skipped is None and stored.tree_sha is not None:
        read.seed(org_repo, SETTINGS_PATH, info_config_text(stored))
    text = await read(org_repo, SETTINGS_PATH)
    return await repository_config(read, org_repo, repo_text=text)
