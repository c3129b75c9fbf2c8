"""Hand-built plans for the render tests: realistic, empty, hostile and huge."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fundbot.config import default_config
from fundbot.errors import ConfigProblem
from fundbot.model import (
    Attribution,
    Dependency,
    Exclusion,
    PackageFunding,
    Plan,
    PlanLine,
    ScanError,
    Scope,
    UnfundedPackage,
)
from fundbot.plan.build import build_plan, resolve_developers
from fundbot.render.comment import PullRequestAddition
from fundbot.render.issue import IssueContext
from tests.builders import channel, dep, fund

HOSTILE = "@everyone <img src=x onerror=alert(1)> `x` --> | [a](javascript:alert(1)) #1\n**b**"


def line(
    recipient: str,
    amount: int,
    packages: tuple[str, ...],
    repositories: dict[str, int],
    *,
    url: str,
    handle: str | None,
    funded_elsewhere: bool = False,
) -> PlanLine:
    """A plan line whose attribution is the given per-repository amounts."""
    platform = recipient.split(":", 1)[0].replace("url", "custom")
    return PlanLine(
        recipient=recipient,
        platform=platform,
        url=url,
        handle=handle,
        amount=amount,
        weight=float(len(packages)),
        packages=packages,
        repositories=tuple(repositories),
        attribution=tuple(Attribution(r, a) for r, a in repositories.items()),
        funded_elsewhere=funded_elsewhere,
    )


def realistic_plan() -> Plan:
    """Six recipients on five platforms, unfunded and excluded packages, an unreadable file."""
    lines = (
        line(
            "github:sindresorhus",
            4000,
            ("npm:chalk", "npm:got", "npm:execa", "npm:p-limit", "npm:ora"),
            {"acme/web": 3000, "acme/api": 1000},
            url="https://github.com/sponsors/sindresorhus",
            handle="sindresorhus",
        ),
        line(
            "open_collective:express",
            4000,
            ("npm:express", "npm:body-parser"),
            {"acme/api": 4000},
            url="https://opencollective.com/express",
            handle="express",
        ),
        line(
            "github:pallets",
            3200,
            ("pypi:flask", "pypi:jinja2", "pypi:click", "pypi:werkzeug"),
            {"acme/api": 2200, "acme/tools": 1000},
            url="https://github.com/sponsors/pallets",
            handle="pallets",
        ),
        line(
            "tidelift:pypi-requests",
            2800,
            ("pypi:requests",),
            {"acme/tools": 2800},
            url="https://tidelift.com/funding/github/pypi/requests",
            handle=None,
            funded_elsewhere=True,
        ),
        line(
            "liberapay:rust-lang",
            4000,
            ("cargo:serde", "cargo:serde_json", "cargo:tokio"),
            {"acme/engine": 4000},
            url="https://liberapay.com/rust-lang",
            handle="rust-lang",
        ),
        line(
            "url:https://example.org/donate",
            2000,
            ("rubygems:rake",),
            {"acme/web": 1500, "acme/tools": 500},
            url="https://example.org/donate",
            handle=None,
        ),
    )
    return Plan(
        budget=20000,
        developers=10,
        developers_source="estimate",
        developers_method="distinct human commit authors in the last 90 days across 4 repositories",
        per_developer=2000,
        currency="USD",
        lines=lines,
        unfunded=(
            UnfundedPackage(
                "npm:left-pad",
                2.0,
                "https://github.com/left-pad/left-pad",
                ("acme/web", "acme/api"),
            ),
            UnfundedPackage("go:golang.org/x/text", 1.0, None, ("acme/engine",)),
        ),
        excluded=(
            Exclusion("npm:@acme/ui", "owned by acme", "owned"),
            Exclusion("github-actions:./.github/actions/build", "local", "skipped"),
        ),
        errors=(ScanError("services/legacy/package-lock.json", "invalid JSON at line 3"),),
        fingerprint="sha256:3f2a",
        dependencies_covered=16,
        notes=("2 recipients under the $100 minimum were dropped and their share shared out.",),
    )


def realistic_context(repository: str | None = None) -> IssueContext:
    """The realistic plan's context: a config problem, two skipped repositories."""
    return IssueContext(
        owner="acme",
        repository=repository,
        plan_issue_url="https://github.com/acme/.github/issues/1",
        config_problems=(
            ConfigProblem(".github/fundbot.yml", "max_share", "1.5", "a number from 0 to 1"),
        ),
        skipped_repositories=(("acme/old-site", "archived"), ("acme/fork-of-x", "fork")),
        state={"excluded": ["github:someone"], "funded_elsewhere": ["tidelift:pypi-requests"]},
    )


def empty_plan() -> Plan:
    """No dependency found at all: a configured count and nothing to pay."""
    return Plan(
        budget=4000,
        developers=2,
        developers_source="configured",
        developers_method="`developers` in .github/fundbot.yml",
        per_developer=2000,
        currency="USD",
        lines=(),
        fingerprint="sha256:0",
    )


