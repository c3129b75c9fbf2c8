"""Commands in fundbot's issues: ticked boxes and `/fundbot` comments, end to end and pure."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from gidgethub import sansio

from fundbot.config import default_config
from fundbot.events import decide
from fundbot.jobs.commands import apply, box_commands
from fundbot.jobs.planning import Planner
from fundbot.render.commands import (
    HELP,
    CommentCommand,
    changed_boxes,
    clean_state,
    parse_comment,
    set_by_commands,
)
from fundbot.render.data_block import parse_data_block
from fundbot.render.exports import pledge_report, sponsors_csv
from tests.app.harness import AppUnderTest, acme, app_under_test, serve_acme_registries
from tests.app.webhooks import example
from tests.fakes.github import FakeGitHub, Issue
from tests.fakes.server import FakeServer

PLAN_REPO, SHOP = "acme/.github", "acme/shop"
CHALK = "url:https://github.com/chalk/chalk?sponsor=1"
FLASK = "url:https://palletsprojects.com/donate"
CHALK_TAG = "url:https://github.com/chalk/chalk%3Fsponsor%3D1"
WRITERS = {"alice": "admin", "maia": "maintain", "wes": "write"}
READERS = {"tom": "triage", "rita": "read"}
DENIED_TEXT = "Only people with write, maintain or admin permission"
_deliveries = itertools.count(1)


# -- arranging -------------------------------------------------------------------------------
def organisation() -> FakeGitHub:
    """acme, with people of every role on the plan repository and the shop."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    for name in (PLAN_REPO, SHOP):
        github.repo(name).permissions.update(WRITERS | READERS)
    return github


def bot_issue(github: FakeGitHub, repository: str) -> Issue:
    (issue,) = github.bot_issues(repository)
    return issue


def data(github: FakeGitHub, repository: str = PLAN_REPO) -> dict[str, Any]:
    found = parse_data_block(bot_issue(github, repository).body)
    assert found is not None
    return found


def lines(github: FakeGitHub) -> dict[str, dict[str, Any]]:
    return {line["recipient"]: line for line in data(github)["lines"]}


def replies(github: FakeGitHub, repository: str, number: int) -> list[str]:
    return [c["body"] for c in github.bot_comments(repository, number)]


def tick(body: str, tag: str, ticked: bool = True) -> str:
    """The body with the box carrying `<!-- fundbot:command:TAG -->` (un)ticked."""
    old, new = ("[ ]", "[x]") if ticked else ("[x]", "[ ]")
    out = []
    for line in body.splitlines(keepends=True):
        if f"<!-- fundbot:command:{tag} -->" in line:
            line = line.replace(f"- {old} ", f"- {new} ", 1)
        out.append(line)
    return "".join(out)


def box(github: FakeGitHub, repository: str, tag: str) -> str:
    """`[x]` or `[ ]`: the box carrying `tag` in fundbot's issue."""
    line = next(
        line
        for line in bot_issue(github, repository).body.splitlines()
        if f"<!-- fundbot:command:{tag} -->" in line
    )
    return line.strip()[2:5]


def user(login: str) -> dict[str, Any]:
    return {"login": login, "type": "Bot" if login.endswith("[bot]") else "User", "id": 1}


def edit_payload(
    github: FakeGitHub, repository: str, login: str, tag: str, ticked: bool = True
) -> dict[str, Any]:
    """A person's box edit as GitHub stores and announces it (`issues` edited)."""
    issue = bot_issue(github, repository)
    old = issue.body
    issue.body = tick(old, tag, ticked)
    payload = example("issues", "edited")
    payload["installation"] = {"id": 7}
    payload["repository"]["full_name"] = repository
    payload["issue"].update(number=issue.number, body=issue.body, updated_at=_stamp())
    payload["changes"] = {"body": {"from": old}}
    payload["sender"] = user(login)
    return payload


