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
from fundbot.github.payments import LedgerFiles, read_repository_ledger, sponsors_activities
from fundbot.github.reading import commit_authors
from fundbot.github.reading_cache import CachedReader
from fundbot.jobs.context import AppContext
from fundbot.jobs.repository_scan import info_config_text
from fundbot.ledger.ledger_csv import Ledger
from fundbot.ledger.reconcile import reconcile
from fundbot.ledger.sponsors import Activity, reconstruct, without_recorded
from fundbot.model import Dependency, PackageFunding, Plan
from fundbot.pipeline import Estimate, EstimateDevelopers, Repositories, plan_repositories
from fundbot.publish.publisher import StateKeeper
from fundbot.render.pledge import report_due_note
from fundbot.resolve.resolver import resolve_funding
from fundbot.storage.store import StoredScan

# In the plan issue when GitHub does not answer the sponsorships query. GitHub offers Apps no
# permission for it (see app.yml), so there is none to grant: the way is the ledger.
SPONSORS_HINT = (
    "GitHub Sponsors payments are not counted: GitHub does not let fundbot read this "
    "organisation's sponsorships, and has no GitHub App permission that would. Add them to "
    "the payments ledger with `fundbot payments import FILE --from github-sponsors`, FILE "
    "being the CSV of the Open Source Pledge's GitHub reporter "
    "(github.com/opensourcepledge/osp-github-reporter, run with a classic token with read:org "
    "and read:user) or a sponsored account's sponsorship export."
)
ESTIMATE_MAX_AGE = 24 * 3600.0
# A payments repository fundbot does not scan (no push tells it of a change): read again
# after this long. One it scans is read again only when its tree changed.
PAYMENTS_MAX_AGE = 3600.0
# The sponsorships query: once per process start, then at most once a day.
SPONSORS_MAX_AGE = 24 * 3600.0
ESTIMATE_DAYS = 90


class Planner:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.state = StateKeeper(ctx.store, ctx.bot_login)
        # Payments repository (lower) -> (its tree sha, read at, ledger): see `with_payments`.
        self._ledgers: dict[str, tuple[str | None, float, Ledger]] = {}
        self._ledger_files: LedgerFiles = {}
        # Owner (lower) -> (read at, its sponsorship activity, None when GitHub refused).
        self._sponsors: dict[str, tuple[float, list[Activity] | None]] = {}

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
        self, gh: GitHubClient, installation_id: int, owner: str, config: FundbotConfig, plan: Plan
    ) -> Plan:
        """The plan set against what was paid this year: the ledger files of the payments
        repository, plus GitHub Sponsors payments rebuilt from the organisation's activity
        when GitHub answers for it (else a note says how to import them), and when the next
        Pledge report is due.

        The payments repository is read at most once per plan run, and only on the first run
        since start or when its tree changed since (the stored scan says so, at no request):
        a rescan with nothing changed costs no request for it. One fundbot does not scan is
        read again after PAYMENTS_MAX_AGE; unchanged files are never fetched twice.
        """
        today = datetime.date.today()
        name = f"{owner}/{config.payments_repository or config.plan_repository}"
        ledger = await self._ledger(gh, installation_id, name)
        payments = list(ledger.payments)
        notes = [f"payments ledger: {problem} (left out)" for problem in ledger.problems[:20]]
        activities = await self._activities(gh, owner)
        if activities is None:
            notes.append(SPONSORS_HINT)
        else:
            rebuilt = reconstruct(activities, min(today, datetime.date(today.year, 12, 31)))
            payments += without_recorded(rebuilt, payments)
        due = report_due_note(config.pledge.get("last_report_date"), today)
        if due:
            notes.append(due)
        plan = reconcile(plan, payments, today.year, today=today)
        return replace(plan, notes=(*plan.notes, *notes))

    async def _ledger(self, gh: GitHubClient, installation_id: int, repository: str) -> Ledger:
        stored = await self.ctx.store.scan(installation_id, repository)
        version = stored.tree_sha if stored is not None and stored.skipped is None else None
        key = repository.lower()
        known = self._ledgers.get(key)
        if known is not None and (
            known[0] == version
            if version is not None
            else time.time() - known[1] <= PAYMENTS_MAX_AGE
        ):
            return known[2]
        ledger = await read_repository_ledger(gh, repository, self._ledger_files)
        self._ledgers[key] = (version, time.time(), ledger)
        return ledger

    async def _activities(self, gh: GitHubClient, owner: str) -> list[Activity] | None:
        known = self._sponsors.get(owner.lower())
        if known is not None and time.time() - known[0] <= SPONSORS_MAX_AGE:
            return known[1]
        found = await sponsors_activities(gh, owner, self.ctx.settings.github_graphql_url)
        self._sponsors[owner.lower()] = (time.time(), found)
        return found

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
