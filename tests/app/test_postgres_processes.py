"""Many processes on one PostgreSQL: two web fronts, three workers, one of them killed.

An organisation of 50 repositories is installed; while its first scan runs, the worker
running it is SIGKILLed, two more workers take over, and 200 pushes over 20 repositories
arrive, alternately at each web front. The issues left behind must be those a single
SQLite process leaves for the same final files: one per scope, every push reflected.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from pathlib import Path

import aiohttp
import psycopg

from tests.app.harness import NPM_FIXTURES, app_under_test, push_payload, serve_registry_fixtures
from tests.app.processes import app_env, processes, start_web, start_worker
from tests.app.webhooks import delivery_headers, example
from tests.fakes.github import FakeGitHub, Repo
from tests.fakes.server import FakeServer

ORG = "big"
INSTALLATION = 7
PUSHED = 20
PUSHES = 200


def package_json(*names: str) -> str:
    return json.dumps({"name": "x", "dependencies": dict.fromkeys(names, "1")}, indent=2)


def organisation() -> list[Repo]:
    repos = [Repo(f"{ORG}/.github", files={".github/fundbot.yml": "developers: 5\n"})]
    for n in range(49):
        files = {"package.json": package_json(NPM_FIXTURES[n % 6]), "README.md": "# r\n"}
        repos.append(Repo(f"{ORG}/r{n:02}", files=files, authors=[("alice", "User")]))
    return repos


FUNDABLE = ("@babel/core", "chalk", "follow-redirects")  # their fixtures name funding


def pushed_dependency(repo: int, push: int) -> str:
    return FUNDABLE[(repo + 1 + push) % 3]


def pushed_files(repo: int, push: int) -> str:
    """The package.json of a repository's `push`th push (the issue names what it funds)."""
    return package_json(pushed_dependency(repo, push), "mocha")


def bodies(github: FakeGitHub) -> dict[str, list[str]]:
    return {name: [i.body for i in github.bot_issues(name)] for name in sorted(github.repos)}


_NUMBERS = itertools.count(1)


async def deliver(
    session: aiohttp.ClientSession, url: str, event: str, payload: dict[str, object]
) -> int:
    """Deliver a signed event. Each body is one of its own, as GitHub's are (shas, times): a
    byte-identical body is a replay, answered 200 and dropped."""
    body = json.dumps({**payload, "test_delivery": next(_NUMBERS)}).encode()
    async with session.post(
        f"{url}/api/github/webhooks", data=body, headers=delivery_headers(event, body)
    ) as resp:
        return resp.status


def stored_dependencies(url: str) -> dict[str, set[str]]:
    """What the store holds of each repository's last scan: its dependencies' names."""
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT full_name, scan FROM repositories").fetchall()
    return {str(name): {dep[1] for dep in json.loads(scan)["dependencies"]} for name, scan in rows}


def queue_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY status"
        ).fetchall()
    return {str(status): int(count) for status, count in rows}


def running_kinds(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT args->'job'->>'kind' FROM procrastinate_jobs WHERE status='doing'"
        ).fetchall()
    return [str(r[0]) for r in rows]


async def settle(url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    quiet_since: float | None = None
    while time.monotonic() < deadline:
        counts = queue_counts(url)
        busy = counts.get("todo", 0) + counts.get("doing", 0)
        if busy == 0:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since > 1.5:
                return
        else:
            quiet_since = None
        await asyncio.sleep(0.1)
    raise AssertionError(f"jobs did not settle: {queue_counts(url)}")


def finished(metrics: str, kind: str) -> float:
    found = re.search(
        rf'fundbot_jobs_finished_total{{kind="{kind}",outcome="done"}} ([0-9.]+)', metrics
    )
    return float(found.group(1)) if found else 0.0


async def test_two_webs_three_workers_one_killed_mid_scan(
    fake: FakeServer, tmp_path: Path, migrated_pg_url: str
) -> None:
    fake.latency = 0.01  # a scan long enough to be caught in the middle
    github = FakeGitHub()
    github.add_installation(INSTALLATION, ORG, organisation())
    github.install(fake)
    serve_registry_fixtures(fake)
    env = app_env(
        fake,
        github,
        migrated_pg_url,
        tmp_path,
        FUNDBOT_WORKER_HEARTBEAT="0.5",
        FUNDBOT_STALLED_AFTER="3",
    )
    with processes() as started:
        webs = [start_web(env, tmp_path, "web-a"), start_web(env, tmp_path, "web-b")]
        doomed = start_worker(env, tmp_path, "worker-1")
        started += [*webs, doomed]
        for process in started:
            process.wait_healthy()
        async with aiohttp.ClientSession() as session:
            install = example("installation", "created")
            install["installation"]["id"] = INSTALLATION
            install["installation"]["account"]["login"] = ORG
            assert await deliver(session, webs[0].url, "installation", install) == 202
            # Mid-scan: repository issues being written, the plan issue not yet.
            deadline = time.monotonic() + 60
            while sum(len(github.bot_issues(f"{ORG}/r{n:02}")) for n in range(49)) < 10:
                assert time.monotonic() < deadline, "the first scan never got going"
                await asyncio.sleep(0.02)
            assert running_kinds(migrated_pg_url) == ["scan_installation"]
            doomed.kill()
            assert github.bot_issues(f"{ORG}/.github") == []
            survivors = [
                start_worker(env, tmp_path, "worker-2"),
                start_worker(env, tmp_path, "worker-3"),
            ]
            started += survivors
            for process in survivors:
                process.wait_healthy()
            statuses = []
            for k in range(PUSHES):
                repo = k % PUSHED
                name = f"{ORG}/r{repo:02}"
                github.repo(name).files["package.json"] = pushed_files(repo, k // PUSHED)
                payload = push_payload(
                    name, installation_id=INSTALLATION, modified=("package.json",)
                )
                statuses.append(await deliver(session, webs[k % 2].url, "push", payload))
            assert set(statuses) <= {202, 200}
            assert statuses.count(202) >= PUSHED
            await settle(migrated_pg_url)
            pushed = stored_dependencies(migrated_pg_url)
            # A full rescan brings every repository's share up to date (the single run's
            # issues are all written against the final plan).
            assert await deliver(session, webs[1].url, "installation", install) == 202
            await settle(migrated_pg_url)
            done = sum(finished(w.metrics(), "scan_installation") for w in survivors)
        assert queue_counts(migrated_pg_url).get("failed", 0) == 0
    assert done >= 1  # the killed worker's scan, finished by another
    multi = bodies(github)
    for name, found in multi.items():
        assert len(found) <= 1, f"{name}: {len(found)} issues"
    for repo in range(PUSHED):  # every push reflected: in the store, then in the issue
        final = pushed_dependency(repo, PUSHES // PUSHED - 1)
        assert pushed[f"{ORG}/r{repo:02}"] == {final, "mocha"}, f"r{repo:02}"
        assert final.replace("@", "@&#8203;") in multi[f"{ORG}/r{repo:02}"][0]
    # The same organisation, final files, one SQLite process: the same issues.
    single = FakeGitHub()
    final_repos = organisation()
    for repo in final_repos:
        repo.files.update(github.repo(repo.full_name).files)
    single.add_installation(INSTALLATION, ORG, final_repos)
    other = FakeServer().start()
    try:
        serve_registry_fixtures(other)
        async with app_under_test(other, tmp_path / "single", single) as app:
            await app.install(INSTALLATION, ORG)
    finally:
        other.stop()
    assert bodies(single) == multi