def comment_payload(
    github: FakeGitHub, repository: str, number: int, login: str, text: str
) -> dict[str, Any]:
    """A person's comment, added to the fake and announced (`issue_comment` created)."""
    issue = github.repo(repository).issues[number]
    comment = github.add_comment(repository, number, text, login)
    payload = example("issue_comment", "created")
    payload["installation"] = {"id": 7}
    payload["repository"]["full_name"] = repository
    payload["issue"].update(number=number, body=issue.body)
    payload["issue"].pop("pull_request", None)
    if issue.pull_request:
        payload["issue"]["pull_request"] = {"url": "https://example.invalid"}
    payload["comment"].update(
        id=comment["id"], body=text, user=user(login), created_at=comment["created_at"]
    )
    payload["sender"] = user(login)
    return payload


def _stamp() -> str:
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


async def deliver(app: AppUnderTest, event: str, payload: dict[str, Any]) -> None:
    """Deliver (a fresh delivery id each time, as a redelivery would be) and settle."""
    assert await app.deliver(event, payload, f"cmd-{next(_deliveries)}") in (200, 202)
    await app.settle()


async def installed(app: AppUnderTest) -> None:
    await deliver(app, "installation", app.installation_payload())


# -- the end-to-end scenarios ----------------------------------------------------------------
Check = Callable[[FakeGitHub], None]
Send = Callable[[FakeGitHub, str], tuple[str, dict[str, Any]]]  # (github, login) -> event


@dataclass(frozen=True)
class Scenario:
    """A command, what must hold after it, and what must hold when it was refused."""

    send: Send
    effect: Check
    untouched: Check
    before: tuple[Send, ...] = ()  # commands by an admin that set the stage
    needs_permission: bool = True


def checkbox(repository: str, tag: str, ticked: bool = True) -> Send:
    def send(github: FakeGitHub, login: str) -> tuple[str, dict[str, Any]]:
        return "issues", edit_payload(github, repository, login, tag, ticked)

    return send


def comment(repository: str, text: str, *, pull: bool = False) -> Send:
    def send(github: FakeGitHub, login: str) -> tuple[str, dict[str, Any]]:
        issues = github.repo(repository).issues
        if pull:
            number = next(n for n, i in issues.items() if i.pull_request)
        else:
            number = bot_issue(github, repository).number
        return "issue_comment", comment_payload(github, repository, number, login, text)

    return send


def included(github: FakeGitHub) -> None:
    assert set(lines(github)) == {CHALK, FLASK}
    state = data(github)["state"]
    assert state["exclude"] == [] == state["excluded"]


def marked(github: FakeGitHub) -> None:
    assert lines(github)[FLASK].get("funded_elsewhere") is True
    assert "*(funded elsewhere)*" in bot_issue(github, PLAN_REPO).body
    # Kept as typed (`URL:…` too); recipients match in any case.
    assert [r.casefold() for r in data(github)["state"]["funded_elsewhere"]] == [FLASK]
    assert box(github, PLAN_REPO, f"funded-elsewhere:{FLASK}") == "[x]"


def unmarked(github: FakeGitHub) -> None:
    assert "funded_elsewhere" not in lines(github)[FLASK]
    assert data(github)["state"]["funded_elsewhere"] == []


def nothing(github: FakeGitHub) -> None:
    """Neither the plan nor its state moved, and every box is as fundbot drew it."""
    included(github)
    unmarked(github)
    assert "[x]" not in bot_issue(github, PLAN_REPO).body


def box_excluded(github: FakeGitHub) -> None:
    assert set(lines(github)) == {FLASK}
    assert data(github)["state"]["excluded"] == [CHALK]
    # No longer in the plan, still offered with its box ticked: unticking brings it back.
    assert box(github, PLAN_REPO, f"exclude:{CHALK_TAG}") == "[x]"


def pattern_excluded(github: FakeGitHub) -> None:
    assert set(lines(github)) == {FLASK}
    assert data(github)["state"]["exclude"] == ["npm:chalk"]
    assert "Excluded by `/fundbot exclude`: `npm:chalk`" in bot_issue(github, PLAN_REPO).body
    assert "`npm:chalk`" in bot_issue(github, SHOP).body  # the shop's issue shows it too
    assert data(github, SHOP)["state"]["exclude"] == ["npm:chalk"]


def boxes_clear(repository: str) -> Check:
    def check(github: FakeGitHub) -> None:
        assert "[x]" not in bot_issue(github, repository).body
        nothing(github)

    return check


