"""The `pull_request` job: comment on the dependencies a pull request adds that accept funding.

Nothing a pull request contains is executed or taken as configuration: its dependency files
are only parsed, and the settings come from the default branches (via the stored scans).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from fundbot.config import SETTINGS_PATH, FundbotConfig
from fundbot.github.client import GitHubClient
from fundbot.github.config_loader import ORG_REPOSITORY, repository_config
from fundbot.github.pulls import get_pull, list_pull_files, read_sides
from fundbot.github.reading_cache import CachedReader
from fundbot.jobs.context import AppContext
from fundbot.jobs.model import Job
from fundbot.jobs.planning import Planner, org_config
from fundbot.jobs.repository_scan import info_config_text
from fundbot.model import Dependency, ExclusionKind, PackageFunding, Plan
from fundbot.pipeline import Repositories, build, count_developers, plan_inputs
from fundbot.plan.allocation import preferred_channel, recipient_id
from fundbot.plan.build import package_id
from fundbot.publish.comments import publish_comment
from fundbot.render.comment import PullRequestAddition, render_pull_request_comment
from fundbot.render.data_block import marker
from fundbot.scan import scan_files
from fundbot.storage.store import IssueRef, StoredScan

log = logging.getLogger(__name__)

# Recipients left out of a plan only for having too little weight still accept the money.
_TOO_LITTLE: frozenset[ExclusionKind] = frozenset({"below_minimum", "max_recipients"})
# Stored in place of a comment id: "we looked, and this pull request has no comment of ours".
NO_COMMENT = 0


@dataclass(frozen=True, slots=True)
class PullRequestJob:
    """A job's payload, read defensively: the shas are optional (then asked of GitHub)."""

    repository: str
    number: int
    head_sha: str | None
    base_sha: str | None

    @classmethod
    def from_job(cls, job: Job) -> PullRequestJob | None:
        number = job.payload.get("number")
        if job.repository is None or not isinstance(number, int) or isinstance(number, bool):
            return None
        head, base = job.payload.get("head_sha"), job.payload.get("base_sha")
        if not isinstance(head, str) or not isinstance(base, str):
            head = base = None
        return cls(job.repository, number, head, base)


