"""The organisation plan from stored scans: developers, funding, the pledge rule, and what
people set through commands (exclusions, recipients funded elsewhere)."""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

from fundbot.config import SETTINGS_PATH, FundbotConfig
from fundbot.errors import ConfigProblem
from fundbot.github.client import GitHubClient
from fundbot.github.config_loader import ORG_REPOSITORY, repository_config
from fundbot.github.payments import read_repository_ledger, sponsors_activities
from fundbot.github.reading import commit_authors
from fundbot.github.reading_cache import CachedReader
from fundbot.jobs.context import AppContext
from fundbot.jobs.repository_scan import info_config_text
from fundbot.ledger.reconcile import reconcile
from fundbot.ledger.sponsors import reconstruct, without_recorded
from fundbot.model import Dependency, PackageFunding, Payment, Plan
from fundbot.pipeline import Estimate, EstimateDevelopers, Repositories, plan_repositories
from fundbot.publish.publisher import StateKeeper
from fundbot.resolve.resolver import resolve_funding
from fundbot.storage.store import StoredScan

# In the plan issue when the organisation's sponsorships cannot be read.
SPONSORS_HINT = (
    "GitHub Sponsors payments are not counted: fundbot may not read this organisation's "
    "sponsorships. Grant the App the organisation permission Administration (read) (in the "
    "organisation's settings, GitHub Apps, fundbot, Configure), or add them to the payments "
    "ledger with `fundbot payments import FILE --from github-sponsors`."
)
ESTIMATE_MAX_AGE = 24 * 3600.0
PAYMENTS_MAX_AGE = 3600.0
ESTIMATE_DAYS = 90


class Planner:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.state = StateKeeper(ctx.store, ctx.bot_login)
        # Payments repository (lower) -> (read at, payments, notes): see `with_payments`.
        self._paid: dict[str, tuple[float, tuple[Payment, ...], tuple[str, ...]]] = {}

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

    async def with_payments(
        self, gh: GitHubClient, owner: str, config: FundbotConfig, plan: Plan, *, fresh: bool
    ) -> Plan:
        """The plan set against what was paid this year: the ledger files of the payments
        repository, plus GitHub Sponsors payments rebuilt from the organisation's activity
        when the App may read it (else a note says how to let it, or to import the export).

        Read again when `fresh` (a push: the ledger may have changed) or once an hour; a
        rescan with nothing changed reuses what was read, and costs no request for it.
        """
        today = datetime.date.today()
        repository = f"{owner}/{config.payments_repository or config.plan_repository}"
        key = repository.lower()
        known = self._paid.get(key)
        if fresh or known is None or time.time() - known[0] > PAYMENTS_MAX_AGE:
            known = (time.time(), *await self._read_payments(gh, owner, repository, today))
            self._paid[key] = known
        _, payments, notes = known
        plan = reconcile(plan, payments, today.year, today=today)
        return replace(plan, notes=(*plan.notes, *notes))

    async def _read_payments(
        self, gh: GitHubClient, owner: str, repository: str, today: datetime.date
    ) -> tuple[tuple[Payment, ...], tuple[str, ...]]:
        ledger = await read_repository_ledger(gh, repository)
        payments = list(ledger.payments)
        notes = [f"payments ledger: {problem} (left out)" for problem in ledger.problems[:20]]
        activities = await sponsors_activities(gh, owner, self.ctx.settings.github_graphql_url)
        if activities is None:
            notes.append(SPONSORS_HINT)
        else:
            rebuilt = reconstruct(activities, min(today, datetime.date(today.year, 12, 31)))
            payments += without_recorded(rebuilt, payments)
        return tuple(payments), tuple(notes)

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