def full_rescans(at_least: int) -> Check:
    def check(github: FakeGitHub) -> None:
        assert github.count("GET", "/installation/repositories") >= at_least
        boxes_clear(PLAN_REPO)(github)

    return check


def shop_rescans(at_least: int) -> Check:
    def check(github: FakeGitHub) -> None:
        assert github.count("GET", f"/repos/{SHOP}/git/trees/") >= at_least
        nothing(github)

    return check


TICK_CHALK = checkbox(PLAN_REPO, f"exclude:{CHALK_TAG}")
MARK_FLASK = checkbox(PLAN_REPO, f"funded-elsewhere:{FLASK}")
SCENARIOS = {
    "box-exclude": Scenario(TICK_CHALK, box_excluded, nothing),
    "box-untick-exclude": Scenario(
        checkbox(PLAN_REPO, f"exclude:{CHALK_TAG}", ticked=False),
        included,
        box_excluded,
        before=(TICK_CHALK,),
    ),
    "box-funded-elsewhere": Scenario(MARK_FLASK, marked, nothing),
    "box-untick-funded-elsewhere": Scenario(
        checkbox(PLAN_REPO, f"funded-elsewhere:{FLASK}", ticked=False),
        unmarked,
        marked,
        before=(MARK_FLASK,),
    ),
    "box-rescan-plan": Scenario(checkbox(PLAN_REPO, "rescan"), full_rescans(2), full_rescans(1)),
    "box-rescan-repository": Scenario(
        checkbox(SHOP, "rescan"), boxes_clear(SHOP), boxes_clear(SHOP)
    ),
    "comment-exclude": Scenario(
        comment(PLAN_REPO, "/fundbot exclude npm:chalk"), pattern_excluded, nothing
    ),
    "comment-include": Scenario(
        comment(SHOP, "/fundbot include npm:*"),
        included,
        pattern_excluded,
        before=(comment(PLAN_REPO, "/fundbot exclude npm:chalk"),),
    ),
    "comment-funded-elsewhere-on-a-pull-request": Scenario(
        comment(SHOP, f"/fundbot funded-elsewhere {FLASK.upper()[:4]}{FLASK[4:]}", pull=True),
        marked,
        nothing,
    ),
    "comment-not-funded-elsewhere": Scenario(
        comment(PLAN_REPO, f"/fundbot not-funded-elsewhere {FLASK}"),
        unmarked,
        marked,
        before=(MARK_FLASK,),
    ),
    "comment-rescan": Scenario(comment(SHOP, "/fundbot rescan"), shop_rescans(2), shop_rescans(1)),
    "comment-help": Scenario(
        comment(PLAN_REPO, "/fundbot help"), nothing, nothing, needs_permission=False
    ),
    "comment-unknown": Scenario(
        comment(SHOP, "/fundbot frobnicate everything"), nothing, nothing, needs_permission=False
    ),
}


def target(event: str, payload: dict[str, Any]) -> tuple[str, str, int]:
    """Where the acknowledgement goes: (repository, "comment" | "issue", id or number)."""
    repository = payload["repository"]["full_name"]
    if event == "issue_comment":
        return repository, "comment", payload["comment"]["id"]
    return repository, "issue", payload["issue"]["number"]


