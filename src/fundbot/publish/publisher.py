"""Publishing the plan: one issue per repository and the organisation plan issue.

What people set through commands (the state) is carried over on every render: it lives in
the data block of the issues fundbot writes, so the store only caches it. With an empty
store, the plan issue's data block is read back before anything is rendered.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gidgethub import BadRequest

from fundbot.config import FundbotConfig
from fundbot.errors import ConfigProblem
from fundbot.github.client import GitHubClient
from fundbot.github.reading import RepoInfo
from fundbot.graph import package_id
from fundbot.model import Plan
from fundbot.publish.decide import body_hash
from fundbot.publish.issues import find_issue, publish_issue
from fundbot.render.commands import clean_state
from fundbot.render.context import IssueContext
from fundbot.render.data_block import Kind, marker, parse_data_block
from fundbot.render.issue import issue_title, render_plan_issue, render_repository_issue
from fundbot.render.private import Privacy, privacy
from fundbot.storage.store import IssueRef, Store, StoredScan

if TYPE_CHECKING:  # PostgreSQL's are imported only when DATABASE_URL is set
    from fundbot.storage.pg_store import PgStore

log = logging.getLogger(__name__)

State = dict[str, list[str]]
# The login fundbot writes as (`slug[bot]`), learnt once; None when it cannot be known.
BotLogin = Callable[[], Awaitable[str | None]]


def _state_key(installation_id: int) -> str:
    return f"commands_state:{installation_id}"


class StateKeeper:
    """The commands' state of an installation: cached in the store, kept in the plan issue."""

    def __init__(self, store: Store | PgStore, bot_login: BotLogin) -> None:
        self.store = store
        self.bot_login = bot_login

    async def load(
        self,
        gh: GitHubClient,
        installation_id: int,
        owner: str,
        plan_repository: str,
        fallback: Mapping[str, Any] | None = None,
    ) -> State:
        """The state; with an empty store, the plan issue's data block (else `fallback`)."""
        cached = await self.store.get_meta(_state_key(installation_id))
        if cached is not None:
            try:
                return clean_state(json.loads(cached))
            except ValueError:
                log.warning("unreadable cached state", extra={"installation_id": installation_id})
        found = await self._from_plan_issue(gh, installation_id, owner, plan_repository)
        state = clean_state(found if found is not None else fallback)
        await self.save(installation_id, state)
        return state

    async def save(self, installation_id: int, state: Mapping[str, Any]) -> None:
        text = json.dumps(clean_state(state), sort_keys=True, separators=(",", ":"))
        await self.store.set_meta(_state_key(installation_id), text)

    async def _from_plan_issue(
        self, gh: GitHubClient, installation_id: int, owner: str, plan_repository: str
    ) -> Mapping[str, Any] | None:
        repository = f"{owner}/{plan_repository}"
        mark = marker("plan", owner)
        remembered = await self.store.issue(repository, mark)
        creator = await self.bot_login()
        hint = remembered.number if remembered else None
        try:
            issue = await find_issue(gh, repository, mark, creator, hint)
        except BadRequest as exc:
            if exc.status_code not in (404, 410):  # not installed there, issues disabled
                raise
            return None
        if issue is None:
            return None
        body = issue.get("body") or ""
        # Remember what is on GitHub now, so the next render compares against it.
        ref = IssueRef(int(issue["number"]), body_hash(body))
        await self.store.save_issue(installation_id, repository, mark, ref)
        data = parse_data_block(body)
        state = data.get("state") if data else None
        return state if isinstance(state, Mapping) else None


class Publisher:
    def __init__(self, store: Store | PgStore, bot_login: BotLogin) -> None:
        self.store = store
        self.bot_login = bot_login
        self.state = StateKeeper(store, bot_login)

    async def repository_issue(
        self,
        gh: GitHubClient,
        installation_id: int,
        repo: RepoInfo,
        plan: Plan,
        config: FundbotConfig,
        problems: Sequence[ConfigProblem],
    ) -> None:
        scan = await self.store.scan(installation_id, repo.full_name)
        if scan is None or scan.skipped is not None or not repo.has_issues:
            return
        if not config.repository_issues:
            return
        reached = sum(repo.full_name in line.repositories for line in plan.lines)
        if reached < config.min_fundable and not problems:
            return
        owner = repo.owner
        state = await self.state.load(gh, installation_id, owner, config.plan_repository)
        ctx = IssueContext(
            owner=owner,
            repository=repo.full_name,
            plan_issue_url=None,
            config_problems=tuple(problems),
            state=state,
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

    async def plan_issue(
        self,
        gh: GitHubClient,
        installation_id: int,
        owner: str,
        plan: Plan,
        config: FundbotConfig,
    ) -> None:
        scans = await self.store.scans(installation_id)
        plan_repo = f"{owner}/{config.plan_repository}"
        target = next((s for s in scans if s.full_name.lower() == plan_repo.lower()), None)
        if target is None or not target.info.get("has_issues", True):
            log.info("no plan repository", extra={"repository": plan_repo})
            return
        skipped = [(s.full_name, s.skipped) for s in scans if s.skipped]
        skipped += [
            (s.full_name, "issues disabled") for s in scans if not s.info.get("has_issues", True)
        ]
        state = await self.state.load(gh, installation_id, owner, config.plan_repository)
        # A public plan repository (the org's `.github` often is) names no private one.
        public = target.info.get("private") is False and not config.show_private_repositories
        ctx = IssueContext(
            owner=owner,
            repository=None,
            plan_issue_url=None,
            skipped_repositories=tuple((n, str(r)) for n, r in skipped),
            state=state,
            frequency=config.sponsors_frequency,
            privacy=scans_privacy(scans) if public else None,
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
        kind: Kind,
        scope: str,
        title: str,
        body: str,
        labels: Sequence[str],
    ) -> None:
        mark = marker(kind, scope)
        remembered = await self.store.issue(repository, mark)
        creator = await self.bot_login()
        published = await publish_issue(
            gh,
            repository,
            marker=mark,
            title=title or issue_title(kind, scope),
            body=body,
            labels=labels,
            creator=creator,
            remembered=remembered.number if remembered else None,
            remembered_hash=remembered.body_hash if remembered else None,
        )
        if published.number is not None:
            await self.store.save_issue(
                installation_id, repository, mark, IssueRef(published.number, published.body_hash)
            )
        log.info(
            "issue %s",
            published.outcome,
            extra={"repository": repository, "number": published.number},
        )

    async def forget_body(
        self, installation_id: int, repository: str, kind: Kind, scope: str
    ) -> None:
        """Make the next render compare against the issue on GitHub, not our last render:
        a person edited it (ticked a box), so an unchanged render must still be written."""
        mark = marker(kind, scope)
        remembered = await self.store.issue(repository, mark)
        if remembered is not None:
            ref = IssueRef(remembered.number, "")
            await self.store.save_issue(installation_id, repository, mark, ref)


def scans_privacy(scans: Sequence[StoredScan]) -> Privacy:
    """Private-ness as GitHub's repository data said it (a scan that does not say counts as
    private), and the packages each repository uses."""
    return privacy(
        (
            s.full_name,
            s.info.get("private") is not False,
            (package_id(d.ecosystem, d.name) for d in s.dependencies),
        )
        for s in scans
    )
