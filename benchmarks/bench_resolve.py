"""Benchmark: resolve 2,000 unique packages across ecosystems against fake registries.

Standalone: `python benchmarks/bench_resolve.py [--packages 2000] [--latency 0.05]
[--github-concurrency 3]`.
Every registry and GitHub's GraphQL endpoint is its own strict FakeServer on 127.0.0.1 (its
own host:port, as the real services are distinct hosts) answering after `latency` seconds,
with documents shaped like the recorded ones in tests/fixtures/registry. Reports wall time,
requests per source, GraphQL requests against ceil(GitHub repositories / 100) (the
repositories behind npm sponsor buttons included: they ride in the same batches), and the warm
rerun, which must make no request at all.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import math
import sys
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.github_graphql import FakeGitHubGraphQL, FakeRepo
from tests.fakes.registries import fixture_json
from tests.fakes.server import FakeServer, Recorded, Reply

from fundbot.resolve.base import PackageQuery
from fundbot.resolve.http import HttpClient
from fundbot.resolve.resolver import Resolver, new_session
from fundbot.resolve.sources import REGISTRY_SOURCES
from fundbot.resolve.sources.github import GitHubSource
from fundbot.resolve.sources.golang import GoSource
from fundbot.settings import Settings
from fundbot.storage.funding_cache import FundingCache

TOKEN = "bench-token"
STAGE_ONE: list[float] = []  # seconds until the registries were done, per run
BUTTONS_LEFT: list[int] = []  # sponsor-button links not replaced by their channels, per run
# Share of each ecosystem in the scan (roughly what a polyglot organisation has).
MIX = {
    "npm": 0.30,
    "pypi": 0.20,
    "cargo": 0.08,
    "rubygems": 0.07,
    "packagist": 0.07,
    "go": 0.07,
    "maven": 0.06,
    "nuget": 0.05,
    "pub": 0.04,
    "hex": 0.03,
    "github-actions": 0.03,
}
NPM_TEMPLATE = fixture_json("npm/follow-redirects.json")
PYPI_TEMPLATE = fixture_json("pypi/pydantic.json")


def packages(total: int) -> list[PackageQuery]:
    """`total` unique packages; the remainder of rounding goes to npm."""
    counts = {eco: int(total * share) for eco, share in MIX.items()}
    counts["npm"] += total - sum(counts.values())
    queries = []
    for eco, count in counts.items():
        for i in range(count):
            queries.append(PackageQuery(eco, _name(eco, i)))
    return queries


def _name(eco: str, i: int) -> str:
    return {
        "npm": f"@scope{i % 9}/pkg-{i}" if i % 4 == 0 else f"pkg-{i}",
        "packagist": f"vendor{i % 40}/lib-{i}",
        "maven": f"org.bench{i % 30}:artifact-{i}",
        "nuget": f"Bench.Package{i}",
        "go": f"github.com/gouser{i % 50}/mod-{i}/v2" if i % 2 else f"go.bench.dev/mod-{i}",
        "github-actions": f"actionsorg{i % 20}/action-{i}",
    }.get(eco, f"{eco}-pkg-{i}")


def repository(eco: str, name: str) -> str:
    """Where the generated package lives: mostly GitHub, every 10th on GitLab."""
    slug = "".join(c if c.isalnum() else "-" for c in name).strip("-").lower()
    owner = f"owner{sum(map(ord, slug)) % 300}"
    host = "gitlab.com" if zlib.crc32(slug.encode()) % 10 == 0 else "github.com"
    return f"https://{host}/{owner}/{eco}-{slug}"


# -- documents ----------------------------------------------------------------------------
def _json(data: Any) -> Reply:
    return Reply.of_json(data)


def _xml(text: str) -> Reply:
    return Reply(200, text.encode(), {"Content-Type": "text/xml"})


def sponsor_button(name: str) -> str | None:
    """Every 10th npm package funds through its org's main repository's sponsor button."""
    if zlib.crc32(name.encode()) % 10:
        return None
    return f"https://github.com/hub{zlib.crc32(name.encode()) % 40}/main"


def npm_doc(name: str) -> Reply:
    doc = {
        **NPM_TEMPLATE,
        "name": name,
        "repository": {"type": "git", "url": "git+" + repository("npm", name) + ".git"},
    }
    button = sponsor_button(name)
    doc["funding"] = (
        button + "?sponsor=1"
        if button
        else {
            "type": "opencollective",
            "url": f"https://opencollective.com/{zlib.crc32(name.encode()) % 500}",
        }
    )
    return _json(doc)


def pypi_doc(name: str) -> Reply:
    info = {**PYPI_TEMPLATE["info"], "name": name}
    info["project_urls"] = {
        "Source": repository("pypi", name),
        "Funding": f"https://ko-fi.com/u{len(name)}",
    }
    return _json({**PYPI_TEMPLATE, "info": info})


def handler(
    prefix: str, suffix: str, build: Callable[[str], Reply]
) -> Callable[[Recorded], Reply | None]:
    def answer(request: Recorded) -> Reply | None:
        if not request.path.endswith(suffix):
            return None
        return build(request.path[len(prefix) : len(request.path) - len(suffix)])

    return answer


def nuget(request: Recorded) -> Reply | None:
    parts = request.path.split("/")  # /v3-flatcontainer/{id}/index.json | {id}/{v}/{id}.nuspec
    package = parts[2]
    if request.path.endswith("/index.json"):
        return _json({"versions": ["0.9.0", "1.0.0"]})
    url = repository("nuget", package)
    return _xml(
        '<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"><metadata>'
        f'<id>{package}</id><version>1.0.0</version><repository type="git" url="{url}"/>'
        "</metadata></package>"
    )


def maven(request: Recorded) -> Reply | None:
    parts = request.path.strip("/").split("/")
    if parts[-1] == "maven-metadata.xml":
        return _xml("<metadata><versioning><release>1.0</release></versioning></metadata>")
    artifact = parts[-3]
    group = ".".join(parts[:-3])
    url = repository("maven", f"{group}:{artifact}")
    return _xml(
        f'<project xmlns="http://maven.apache.org/POM/4.0.0"><scm><url>{url}</url></scm></project>'
    )


def go_get(request: Recorded) -> Reply | None:
    path = request.path.removeprefix("/")
    url = repository("go", path)
    page = f'<html><head><meta name="go-import" content="{path} git {url}.git"></head></html>'
    return Reply(200, page.encode(), {"Content-Type": "text/html"})


REGISTRIES: dict[str, tuple[str, Callable[[Recorded], Reply | None]]] = {
    "npm_registry_url": ("/", handler("/", "/latest", npm_doc)),
    "pypi_url": ("/pypi/", handler("/pypi/", "/json", pypi_doc)),
    "crates_url": (
        "/api/",
        handler(
            "/api/v1/crates/",
            "",
            lambda n: _json({"crate": {"name": n, "repository": repository("cargo", n)}}),
        ),
    ),
    "rubygems_url": (
        "/api/",
        handler(
            "/api/v1/gems/",
            ".json",
            lambda n: _json(
                {
                    "name": n,
                    "source_code_uri": repository("rubygems", n),
                    "funding_uri": f"https://github.com/sponsors/{n}",
                }
            ),
        ),
    ),
    "packagist_url": (
        "/p2/",
        handler(
            "/p2/",
            ".json",
            lambda n: _json(
                {
                    "packages": {
                        n: [
                            {
                                "name": n,
                                "version": "1.0.0",
                                "source": {
                                    "url": repository("packagist", n) + ".git",
                                    "type": "git",
                                },
                                "funding": [
                                    {
                                        "type": "github",
                                        "url": "https://github.com/" + n.split("/")[0],
                                    }
                                ],
                            }
                        ]
                    },
                    "minified": "composer/2.0",
                }
            ),
        ),
    ),
    "pubdev_url": (
        "/api/",
        handler(
            "/api/packages/",
            "",
            lambda n: _json(
                {
                    "name": n,
                    "latest": {
                        "version": "1.0.0",
                        "pubspec": {"name": n, "repository": repository("pub", n)},
                    },
                }
            ),
        ),
    ),
    "hex_url": (
        "/api/",
        handler(
            "/api/packages/",
            "",
            lambda n: _json({"name": n, "meta": {"links": {"GitHub": repository("hex", n)}}}),
        ),
    ),
    "nuget_url": ("/v3-flatcontainer/", nuget),
    "maven_url": ("/", maven),
}


def github_fake(queries: list[PackageQuery]) -> tuple[FakeGitHubGraphQL, set[str]]:
    """Every GitHub repository the packages point at; every third one has funding links."""
    graphql = FakeGitHubGraphQL(TOKEN)
    repos: set[str] = set()
    for query in queries:
        for repo in (_known_repository(query), _button(query)):
            if repo and repo.startswith("https://github.com/"):
                repos.add(repo.removeprefix("https://github.com/"))
    for i, full in enumerate(sorted(repos)):
        owner, name = full.split("/")
        funded = i % 3 == 0 or name == "main"  # sponsor buttons lead somewhere
        links = [("PATREON", f"https://patreon.com/{owner}")] if funded else []
        graphql.add(FakeRepo(owner, name, has_sponsors_listing=i % 5 == 0, funding_links=links))
    return graphql, repos


def _button(query: PackageQuery) -> str | None:
    return sponsor_button(query.name) if query.ecosystem == "npm" else None


def _known_repository(query: PackageQuery) -> str:
    if query.ecosystem == "github-actions":
        return f"https://github.com/{query.name}"
    if query.ecosystem == "go" and query.name.startswith("github.com/"):
        return "https://" + "/".join(query.name.split("/")[:3])
    return repository(query.ecosystem, query.name).lower()


# -- running ------------------------------------------------------------------------------
async def run(
    settings: Settings, queries: list[PackageQuery], go_url: str, concurrency: int
) -> tuple[float, Resolver]:
    cache = await FundingCache.own(settings)
    sources = [s for s in REGISTRY_SOURCES if s is not GoSource]
    sources.append(functools.partial(GoSource, go_get_url=go_url))  # type: ignore[arg-type]
    try:
        async with new_session(settings) as session:
            http = HttpClient(session, settings)
            marks: list[float] = []

            def progress(done: int, total: int) -> None:
                # The first time every package is through stage 1 (registries).
                if done == total and not marks:
                    marks.append(time.perf_counter() - start)

            resolver = Resolver(
                settings,
                http,
                cache,
                github_token=TOKEN,
                sources=sources,
                progress=progress,
                github=functools.partial(GitHubSource, concurrency=concurrency),
            )
            start = time.perf_counter()
            results = await resolver.resolve(queries)
            elapsed = time.perf_counter() - start
    finally:
        await cache.close()
    assert len(results) == len(queries)
    BUTTONS_LEFT.append(sum(1 for r in results.values() for c in r.channels if "?sponsor" in c.url))
    STAGE_ONE.append(marks[0] if marks else elapsed)
    return elapsed, resolver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--github-concurrency", type=int, default=Settings().github_concurrency)
    args = parser.parse_args()
    queries = packages(args.packages)
    servers: dict[str, FakeServer] = {}
    for attr, (prefix, answer) in REGISTRIES.items():
        servers[attr] = FakeServer(latency=args.latency).start()
        servers[attr].mount(prefix, answer)
    go_server = FakeServer(latency=args.latency).start()
    go_server.mount("/", go_get)
    gh_server = FakeServer(latency=args.latency).start()
    graphql, repos = github_fake(queries)
    graphql.install(gh_server)
    every = [*servers.values(), go_server, gh_server]
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            settings = Settings().with_overrides(
                **{attr: server.url for attr, server in servers.items()},
                ghe_host=f"127.0.0.1:{gh_server.port}",
                ghe_protocol="http",
                data_dir=Path(data_dir),
                # A Go mirror written in full is an operator-configured host, exempt from
                # the address guard (a bare `https://{path}` host would be refused here).
                go_get_url=go_server.url + "/{path}?go-get=1",
            )
            go_url = settings.go_get_url
            concurrency = args.github_concurrency
            cold, first = asyncio.run(run(settings, queries, go_url, concurrency))
            cold_requests = sum(s.count() for s in every)
            cold_graphql = graphql.calls
            warm, second = asyncio.run(run(settings, queries, go_url, concurrency))
            warm_requests = sum(s.count() for s in every) - cold_requests
    finally:
        for server in every:
            server.stop()
    problems = [u for s in every for u in s.unexpected]
    report(
        args, queries, repos, cold, first, cold_requests, cold_graphql, warm, second, warm_requests
    )
    if problems or warm_requests or cold_graphql > math.ceil(len(repos) / 100) or BUTTONS_LEFT[0]:
        print("FAILED:", problems[:5], f"warm requests={warm_requests}")
        raise SystemExit(1)


def report(
    args: argparse.Namespace,
    queries: list[PackageQuery],
    repos: set[str],
    cold: float,
    first: Resolver,
    cold_requests: int,
    cold_graphql: int,
    warm: float,
    second: Resolver,
    warm_requests: int,
) -> None:
    by_eco = Counter(q.ecosystem for q in queries)
    print(f"packages: {len(queries)} unique ({dict(by_eco)})")
    print(f"fake latency per request: {args.latency * 1000:.0f} ms; per-host concurrency 16")
    print(f"cold resolve: {cold:.2f} s wall, {cold_requests} requests")
    print(
        f"  registries done after {STAGE_ONE[0]:.2f} s; GitHub stage {cold - STAGE_ONE[0]:.2f} s"
        f" ({args.github_concurrency} GraphQL queries at a time)"
    )
    for name, count in sorted(first.stats.requests_by_source.items()):
        print(f"  {name:10} {count:5d} requests")
    ideal = math.ceil(len(repos) / 100)
    print(
        f"GraphQL requests: {cold_graphql} (GitHub repositories {len(repos)}, ceil/100 = {ideal})"
    )
    buttons = sum(1 for q in queries if _button(q))
    print(f"npm sponsor buttons: {buttons}, left unresolved: {BUTTONS_LEFT[0]}")
    print(f"cache: hits {first.stats.cache_hits}, misses {first.stats.cache_misses}")
    print(
        f"warm rerun: {warm * 1000:.0f} ms wall, {warm_requests} requests "
        f"(cache hits {second.stats.cache_hits}, misses {second.stats.cache_misses})"
    )
    print(
        json.dumps(
            {
                "cold_s": round(cold, 3),
                "github_stage_s": round(cold - STAGE_ONE[0], 3),
                "github_concurrency": args.github_concurrency,
                "warm_s": round(warm, 3),
                "requests": dict(first.stats.requests_by_source),
                "graphql": cold_graphql,
                "graphql_ideal": ideal,
                "warm_requests": warm_requests,
            }
        )
    )


if __name__ == "__main__":
    main()