def answers(github: FakeGitHub, event: str, payload: dict[str, Any]) -> list[str]:
    """fundbot's replies to this command."""
    repository, number = payload["repository"]["full_name"], payload["issue"]["number"]
    return replies(github, repository, number)


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_command_refused_then_done_replayed_and_kept_across_a_lost_store(
    fake: FakeServer, tmp_path: Path, name: str
) -> None:
    """A reader's command is refused with one reply (twice delivered); a writer's is done and
    acknowledged (twice delivered, same result); with a new, empty store the state is read
    back from the issue and a third delivery changes nothing."""
    scenario = SCENARIOS[name]
    github = organisation()
    serve_acme_registries(fake)
    async with app_under_test(fake, tmp_path / "first", github) as app:
        await installed(app)
        github.open_pull(SHOP, dict(github.repo(SHOP).files))
        for setup in scenario.before:
            await deliver(app, *setup(github, "alice"))
        refused_event, refused = scenario.send(github, "rita")
        reacted = github.reactions_on(*target(refused_event, refused))
        for _ in range(2):
            await deliver(app, refused_event, refused)
        scenario.untouched(github)
        said = answers(github, refused_event, refused)
        expected = HELP if not scenario.needs_permission else DENIED_TEXT
        assert len(said) == 1
        assert expected.splitlines()[0] in said[0]
        assert github.reactions_on(*target(refused_event, refused)) == reacted
        event, payload = scenario.send(github, "maia")  # maintain counts as write
        for _ in range(2):
            await deliver(app, event, payload)
        scenario.effect(github)
        if scenario.needs_permission:
            assert github.reactions_on(*target(event, payload)) == {("fundbot[bot]", "+1")}
        answered = answers(github, event, payload)
    async with app_under_test(fake, tmp_path / "restarted", github) as app:
        await installed(app)  # a full rescan with nothing in the store
        scenario.effect(github)
        await deliver(app, event, payload)
        scenario.effect(github)
    assert answers(github, event, payload) == answered
    if not scenario.needs_permission:
        assert github.count(contains="/permission") == 0


# -- webhooks decide, jobs do ---------------------------------------------------------------
PLAN_BODY = (
    "<!-- fundbot:plan:acme -->\n\n- [ ] Rescan now <!-- fundbot:command:rescan -->\n"
    f"  - [ ] exclude from the plan <!-- fundbot:command:exclude:{CHALK_TAG} -->\n"
    '<!-- fundbot:data {"state":{"excluded":["github:old"]}} -->'
)


def _edit(body: str = PLAN_BODY, old: Any = PLAN_BODY, sender: str = "alice") -> sansio.Event:
    payload = example("issues", "edited")
    payload["installation"] = {"id": 7}
    payload["repository"]["full_name"] = PLAN_REPO
    payload["issue"].update(number=3, body=body, updated_at="2026-01-02T03:04:05Z")
    payload["changes"] = {} if old is None else {"body": {"from": old}}
    payload["sender"] = user(sender)
    return sansio.Event(payload, event="issues", delivery_id="d-1")


def _comment(
    text: str = "/fundbot rescan",
    issue_body: str = PLAN_BODY,
    login: str = "alice",
    pr: bool = False,
) -> sansio.Event:
    payload = example("issue_comment", "created")
    payload["installation"] = {"id": 7}
    payload["repository"]["full_name"] = PLAN_REPO
    payload["issue"].update(number=3, body=issue_body)
    payload["issue"].pop("pull_request", None)
    if pr:
        payload["issue"]["pull_request"] = {"url": "https://example.invalid"}
    payload["comment"].update(id=99, body=text, user=user(login), created_at="2026-01-02T03:04:05Z")
    payload["sender"] = user(login)
    return sansio.Event(payload, event="issue_comment", delivery_id="d-1")


async def test_a_ticked_box_becomes_one_job_of_plain_values() -> None:
    """An edit ticking a box queues one job with the change and the previous state."""
    (job,) = await decide(_edit(tick(PLAN_BODY, "rescan")))
    assert (job.kind, job.installation_id, job.repository) == ("issue_command", 7, PLAN_REPO)
    assert dict(job.payload) == {
        "source": "checkbox",
        "number": 3,
        "sender": "alice",
        "kind": "plan",
        "scope": "acme",
        "boxes": [["rescan", "", True]],
        "state": {"exclude": [], "excluded": ["github:old"], "funded_elsewhere": []},
        "since": "2026-01-02T03:04:05Z",
    }
    assert json.loads(job.to_json())["payload"] == dict(job.payload)


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(_edit(tick(PLAN_BODY, "rescan"), sender="fundbot[bot]"), id="our-own-edit"),
        pytest.param(_edit(tick(PLAN_BODY, "rescan"), sender="renovate[bot]"), id="a-bot"),
        pytest.param(_edit(old=None), id="title-only"),
        pytest.param(_edit(PLAN_BODY + "\nthanks!"), id="no-box-changed"),
        pytest.param(
            _edit(
                "a person's issue\n- [x] Rescan now <!-- fundbot:command:rescan -->",
                old="a person's issue\n- [ ] Rescan now <!-- fundbot:command:rescan -->",
            ),
            id="not-our-issue",
        ),
        pytest.param(
            _edit(
                "quoting <!-- fundbot:plan:acme --> here\n" + tick(PLAN_BODY, "rescan"),
                old="quoting <!-- fundbot:plan:acme --> here\n" + PLAN_BODY,
            ),
            id="marker-not-first-line",
        ),
        pytest.param(_comment(login="fundbot[bot]"), id="comment-by-us"),
        pytest.param(_comment("thanks, /fundbot rescan"), id="comment-not-a-command"),
        pytest.param(_comment("/fundbotrescan"), id="comment-no-command-word"),
        pytest.param(_comment(issue_body="a person's issue"), id="comment-on-a-person's-issue"),
    ],
)
async def test_what_is_not_a_command_queues_nothing(event: sansio.Event) -> None:
    """Bots (fundbot above all), title edits, untouched boxes, other issues: no job."""
    assert await decide(event) == []


