"""Jobs across worker processes: the 50-repository first scan with 1, 2 and 4 workers.

Each run: a fresh PostgreSQL schema, a fake GitHub answering after 50 ms, one
`fundbot serve --role web` and N `fundbot worker` processes; one `installation created`
delivery (or one per organisation with --orgs), timed until the queue is empty. Reports the
wall time and the GitHub requests, which must not grow with the number of workers.

    .venv/bin/python benchmarks/bench_workers.py [--workers 1 2 4] [--orgs 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import psycopg
from tests.app.harness import NPM_FIXTURES, serve_registry_fixtures
from tests.app.processes import app_env, processes, start_web, start_worker
from tests.app.webhooks import delivery_headers, example
from tests.fakes.github import FakeGitHub, Repo
from tests.fakes.server import FakeServer

from fundbot.storage.pg_schema import migrate


def organisation(owner: str) -> list[Repo]:
    repos = [Repo(f"{owner}/.github", files={".github/fundbot.yml": "developers: 5\n"})]
    for n in range(49):
        deps = {NPM_FIXTURES[n % 6]: "1", NPM_FIXTURES[(n + 2) % 6]: "1"}
        files = {"package.json": json.dumps({"dependencies": deps}), "README.md": "# r\n"}
        repos.append(Repo(f"{owner}/r{n:02}", files=files, authors=[("alice", "User")]))
    return repos


def busy(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
        ).fetchone()
    return int(row[0]) if row else 0


async def drained(url: str) -> None:
    """Until no job waits or runs (after the first ones had time to be queued); 10 min cap."""
    await asyncio.sleep(0.5)
    for _ in range(6000):
        if not busy(url):
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("jobs still queued after 10 minutes")


async def one_run(server_url: str, workers: int, orgs: int) -> tuple[float, int]:
    schema = f"fundbot_bench_w{os.getpid()}_{workers}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
    joiner = "&" if "?" in server_url else "?"
    url = f"{server_url}{joiner}options={quote(f'-csearch_path={schema}')}"
    await migrate(url)
    fake = FakeServer(latency=0.05).start()
    try:
        github = FakeGitHub()
        for n in range(orgs):
            github.add_installation(n + 1, f"org{n}", organisation(f"org{n}"))
        github.install(fake)
        serve_registry_fixtures(fake)
        with tempfile.TemporaryDirectory() as tmp, processes() as started:
            env = app_env(fake, github, url, Path(tmp))
            web = start_web(env, Path(tmp), "web")
            started.append(web)
            started += [start_worker(env, Path(tmp), f"w{n}") for n in range(workers)]
            for process in started:
                process.wait_healthy(60)
            before = github.count()
            begin = time.perf_counter()
            async with aiohttp.ClientSession() as session:
                for n in range(orgs):
                    payload = example("installation", "created")
                    payload["installation"]["id"] = n + 1
                    payload["installation"]["account"]["login"] = f"org{n}"
                    body = json.dumps(payload).encode()
                    headers = delivery_headers("installation", body)
                    async with session.post(
                        f"{web.url}/api/github/webhooks", data=body, headers=headers
                    ) as resp:
                        assert resp.status == 202, resp.status
            await drained(url)
            elapsed = time.perf_counter() - begin
            requests = github.count() - before
    finally:
        fake.stop()
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return elapsed, requests


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--orgs", type=int, default=1)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("FUNDBOT_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1/test"),
    )
    args = parser.parse_args()
    base: float | None = None
    for workers in args.workers:
        elapsed, requests = asyncio.run(one_run(args.database_url, workers, args.orgs))
        base = base or elapsed
        print(
            f"{args.orgs} x 50 repositories, {workers} worker(s): {elapsed:.1f} s"
            f" (x{base / elapsed:.2f}), {requests} GitHub requests"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
