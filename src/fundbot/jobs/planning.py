"""The organisation plan from stored scans: developers, funding, the pledge rule, and what
people set through commands (exclusions, recipients funded elsewhere)."""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from fundbot.config import FundbotConfig
from fundbot.errors import ConfigProblem
from fundbot.github.client import GitHubClient
from fundbot.github.config_loader import CONFIG_PATH, ORG_REPOSITORY, repository_config
from fundbot.github.reading import commit_authors
from fundbot.github.reading_cache import CachedReader
from fundbot.jobs.context import AppContext
from fundbot.jobs.publishing import StateKeeper
from fundbot.jobs.repository_scan import info_config_text
from fundbot.model import Dependency, DeveloperCount, PackageFunding, Plan, ScanError
from fundbot.plan.build import build_plan, resolve_developers
from fundbot.render.context import state_ids
from fundbot.resolve.base import PackageQuery
from fundbot.resolve.resolver import Resolver
from fundbot.storage.store import StoredScan

ESTIMATE_MAX_AGE = 24 * 3600.0
ESTIMATE_DAYS = 90


class Planner:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.state = StateKeeper(ctx)

    async def plan(
        self,
        gh: GitHubClient,
        installation_id: int,
        owner: str,
        config: FundbotConfig,
        *,
        recount: bool,
        excluded_recipients: Collection[str] = (),
        funded_elsewhere: Collection[str] = (),
        state: Mapping[str, Any] | None = None,
    ) -> Plan:
        """The plan under `config` and the commands' state (loaded when not given)."""
        if state is None:
            state = await self.state.load(gh, installation_id, owner, config.plan_repository)
        config, excluded, elsewhere = plan_inputs(config, state)
        excluded_recipients = {*excluded_recipients, *excluded}
        funded_elsewhere = {*funded_elsewhere, *elsewhere}
        scans = [s for s in await self.ctx.store.scans(installation_id) if s.skipped is None]
        usage: dict[str, Sequence[Dependency]] = {s.full_name: s.dependencies for s in scans}
        errors = [
            ScanError(f"{s.full_name}: {e.manifest}", e.error) for s in scans for e in s.errors
        ]
        developers = await self.developers(gh, installation_id, config, scans, recount)
        funding = await self.resolve(installation_id, (d for s in scans for d in s.dependencies))
        return build_plan(
            usage,
            funding,
            config,
            developers,
            owner=owner,
            errors=errors,
            excluded_recipients=excluded_recipients,
            funded_elsewhere=funded_elsewhere,
        )

    async def resolve(
        self, installation_id: int, dependencies: Iterable[Dependency]
    ) -> dict[tuple[str, str], PackageFunding]:
        """Funding for each distinct package, from the shared cache first; GraphQL with the
        installation's own token."""
        auth = self.ctx.github.auth
        token = (await auth.token(installation_id)).reveal() if auth else None
        resolver = Resolver(
            self.ctx.settings, self.ctx.http, self.ctx.funding_cache, github_token=token
        )
        unique = {d.key: d for d in dependencies if d.skip_reason is None}
        funding = await resolver.resolve(
            PackageQuery(d.ecosystem, d.name, d.version) for d in unique.values()
        )
        self.ctx.funding_cache.flush()
        return dict(funding)

    async def developers(
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


def plan_inputs(
    config: FundbotConfig, state: Mapping[str, Any]
) -> tuple[FundbotConfig, frozenset[str], frozenset[str]]:
    """The commands' state applied for `build_plan`: (config with the state's patterns added
    to `exclude`, recipient ids excluded, recipient ids funded elsewhere).

    Every plan — the published one and a pull request's before/after — goes through here, so
    their amounts agree.
    """
    patterns = tuple(sorted(state_ids(state, "exclude")))
    # Patterns apply as `exclude` does; typed ids also match recipients in any case.
    config = replace(config, exclude=(*config.exclude, *patterns))
    excluded = state_ids(state, "excluded") | frozenset(patterns)
    return config, excluded, state_ids(state, "funded_elsewhere")


async def org_config(
    ctx: AppContext, installation_id: int, owner: str, read: CachedReader
) -> tuple[FundbotConfig, list[ConfigProblem]]:
    """The org-wide settings; from the last scan of `.github` when there is one."""
    org_repo = f"{owner}/{ORG_REPOSITORY}"
    stored = await ctx.store.scan(installation_id, org_repo)
    if stored is not None and stored.skipped is None and stored.tree_sha is not None:
        read.seed(org_repo, CONFIG_PATH, info_config_text(stored))
    text = await read(org_repo, CONFIG_PATH)
    return await repository_config(read, org_repo, repo_text=text)