@pytest.mark.parametrize(
    ("event", "kind", "state"),
    [
        (_comment(), "plan", {"exclude": [], "excluded": ["github:old"], "funded_elsewhere": []}),
        (_comment(issue_body="", pr=True), "pull-request", None),
    ],
)
async def test_a_comment_command_becomes_one_job(
    event: sansio.Event, kind: str, state: dict[str, Any] | None
) -> None:
    """A `/fundbot` comment on our issue or a pull request queues a job with its text."""
    (job,) = await decide(event)
    assert job.payload["kind"] == kind
    assert job.payload["state"] == state
    assert (job.payload["text"], job.payload["comment_id"]) == ("/fundbot rescan", 99)


async def test_our_own_edit_costs_no_request(fake: FakeServer, tmp_path: Path) -> None:
    """fundbot editing its issue (the webhook comes back to it) is answered and ignored."""
    github = organisation()
    serve_acme_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        before = github.count()
        await deliver(app, *checkbox(PLAN_REPO, "rescan")(github, "fundbot[bot]"))
        assert github.count() == before
        assert box(github, PLAN_REPO, "rescan") == "[x]"  # nothing rewrote it
        # A person unticking "Rescan now" asks for nothing: no request, no reply.
        await deliver(app, *checkbox(PLAN_REPO, "rescan", ticked=False)(github, "alice"))
        assert github.count() == before


async def test_only_write_maintain_and_admin_may_change_the_plan(
    fake: FakeServer, tmp_path: Path
) -> None:
    """Each role comments `/fundbot rescan`: writers get +1, the others one reply saying who
    may; someone GitHub does not know as a collaborator is refused too."""
    github = organisation()
    serve_acme_registries(fake)
    people = [*WRITERS, *READERS, "stranger"]
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        sent = {login: comment(SHOP, "/fundbot rescan")(github, login) for login in people}
        for event, payload in sent.values():
            await deliver(app, event, payload)
    for login, (event, payload) in sent.items():
        reacted = github.reactions_on(*target(event, payload)) == {("fundbot[bot]", "+1")}
        assert reacted == (login in WRITERS), login
    denials = [r for r in answers(github, *sent["tom"]) if DENIED_TEXT in r]
    assert len(denials) == len(READERS) + 1
    assert all("`acme/shop`" in r and "@" not in r for r in denials)


