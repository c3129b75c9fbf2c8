"""`issue_command` jobs: a ticked box or a `/fundbot` comment changes what the plan keeps out.

Only people with write (or maintain, or admin) permission change anything, asked of GitHub
each time: on the plan repository for every command that changes the organisation's plan
(wherever it is typed), on the issue's own repository for a rescan. Every command is
answered in the same job: a +1 reaction, or one reply that carries a hidden marker so a
redelivered command is never answered twice. The state lives in the issues' data blocks (the
store only caches it); a change is followed by a rescan job that re-plans and re-renders
every issue with it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Final, Literal

from gidgethub import BadRequest

from fundbot.github.client import GitHubClient
from fundbot.github.reading_cache import CachedReader
from fundbot.jobs.context import AppContext
from fundbot.jobs.model import Job, JobKind
from fundbot.jobs.planning import org_config
from fundbot.publish.publisher import Publisher, State
from fundbot.publish.replies import reply_once
from fundbot.render.commands import DENIED, HELP, CommentCommand, clean_state, parse_comment
from fundbot.render.data_block import Kind, as_kind
from fundbot.render.markdown import code

log = logging.getLogger(__name__)

WRITE_ROLES: Final = frozenset({"admin", "maintain", "write"})
# Commands that need an argument (a PATTERN or a RECIPIENT); without one, the help.
ARGUMENTS: Final = frozenset({"exclude", "include", "funded-elsewhere", "not-funded-elsewhere"})
# A ticked or unticked box, as the command it stands for.
BOXES: Final = {
    ("exclude", True): "exclude-recipient",
    ("exclude", False): "include-recipient",
    ("funded-elsewhere", True): "funded-elsewhere",
    ("funded-elsewhere", False): "not-funded-elsewhere",
    ("rescan", True): "rescan",
}
Source = Literal["checkbox", "comment"]


@dataclass(frozen=True, slots=True)
class Request:
    """One job's commands and where they came from, read defensively from its payload."""

    source: Source
    number: int
    sender: str
    kind: Kind | None  # plan, repository, pull-request; None for anything else
    scope: str
    commands: tuple[CommentCommand, ...]
    state: Mapping[str, Any] | None
    comment_id: int | None
    since: str | None

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Request | None:
        source, number, sender = payload.get("source"), payload.get("number"), payload.get("sender")
        if source not in ("checkbox", "comment") or not isinstance(number, int):
            return None
        if not isinstance(sender, str) or not sender:
            return None
        comment_id = payload.get("comment_id")
        state, since = payload.get("state"), payload.get("since")
        return cls(
            source=source,
            number=number,
            sender=sender,
            kind=as_kind(payload.get("kind")),
            scope=str(payload.get("scope") or ""),
            commands=tuple(
                box_commands(payload.get("boxes"))
                if source == "checkbox"
                else parse_comment(str(payload.get("text") or ""))
            ),
            state=state if isinstance(state, Mapping) else None,
            comment_id=comment_id if isinstance(comment_id, int) else None,
            since=since if isinstance(since, str) else None,
        )

    @property
    def valid(self) -> tuple[CommentCommand, ...]:
        """The commands fundbot can carry out (help and malformed ones aside)."""
        return tuple(c for c in self.commands if usable(c))

    @property
    def needs_help(self) -> bool:
        return any(not usable(c) for c in self.commands)


def box_commands(boxes: Any) -> list[CommentCommand]:
    """The commands a person's box changes stand for; anything malformed is dropped."""
    found = []
    for box in boxes if isinstance(boxes, list) else []:
        if not (isinstance(box, list) and len(box) == 3):
            continue
        command, recipient, ticked = box
        valid = all(isinstance(v, str) for v in (command, recipient)) and isinstance(ticked, bool)
        name = BOXES.get((command, ticked)) if valid else None
        if name is not None and (name == "rescan" or recipient):
            found.append(CommentCommand(name, recipient))
    return found


def usable(command: CommentCommand) -> bool:
    """False for help, unknown commands and those missing their argument."""
    if command.name == "help" or not (command.known or command.name in BOXES.values()):
        return False
    return command.name not in ARGUMENTS or bool(command.argument)


def apply(state: State, command: CommentCommand) -> State:
    """The state after one command (pure; applying it twice changes nothing more)."""
    new = {key: list(values) for key, values in state.items()}
    arg, name = command.argument, command.name
    if name == "exclude":
        new["exclude"] = [*new.get("exclude", []), arg]
    elif name == "exclude-recipient":
        new["excluded"] = [*new.get("excluded", []), arg]
    elif name == "funded-elsewhere":
        new["funded_elsewhere"] = [*new.get("funded_elsewhere", []), arg]
    elif name == "include":
        new["exclude"] = _without(new.get("exclude", []), arg)
        new["excluded"] = _without(new.get("excluded", []), arg)
    elif name == "include-recipient":
        new["excluded"] = _without(new.get("excluded", []), arg)
    elif name == "not-funded-elsewhere":
        new["funded_elsewhere"] = _without(new.get("funded_elsewhere", []), arg)
    return clean_state(new)


def _without(values: Sequence[str], pattern: str) -> list[str]:
    """`values` less those matching `pattern` (a glob, or an id typed in any case)."""
    folded = pattern.casefold()
    return [v for v in values if v.casefold() != folded and not fnmatchcase(v.casefold(), folded)]