def config_errors_context() -> IssueContext:
    """An empty plan's context where the configuration had several problems."""
    file = ".github/fundbot.yml"
    return IssueContext(
        owner="acme",
        repository="acme/web",
        plan_issue_url=None,
        config_problems=(
            ConfigProblem(file, "developers", "'many'", "a whole number of at least 1"),
            ConfigProblem(file, "scope_weights.runtim", "unknown key", "one of runtime, dev"),
            ConfigProblem(file, "max_share", "-0.5", "a number from 0 to 1"),
        ),
    )


def hostile_plan() -> Plan:
    """Every text field holds Markdown, HTML, mentions and comment terminators."""
    lines = (
        line(
            "github:everyone",
            1000,
            (f"npm:{HOSTILE}", "npm:@everyone/x", "npm:`rm -rf`", "npm:a|b", "npm:" + "x" * 5000),
            {f"acme/{HOSTILE}": 1000},
            url="https://github.com/sponsors/everyone",
            handle="everyone",
        ),
        line(
            f"url:javascript:{HOSTILE}",
            1000,
            (f"pypi:{HOSTILE}",),
            {"acme/web": 1000},
            url="javascript:alert(1)",
            handle=HOSTILE,
        ),
    )
    return Plan(
        budget=2000,
        developers=1,
        developers_source="estimate",
        developers_method=HOSTILE,
        per_developer=2000,
        currency="USD",
        lines=lines,
        unfunded=(UnfundedPackage(f"npm:{HOSTILE}", 1.0, "javascript:alert(1)", (HOSTILE,)),),
        excluded=(Exclusion(HOSTILE, HOSTILE),),
        errors=(ScanError(HOSTILE, HOSTILE),),
        fingerprint=HOSTILE,
        dependencies_covered=6,
        notes=(HOSTILE,),
    )


def hostile_context() -> IssueContext:
    return IssueContext(
        owner="acme",
        repository="acme/web",
        plan_issue_url="javascript:alert(1)",
        config_file=f".github/{HOSTILE}",
        config_problems=(ConfigProblem(HOSTILE, HOSTILE, HOSTILE, HOSTILE),),
        skipped_repositories=((HOSTILE, HOSTILE),),
        state={"excluded": [HOSTILE], "funded_elsewhere": [HOSTILE]},
    )


def huge_plan(recipients: int = 4000, packages_each: int = 5) -> Plan:
    """Thousands of recipients and 20,000 packages: the size limit must still hold."""
    lines = tuple(
        line(
            f"github:maintainer-{i:05d}",
            100,
            tuple(f"npm:package-with-a-long-name-{i:05d}-{j}" for j in range(packages_each)),
            {f"acme/repository-{i % 300:03d}": 60, f"acme/repository-{(i + 1) % 300:03d}": 40},
            url=f"https://github.com/sponsors/maintainer-{i:05d}",
            handle=f"maintainer-{i:05d}",
        )
        for i in range(recipients)
    )
    return Plan(
        budget=100 * recipients,
        developers=recipients // 20,
        developers_source="configured",
        developers_method="",
        per_developer=2000,
        currency="USD",
        lines=lines,
        unfunded=tuple(
            UnfundedPackage(f"pypi:unfunded-{i}", 1.0, None, ("acme/repository-001",))
            for i in range(3000)
        ),
        excluded=tuple(Exclusion(f"npm:@acme/pkg-{i}", "owned by acme") for i in range(2000)),
        errors=tuple(ScanError(f"dir-{i}/package.json", "invalid JSON") for i in range(500)),
        fingerprint="sha256:huge",
        dependencies_covered=recipients * packages_each,
    )


def additions() -> tuple[PullRequestAddition, ...]:
    """A PR adding a new recipient, more for an existing one, and one too small for a share."""
    gh = channel(
        "github", "sindresorhus", "https://github.com/sponsors/sindresorhus", source="npm:funding"
    )
    oc = channel(
        "open_collective",
        "webpack",
        "https://opencollective.com/webpack",
        source="github:fundingLinks",
    )
    return (
        PullRequestAddition(
            "npm:ky", "1.7.2", "package.json", (gh,), "github:sindresorhus", 4000, 4300
        ),
        PullRequestAddition(
            "npm:webpack", "^5.95.0", "package.json", (oc, gh), "open_collective:webpack", None, 900
        ),
        PullRequestAddition("npm:tiny", None, "packages/a/package.json", (oc,), None, None, None),
    )


def _dep(name: str, scope: Scope = "runtime", direct: bool = True) -> Dependency:
    ecosystem, _, package = name.partition(":")
    return dep(
        package, ecosystem=ecosystem, version=None, scope=scope, direct=direct, manifest="manifest"
    )


