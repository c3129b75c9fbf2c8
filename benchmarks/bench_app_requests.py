"""GitHub requests the App spends on a 50-repository organisation: first scan, rescans.

Runs the real App (server, queue, workers) against the fake GitHub on 127.0.0.1, driven by
signed webhook deliveries, with funding answered from a pre-warmed cache (so every request
counted is a GitHub one). Mixed ecosystems, a few hundred dependencies.

    .venv/bin/python benchmarks/bench_app_requests.py
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.app.harness import (
    AppUnderTest,
    app_settings,
    app_under_test,
    push_payload,
    serve_registry_fixtures,
)
from tests.fakes.github import FakeGitHub, Repo
from tests.fakes.server import FakeServer

from fundbot.model import FundingChannel, PackageFunding
from fundbot.scan import scan_files
from fundbot.storage.funding_cache import FundingCache

REPOSITORIES = 50
OWNER = "bigorg"
INSTALLATION = 1
# Real names from the registry fixtures, then made-up ones to reach a few hundred.
REAL = {
    "npm": ["chalk", "axios", "debug", "mocha", "follow-redirects", "@babel/core"],
    "pypi": ["flask", "django", "requests", "httpx", "pydantic", "pytest"],
    "cargo": ["serde"],
    "rubygems": ["rails", "nokogiri"],
    "packagist": ["monolog/monolog"],
    "go": ["golang.org/x/net", "k8s.io/client-go"],
}
MADE_UP = 60  # per ecosystem


def pool(ecosystem: str) -> list[str]:
    made = {
        "npm": "bench-pkg-{}",
        "pypi": "bench-lib-{}",
        "cargo": "bench_crate_{}",
        "rubygems": "bench-gem-{}",
        "packagist": "bench/lib-{}",
        "go": "github.com/bench{}/mod",
    }[ecosystem]
    return REAL[ecosystem] + [made.format(n) for n in range(MADE_UP)]


def manifest(ecosystem: str, names: list[str]) -> tuple[str, str]:
    if ecosystem == "npm":
        deps = dict.fromkeys(names, "^1.0.0")
        return "package.json", json.dumps({"name": "app", "dependencies": deps}, indent=2)
    if ecosystem == "pypi":
        return "requirements.txt", "".join(f"{n}==1.0\n" for n in names)
    if ecosystem == "cargo":
        lines = "".join(f'{n} = "1"\n' for n in names)
        return (
            "Cargo.toml",
            f'[package]\nname = "app"\nversion = "0.1.0"\n\n[dependencies]\n{lines}',
        )
    if ecosystem == "rubygems":
        return "Gemfile", "source 'https://rubygems.org'\n" + "".join(f"gem '{n}'\n" for n in names)
    if ecosystem == "packagist":
        return "composer.json", json.dumps({"require": dict.fromkeys(names, "^1.0")}, indent=2)
    requires = "".join(f"\t{n} v1.0.0\n" for n in names)
    return "go.mod", f"module example.com/app\n\ngo 1.22\n\nrequire (\n{requires})\n"


def organisation(rng: random.Random) -> list[Repo]:
    """50 repositories: the `.github` one, then services with one or two ecosystems each."""
    ecosystems = sorted(REAL)
    people = [f"dev{n}" for n in range(40)]
    repos = [Repo(f"{OWNER}/.github", files={".github/fundbot.yml": "min_amount: 50\n"})]
    for n in range(REPOSITORIES - 1):
        files = {"README.md": f"# service {n}\n"}
        for ecosystem in rng.sample(ecosystems, rng.choice((1, 1, 2))):
            names = rng.sample(pool(ecosystem), rng.randint(4, 12))
            path, text = manifest(ecosystem, names)
            files[path] = text
        authors = [(p, "User") for p in rng.sample(people, 3)] + [("dependabot[bot]", "Bot")]
        repos.append(Repo(f"{OWNER}/service-{n:02d}", files=files, authors=authors))
    return repos


def prewarm(cache: FundingCache, repos: list[Repo], rng: random.Random) -> tuple[int, int]:
    """Funding for every name in the pools; a third accept money. Returns the organisation's
    distinct dependencies and their uses."""
    everything = dict(manifest(e, pool(e)) for e in REAL)  # later pushes pick from the pools
    keys = {(d.ecosystem, d.name) for d in scan_files(everything).dependencies}
    now = time.time()
    found = []
    for ecosystem, name in sorted(keys):
        channels: tuple[FundingChannel, ...] = ()
        if rng.random() < 0.35:
            handle = f"maintainer{rng.randint(0, 80)}"
            url = f"https://github.com/sponsors/{handle}"
            channels = (FundingChannel("github", url, handle, "bench"),)
        found.append(PackageFunding(ecosystem, name, None, channels, now))
    cache.put_many(found)
    used = [d for r in repos for d in scan_files(r.files).dependencies]
    return len({(d.ecosystem, d.name) for d in used}), len(used)


ENDPOINTS = [
    ("token", re.compile(r"^POST /app/installations/\d+/access_tokens")),
    ("app", re.compile(r"^GET /app$")),
    ("repository list", re.compile(r"^GET /installation/repositories")),
    ("tree", re.compile(r"^GET /repos/[^/]+/[^/]+/git/trees/")),
    ("blob", re.compile(r"^GET /repos/[^/]+/[^/]+/git/blobs/")),
    ("settings file", re.compile(r"^GET /repos/[^/]+/[^/]+/contents/")),
    ("commits", re.compile(r"^GET /repos/[^/]+/[^/]+/commits")),
    ("issue list", re.compile(r"^GET /repos/[^/]+/[^/]+/issues$")),
    ("issue read", re.compile(r"^GET /repos/[^/]+/[^/]+/issues/\d+$")),
    ("issue write", re.compile(r"^(POST|PATCH) /repos/[^/]+/[^/]+/issues")),
    ("label", re.compile(r"^(GET|POST) /repos/[^/]+/[^/]+/labels")),
    ("GraphQL", re.compile(r"^POST /api/graphql")),
]


def endpoint(method: str, path: str) -> str:
    line = f"{method} {path}"
    return next((name for name, pattern in ENDPOINTS if pattern.search(line)), line)


@dataclass
class Phase:
    name: str
    rest: Counter[str]
    graphql: int
    seconds: float
    repositories: int
    endpoints: Counter[str]

    @property
    def total(self) -> int:
        return sum(self.rest.values()) + self.graphql


async def measure(name: str, github: FakeGitHub, run: object) -> Phase:
    start, began = len(github.requests), time.perf_counter()
    await run  # type: ignore[misc]
    seconds = time.perf_counter() - began
    sent = github.requests[start:]
    rest = Counter(m for m, p, _ in sent if not p.startswith("/api/graphql"))
    graphql = sum(1 for _, p, _ in sent if p.startswith("/api/graphql"))
    endpoints = Counter(endpoint(m, p) for m, p, _ in sent)
    return Phase(name, rest, graphql, seconds, REPOSITORIES, endpoints)


async def rescan(app: AppUnderTest) -> None:
    payload = app.installation_payload(INSTALLATION, account=OWNER)
    assert await app.deliver("installation", payload) == 202
    await app.settle(timeout=120)


async def one_push(app: AppUnderTest, github: FakeGitHub) -> None:
    repo = github.repo(f"{OWNER}/service-07")
    path = next(p for p in repo.files if p != "README.md")
    ecosystem = {v: k for k, v in FILE_OF.items()}[path]
    repo.files[path] = manifest(ecosystem, pool(ecosystem)[:6])[1]
    payload = push_payload(repo.full_name, installation_id=INSTALLATION, modified=(path,))
    assert await app.deliver("push", payload) == 202
    await app.settle(timeout=120)


FILE_OF = {e: manifest(e, ["x"])[0] for e in REAL}


async def main() -> None:
    rng = random.Random(2026)
    repos = organisation(rng)
    fake = FakeServer().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            github = FakeGitHub()
            github.add_installation(INSTALLATION, OWNER, repos)
            cache = await FundingCache.own(app_settings(fake, github, data))
            distinct, uses = prewarm(cache, repos, rng)
            await cache.close()
            serve_registry_fixtures(fake)  # should the cache miss a real name, answer it
            async with app_under_test(fake, data, github, workers=4) as app:
                phases = [
                    await measure("first full scan", github, rescan(app)),
                    await measure("no-change rescan", github, rescan(app)),
                    await measure("push to one repository", github, one_push(app, github)),
                    await measure("rescan after that push", github, rescan(app)),
                ]
                issues = sum(len(github.bot_issues(r.full_name)) for r in repos)
        report(phases, distinct, uses, issues, fake)
    finally:
        fake.stop()


def report(phases: list[Phase], distinct: int, uses: int, issues: int, fake: FakeServer) -> None:
    print(
        f"{REPOSITORIES} repositories, {distinct} distinct dependencies ({uses} uses), "
        f"{issues} issues written; funding from a pre-warmed cache"
    )
    methods = sorted({m for p in phases for m in p.rest})
    head = f"{'phase':<26}" + "".join(f"{m:>7}" for m in methods)
    print(head + f"{'GraphQL':>9}{'total':>7}{'per repo':>10}{'seconds':>9}")
    for p in phases:
        row = f"{p.name:<26}" + "".join(f"{p.rest.get(m, 0):>7}" for m in methods)
        per_repo = p.total / p.repositories
        print(row + f"{p.graphql:>9}{p.total:>7}{per_repo:>10.2f}{p.seconds:>9.2f}")
    if fake.unexpected:
        print(f"unexpected requests (not GitHub, not cached): {fake.unexpected}")
    registry = len(fake.requests) - sum(1 for r in fake.requests if r.path.startswith("/api/"))
    print(f"registry requests (outside the cache): {registry}")
    print("\nby endpoint: " + ", ".join(p.name for p in phases))
    for name in [n for n, _ in ENDPOINTS]:
        counts = [p.endpoints.get(name, 0) for p in phases]
        if any(counts):
            print(f"  {name:<18}" + "".join(f"{c:>7}" for c in counts))
    no_change = phases[1].total
    verdict = "ok" if no_change <= REPOSITORIES else "OVER BUDGET"
    print(f"no-change rescan: {no_change} requests for {REPOSITORIES} repositories ({verdict})")


if __name__ == "__main__":
    asyncio.run(main())