async def test_plan_changes_need_write_on_the_plan_repository(
    fake: FakeServer, tmp_path: Path
) -> None:
    """Issue 13, item 7: `sam` may write to the shop but not to the plan repository; his
    `/fundbot exclude` typed in the shop's issue is refused, naming the plan repository, and
    the plan stays as it was. His rescan of the shop is still his to ask for."""
    github = organisation()
    github.repo(SHOP).permissions["sam"] = "write"
    github.repo(PLAN_REPO).permissions["sam"] = "read"
    serve_acme_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        plan_before = bot_issue(github, PLAN_REPO).body
        assert CHALK in lines(github)
        event, payload = comment(SHOP, "/fundbot exclude npm:chalk")(github, "sam")
        await deliver(app, event, payload)
        assert bot_issue(github, PLAN_REPO).body == plan_before
        assert CHALK in lines(github)
        denials = [r for r in answers(github, event, payload) if DENIED_TEXT in r]
        assert len(denials) == 1
        assert f"`{PLAN_REPO}`" in denials[0]
        rescan = comment(SHOP, "/fundbot rescan")(github, "sam")
        await deliver(app, *rescan)
        assert github.reactions_on(*target(*rescan)) == {("fundbot[bot]", "+1")}
        # Someone with write on the plan repository, typing in the same issue, may.
        await deliver(app, *comment(SHOP, "/fundbot exclude npm:chalk")(github, "wes"))
    assert CHALK not in lines(github)


async def test_exclusion_on_a_pull_request_updates_its_comment(
    fake: FakeServer, tmp_path: Path
) -> None:
    """`/fundbot exclude` on a pull request whose comment lists the package: the comment
    follows the new plan in the same settle."""
    github = organisation()
    serve_acme_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        files = github.repo(PLAN_REPO).files | {"package.json": '{"dependencies": {"chalk": "5"}}'}
        pull = github.open_pull(PLAN_REPO, files)
        opened = example("pull_request", "opened")
        opened.update(installation={"id": 7}, number=pull.number)
        opened["repository"].update(full_name=PLAN_REPO, name=".github")
        opened["pull_request"].update(number=pull.number)
        opened["pull_request"]["head"].update(sha=pull.head_sha)
        opened["pull_request"]["head"]["repo"].update(full_name=PLAN_REPO, fork=False)
        opened["pull_request"]["base"].update(sha=pull.base_sha)
        await deliver(app, "pull_request", opened)
        (before,) = github.bot_comments(PLAN_REPO, pull.number)
        assert "npm:chalk" in before["body"]
        await deliver(
            app, *comment(PLAN_REPO, "/fundbot exclude npm:chalk", pull=True)(github, "wes")
        )
    (after,) = github.bot_comments(PLAN_REPO, pull.number)
    assert "npm:chalk" not in after["body"]
    assert set(lines(github)) == {FLASK}


# -- the state in plans, issues and the Pledge report ----------------------------------------
async def test_state_survives_plain_rescans_and_reaches_the_pledge_report(
    fake: FakeServer, tmp_path: Path
) -> None:
    """After a push rescans and re-renders, the state holds; the App's plan marks the line,
    the Pledge report counts nothing as paid (no payment is recorded: a plan is not money)
    and the Sponsors file leaves it out."""
    github = organisation()
    serve_acme_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        await deliver(app, *MARK_FLASK(github, "alice"))
        push = example("push")
        push["installation"] = {"id": 7}
        push["repository"].update(full_name=SHOP, default_branch="main")
        push.update(ref="refs/heads/main", deleted=False, commits=[{"modified": ["package.json"]}])
        github.repo(SHOP).files["api/requirements.txt"] = "flask==3.0.0\nrequests\n"
        await deliver(app, "push", push)
        marked(github)
        ctx = app.started.context
        gh = await ctx.github.for_installation(7)
        plan = await Planner(ctx).plan(gh, 7, "acme", default_config(), recount=False)
    (line,) = [line for line in plan.lines if line.recipient == FLASK]
    assert line.funded_elsewhere
    report = pledge_report(plan, year=2026, url="https://acme.example", report_date="2026-11-28")
    assert report["usdAmountPaid"] == 0
    assert "palletsprojects" not in sponsors_csv(plan, "monthly")


async def test_mixed_comment_is_done_acknowledged_and_explained(
    fake: FakeServer, tmp_path: Path
) -> None:
    """Known commands in a comment are done (+1) and an unknown one gets the help, once."""
    github = organisation()
    serve_acme_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        text = f"/fundbot exclude npm:chalk\n/fundbot funded-elsewhere {FLASK}\n/fundbot exclude"
        event, payload = comment(PLAN_REPO, text)(github, "wes")
        await deliver(app, event, payload)
        await deliver(app, event, payload)
    assert set(lines(github)) == {FLASK}
    assert lines(github)[FLASK]["funded_elsewhere"] is True
    assert github.reactions_on(*target(event, payload)) == {("fundbot[bot]", "+1")}
    (reply,) = answers(github, event, payload)
    assert HELP in reply