class PullRequests:
    """Runs `pull_request` jobs; idempotent: the comment is found by marker, edited on change."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.planner = Planner(ctx)

    async def handle(self, job: Job) -> None:
        pr = PullRequestJob.from_job(job)
        if pr is None:
            return
        inst = job.installation_id
        stored = await self.ctx.store.scan(inst, pr.repository)
        if stored is not None and stored.skipped is not None:
            return  # archived or a skipped fork: not part of the plan, nothing to say
        gh = await self.ctx.github.for_installation(inst)
        read = CachedReader(gh)
        org_settings, config = await self._configs(inst, pr.repository, stored, read)
        if not config.pull_request_comments:
            return
        shas = await self._shas(gh, pr)
        if shas is None:
            return
        files = await list_pull_files(gh, pr.repository, pr.number)
        base_texts, head_texts = await read_sides(
            gh,
            pr.repository,
            files,
            shas,
            ignore_paths=config.ignore_paths,
            max_bytes=self.ctx.settings.max_manifest_bytes,
        )
        added = added_dependencies(scan_sides(base_texts, head_texts))
        if stored is not None:
            # Already used elsewhere in the repository (another workspace): not new to it.
            used = {d.key for d in stored.dependencies}
            added = tuple(d for d in added if d.key not in used)
        additions: list[PullRequestAddition] = []
        if added:
            additions = await self._describe(gh, inst, pr.repository, org_settings, added)
        await self._publish(gh, inst, pr, additions, touched=bool(head_texts or base_texts))

    async def _shas(self, gh: GitHubClient, pr: PullRequestJob) -> tuple[str, str] | None:
        """(base, head) from the delivery, else from GitHub; None for a closed pull request."""
        if pr.head_sha is not None and pr.base_sha is not None:
            return pr.base_sha, pr.head_sha
        current = await get_pull(gh, pr.repository, pr.number)
        return (current.base_sha, current.head_sha) if current.open else None

    async def _configs(
        self, inst: int, repository: str, stored: StoredScan | None, read: CachedReader
    ) -> tuple[FundbotConfig, FundbotConfig]:
        """The org's and the repository's settings, from the default branches only."""
        owner = repository.partition("/")[0]
        if stored is not None and stored.skipped is None and stored.tree_sha is not None:
            # The last scan read the default branch's file; pushes to it trigger a rescan.
            read.seed(repository, SETTINGS_PATH, info_config_text(stored))
        org, _ = await org_config(self.ctx, inst, owner, read)
        if repository.casefold() == f"{owner}/{ORG_REPOSITORY}".casefold():
            return org, org
        repo_text = await read(repository, SETTINGS_PATH)
        config, _ = await repository_config(read, repository, repo_text=repo_text)
        return org, config

    async def _describe(
        self,
        gh: GitHubClient,
        inst: int,
        repository: str,
        config: FundbotConfig,
        added: Sequence[Dependency],
    ) -> list[PullRequestAddition]:
        """Funding for each added package and how the organisation plan would change."""
        owner = repository.partition("/")[0]
        state = await self.planner.state.load(gh, inst, owner, config.plan_repository)
        scans = await self.ctx.store.scans(inst)
        usage = Repositories.stored(scans)
        merged = usage.with_added(repository, added)
        developers = await count_developers(
            config, self.planner.estimate(gh, inst, scans, recount=False)
        )
        funding = await self.planner.resolve(inst, merged.dependencies())
        plan = partial(build, config=config, developers=developers, owner=owner, state=state)
        before = plan(usage, funding)
        after = plan(merged, funding)
        # The settings as the plans saw them: the commands' patterns excluded too.
        config, _, _ = plan_inputs(config, state)
        return describe_additions(representatives(added), funding, before, after, config)

    async def _publish(
        self,
        gh: GitHubClient,
        inst: int,
        pr: PullRequestJob,
        additions: Sequence[PullRequestAddition],
        *,
        touched: bool,
    ) -> None:
        """One comment per pull request: created for a fundable addition, else only edited."""
        scope = f"{pr.repository}#{pr.number}"
        mark = marker("pull-request", scope)
        stored = await self.ctx.store.issue(pr.repository, mark)
        remembered = (stored.number, stored.body_hash) if stored is not None else None
        if remembered is None and not additions and not touched:
            # No dependency file changed and we never commented: nothing to look for.
            return
        published = await publish_comment(
            gh,
            pr.repository,
            pr.number,
            marker=mark,
            body=render_pull_request_comment(scope, additions),
            create=bool(additions),
            bot_login=await self.ctx.bot_login(),
            remembered=remembered,
        )
        number = published.comment_id if published.comment_id is not None else NO_COMMENT
        if remembered != (number, published.body_hash):
            await self.ctx.store.save_issue(
                inst, pr.repository, mark, IssueRef(number, published.body_hash)
            )
        log.info(
            "pull request comment %s",
            published.outcome,
            extra={"installation_id": inst, "pull_request": scope},
        )


# -- pure steps ------------------------------------------------------------------------------


def scan_sides(
    base: Mapping[str, str], head: Mapping[str, str]
) -> tuple[tuple[Dependency, ...], tuple[Dependency, ...]]:
    """Both sides' dependencies; a file that fails to parse on either side counts on neither."""
    before, after = scan_files(base), scan_files(head)
    broken = {e.manifest for e in (*before.errors, *after.errors)}
    if broken:
        before = scan_files({p: t for p, t in base.items() if p not in broken})
        after = scan_files({p: t for p, t in head.items() if p not in broken})
    return before.dependencies, after.dependencies


def added_dependencies(
    sides: tuple[Sequence[Dependency], Sequence[Dependency]],
) -> tuple[Dependency, ...]:
    """Every head entry of a package present at head and not at base (skipped ones aside)."""
    base, head = sides
    known = {d.key for d in base}
    return tuple(d for d in head if d.key not in known and d.skip_reason is None)


def representatives(added: Sequence[Dependency]) -> list[Dependency]:
    """One entry per package, sorted by package: a direct entry over a transitive one (the
    line a person wrote, or the lockfile entry for it), then the first file by path."""
    best: dict[tuple[str, str], Dependency] = {}
    for dep in sorted(added, key=lambda d: (not d.direct, d.manifest)):
        best.setdefault(dep.key, dep)
    return [best[k] for k in sorted(best)]


def describe_additions(
    added: Sequence[Dependency],
    funding: Mapping[tuple[str, str], PackageFunding],
    before: Plan,
    after: Plan,
    config: FundbotConfig,
) -> list[PullRequestAddition]:
    """The additions that accept funding the plan can use, with their recipient's amounts."""
    excluded = {e.package: e.kind for e in after.excluded}
    line_of = {pkg: line for line in after.lines for pkg in line.packages}
    amount_before = {line.recipient: line.amount for line in before.lines}
    out: list[PullRequestAddition] = []
    for dep in added:
        info = funding.get(dep.key)
        channel = preferred_channel(info, config.platform_order)
        pkg = package_id(dep.ecosystem, dep.name)
        if info is None or channel is None or pkg in excluded:
            continue  # no funding, or owned by the organisation, or excluded by its settings
        kind = excluded.get(recipient_id(channel))
        if kind is not None and kind not in _TOO_LITTLE:
            continue
        line = line_of.get(pkg)
        out.append(
            PullRequestAddition(
                package=pkg,
                version=dep.version,
                manifest=dep.manifest,
                channels=info.channels,
                recipient=line.recipient if line else None,
                amount_before=amount_before.get(line.recipient) if line else None,
                amount_after=line.amount if line else None,
            )
        )
    return out
