"""Publishing the plan: one issue per repository and the organisation plan issue."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fundbot.config import FundbotConfig
from fundbot.errors import ConfigProblem
from fundbot.github.client import GitHubClient
from fundbot.github.publish import publish_issue
from fundbot.github.reading import RepoInfo
from fundbot.jobs.context import AppContext
from fundbot.model import Plan
from fundbot.render.context import IssueContext
from fundbot.render.data_block import marker
from fundbot.render.issue import issue_title, render_plan_issue, render_repository_issue
from fundbot.store import IssueRef

log = logging.getLogger(__name__)


class Publisher:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def repository_issue(
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

    async def plan_issue(
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