# -- pure parts -------------------------------------------------------------------------------
EMPTY = clean_state(None)


@pytest.mark.parametrize(
    ("command", "state", "expected"),
    [
        (CommentCommand("exclude", "npm:*"), EMPTY, EMPTY | {"exclude": ["npm:*"]}),
        (
            CommentCommand("exclude", "NPM:*"),
            EMPTY | {"exclude": ["npm:*"]},
            EMPTY | {"exclude": ["npm:*"]},
        ),
        (
            CommentCommand("include", "npm:*"),
            EMPTY | {"exclude": ["npm:a", "pypi:b"], "excluded": ["npm:x"]},
            EMPTY | {"exclude": ["pypi:b"]},
        ),
        (
            CommentCommand("include", "GITHUB:Someone"),
            EMPTY | {"excluded": ["github:someone"]},
            EMPTY,
        ),
        (
            CommentCommand("exclude-recipient", "github:a"),
            EMPTY,
            EMPTY | {"excluded": ["github:a"]},
        ),
        (
            CommentCommand("include-recipient", "github:a"),
            EMPTY | {"excluded": ["github:a"]},
            EMPTY,
        ),
        (
            CommentCommand("funded-elsewhere", "github:a"),
            EMPTY,
            EMPTY | {"funded_elsewhere": ["github:a"]},
        ),
        (
            CommentCommand("not-funded-elsewhere", "github:*"),
            EMPTY | {"funded_elsewhere": ["github:a"]},
            EMPTY,
        ),
        (CommentCommand("rescan"), EMPTY | {"exclude": ["x"]}, EMPTY | {"exclude": ["x"]}),
    ],
)
def test_each_command_changes_the_state_once(
    command: CommentCommand, state: dict[str, list[str]], expected: dict[str, list[str]]
) -> None:
    """Every command gives the expected state, and applying it again changes nothing."""
    assert apply(state, command) == expected
    assert apply(apply(state, command), command) == expected


def test_comment_lines_parse_to_commands() -> None:
    """`/fundbot` lines (any case, any order) become commands; other lines are ignored."""
    text = "Hi!\n/fundbot EXCLUDE npm:left-pad trailing words\n  /fundbot\n/fundbot include\nbye"
    assert parse_comment(text) == [
        CommentCommand("exclude", "npm:left-pad"),
        CommentCommand("help"),
        CommentCommand("include"),
    ]
    assert len(parse_comment("/fundbot rescan\n" * 50)) == 10


def test_box_changes_are_read_from_both_bodies() -> None:
    """Only boxes whose tick changed count; a hostile box list is dropped, not trusted."""
    after = tick(tick(PLAN_BODY, "rescan"), f"exclude:{CHALK_TAG}")
    changes = changed_boxes(PLAN_BODY, after)
    assert changes == [("exclude", CHALK, True), ("rescan", "", True)]
    assert box_commands([list(c) for c in changes]) == [
        CommentCommand("exclude-recipient", CHALK),
        CommentCommand("rescan", ""),
    ]
    junk = [["exclude", "", True], "junk", ["rescan", "", False], None, [["x"], "a", True]]
    assert box_commands(junk) == []
    assert box_commands({"not": "a list"}) == []


def test_state_is_cleaned_and_shown() -> None:
    """Junk in a data block is dropped; what commands set is listed in the issue."""
    raw = {"exclude": ["b", "B", 3, "a"], "excluded": "github:x", "funded_elsewhere": [None]}
    state = clean_state(raw)
    assert state == {"exclude": ["a", "b"], "excluded": [], "funded_elsewhere": []}
    shown = set_by_commands(state | {"funded_elsewhere": ["github:y"]}, boxed={"GITHUB:Y"})
    assert "Excluded by `/fundbot exclude`: `a`, `b`" in shown
    assert "github:y" not in shown  # its box shows it already
    assert set_by_commands(EMPTY) == ""