async def may_change_plan(gh: GitHubClient, repository: str, login: str) -> bool:
    """True when `login` has write, maintain or admin permission on the repository."""
    try:
        data = await gh.getitem(
            "/repos/{+repo}/collaborators/{user}/permission", {"repo": repository, "user": login}
        )
    except BadRequest as exc:
        if exc.status_code in (403, 404):  # not a collaborator, or not a user at all
            return False
        raise
    return data.get("permission") in WRITE_ROLES or data.get("role_name") in WRITE_ROLES


class Commands:
    """The `issue_command` job handler."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.publisher = Publisher(ctx.store, ctx.bot_login)
        # One state writer per installation at a time (commands may come from any repo).
        self._locks: dict[int, asyncio.Lock] = {}

    async def handle(self, job: Job) -> None:
        request = Request.from_payload(job.payload)
        repository = job.repository
        if request is None or repository is None or request.sender.endswith("[bot]"):
            return  # never act on a bot's edit or comment, our own above all
        if not request.commands:
            return  # a box change that asks for nothing (unticking "Rescan now")
        gh = await self.ctx.github.for_installation(job.installation_id)
        extra = {"repository": repository, "installation_id": job.installation_id}
        if not request.valid:
            await self._reply(gh, repository, request, HELP)
            return
        guarded = await self._guarded_repository(gh, job, request)
        if not await may_change_plan(gh, guarded, request.sender):
            log.info("command refused", extra=extra | {"sender": request.sender})
            if request.source == "checkbox":
                await self._restore(job, request)  # put the boxes back as they were
            await self._reply(gh, repository, request, DENIED.format(repository=code(guarded)))
            return
        changed = await self._change_state(gh, job, request)
        await self._follow_up(job, request, changed)
        await self._acknowledge(gh, repository, request)
        log.info("command done", extra=extra | {"changed": changed})

    async def _guarded_repository(self, gh: GitHubClient, job: Job, request: Request) -> str:
        """The repository whose write permission the request needs.

        Every command but `rescan` changes the organisation's plan state (one per
        installation), so it needs write on the plan repository, wherever it was typed:
        write on any one repository must not change the whole organisation's plan. A rescan
        only needs write where it was asked for.
        """
        repository = job.repository or ""
        if all(c.name == "rescan" for c in request.valid):
            return repository
        owner = repository.partition("/")[0]
        config, _ = await org_config(self.ctx, job.installation_id, owner, CachedReader(gh))
        return f"{owner}/{config.plan_repository}"

    async def _change_state(self, gh: GitHubClient, job: Job, request: Request) -> bool:
        """Apply the commands to the stored state; True when it changed."""
        inst, owner = job.installation_id, (job.repository or "").partition("/")[0]
        async with self._locks.setdefault(inst, asyncio.Lock()):
            config, _ = await org_config(self.ctx, inst, owner, CachedReader(gh))
            keeper = self.publisher.state
            state = await keeper.load(gh, inst, owner, config.plan_repository, request.state)
            new = state
            for command in request.valid:
                new = apply(new, command)
            if new == state:
                return False
            await keeper.save(inst, new)
            return True

    async def _follow_up(self, job: Job, request: Request, changed: bool) -> None:
        """Queue the rescan that re-plans and re-renders with the new state."""
        if request.source == "checkbox":
            await self._forget_body(job, request)
        rescan = any(c.name == "rescan" for c in request.valid)
        if changed or (rescan and request.kind == "plan"):
            await self.ctx.queue.enqueue([Job("scan_installation", job.installation_id)])
        if changed and request.kind == "pull-request":
            # The pull request's comment shows amounts under the plan: bring it up to date.
            payload = {"number": request.number}
            await self.ctx.queue.enqueue(
                [Job("pull_request", job.installation_id, job.repository, payload)]
            )
        elif rescan or request.source == "checkbox":
            await self._restore(job, request)

    async def _restore(self, job: Job, request: Request) -> None:
        """Re-render the issue a person edited (or rescan its repository)."""
        await self._forget_body(job, request)
        kind: JobKind = "publish_plan" if request.kind == "plan" else "scan_repository"
        await self.ctx.queue.enqueue([Job(kind, job.installation_id, job.repository)])

    async def _forget_body(self, job: Job, request: Request) -> None:
        kind = request.kind
        if (kind == "plan" or kind == "repository") and job.repository is not None:
            await self.publisher.forget_body(
                job.installation_id, job.repository, kind, request.scope
            )

    async def _acknowledge(self, gh: GitHubClient, repository: str, request: Request) -> None:
        if request.needs_help:
            await self._reply(gh, repository, request, HELP)
        if request.source == "comment" and request.comment_id is not None:
            url = "/repos/{+repo}/issues/comments/{id}/reactions"
            variables: dict[str, Any] = {"repo": repository, "id": request.comment_id}
        else:
            url = "/repos/{+repo}/issues/{number}/reactions"
            variables = {"repo": repository, "number": request.number}
        # GitHub answers 200 for a reaction already given: reacting again is harmless.
        await gh.post(url, variables, data={"content": "+1"})

    async def _reply(self, gh: GitHubClient, repository: str, request: Request, text: str) -> None:
        key = (
            f"comment-{request.comment_id}"
            if request.source == "comment"
            else f"edit-{request.number}-{request.sender}-{request.since}"
        )
        await reply_once(gh, repository, request.number, key, request.since, text)