def _funding(name: str, *channels: tuple[str, str, str | None]) -> PackageFunding:
    ecosystem, _, package = name.partition(":")
    reason = None if channels else f"no funding listed on {ecosystem}"
    return fund(
        package,
        *(channel(p, handle, url, source="test") for p, url, handle in channels),
        ecosystem=ecosystem,
        repository=BUILT_SOURCES.get(name),
        checked_at=0.0,
        unknown_reason=reason,
    )


def _gh(handle: str) -> tuple[str, str, str | None]:
    return ("github", f"https://github.com/sponsors/{handle}", handle)


# Four repositories of one organisation and who their dependencies pay (as resolved).
BUILT_USAGE: dict[str, list[tuple[str, Scope, bool]]] = {
    "acme/web": [
        ("npm:chalk", "runtime", True),
        ("npm:got", "runtime", True),
        ("npm:execa", "dev", True),
        ("npm:ora", "dev", True),
        ("npm:left-pad", "runtime", False),
        ("rubygems:rake", "build", True),
        ("npm:@acme/ui", "runtime", True),
    ],
    "acme/api": [
        ("npm:express", "runtime", True),
        ("npm:body-parser", "runtime", False),
        ("npm:chalk", "runtime", False),
        ("pypi:flask", "runtime", True),
        ("pypi:jinja2", "runtime", False),
        ("pypi:click", "runtime", False),
        ("pypi:werkzeug", "runtime", False),
        ("npm:left-pad", "runtime", False),
        ("npm:tiny-lib", "runtime", False),
    ],
    "acme/tools": [
        ("pypi:click", "runtime", True),
        ("pypi:requests", "runtime", True),
        ("pypi:pytest", "test", True),
        ("rubygems:rake", "build", True),
    ],
    "acme/engine": [
        ("cargo:serde", "runtime", True),
        ("cargo:serde_json", "runtime", True),
        ("cargo:tokio", "runtime", True),
        ("go:golang.org/x/text", "runtime", True),
    ],
}
BUILT_SOURCES = {
    "npm:@acme/ui": "https://github.com/acme/ui",
    "npm:left-pad": "https://github.com/left-pad/left-pad",
}
BUILT_FUNDING: dict[str, tuple[tuple[str, str, str | None], ...]] = {
    "npm:@acme/ui": (_gh("acme"),),
    "npm:left-pad": (),
    "go:golang.org/x/text": (),
    "npm:chalk": (_gh("sindresorhus"),),
    "npm:got": (_gh("sindresorhus"),),
    "npm:execa": (_gh("sindresorhus"),),
    "npm:ora": (_gh("sindresorhus"),),
    "npm:express": (("open_collective", "https://opencollective.com/express", "express"),),
    "npm:body-parser": (("open_collective", "https://opencollective.com/express", "express"),),
    "npm:tiny-lib": (_gh("tiny-dev"),),
    "pypi:flask": (_gh("pallets"),),
    "pypi:jinja2": (_gh("pallets"),),
    "pypi:click": (_gh("pallets"),),
    "pypi:werkzeug": (_gh("pallets"),),
    "pypi:requests": (("tidelift", "https://tidelift.com/funding/github/pypi/requests", None),),
    "pypi:pytest": (
        _gh("pytest-dev"),
        ("open_collective", "https://opencollective.com/pytest", "pytest"),
    ),
    "cargo:serde": (_gh("dtolnay"),),
    "cargo:serde_json": (_gh("dtolnay"),),
    "cargo:tokio": (("open_collective", "https://opencollective.com/tokio", "tokio"),),
    "rubygems:rake": (("custom", "https://example.org/donate", None),),
}


def built_inputs(
    extra: dict[str, tuple[tuple[str, str, str | None], ...]] | None = None,
) -> tuple[dict[str, list[Dependency]], dict[tuple[str, str], PackageFunding]]:
    """The usage and funding above; `extra` packages are added to acme/web, runtime, direct."""
    usage = {
        repo: [_dep(name, scope, direct) for name, scope, direct in deps]
        for repo, deps in BUILT_USAGE.items()
    }
    usage["acme/web"] += [_dep(name) for name in extra or {}]
    funding = {}
    for name, channels in (BUILT_FUNDING | (extra or {})).items():
        info = _funding(name, *channels)
        funding[(info.ecosystem, info.name)] = info
    return usage, funding


def built_plan(
    developers: int | None = None,
    budget: int | None = None,
    extra: dict[str, tuple[tuple[str, str, str | None], ...]] | None = None,
    estimate: int = 4,
    **rules: Any,
) -> Plan:
    """The four repositories above planned by `fundbot.plan.build.build_plan`, not by hand."""
    usage, funding = built_inputs(extra)
    config = replace(default_config(), developers=developers, budget=budget, **rules)
    method = "distinct human commit authors in the last 90 days"
    count = resolve_developers(config, estimate, method)
    return build_plan(
        usage,
        funding,
        config,
        count,
        owner="acme",
        errors=(ScanError("services/legacy/package-lock.json", "invalid JSON at line 3"),),
        funded_elsewhere=("url:https://tidelift.com/funding/github/pypi/requests",),
    )
