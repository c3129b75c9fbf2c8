"""The one scan → resolve → plan path the CLI and the App share."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from fundbot.config import default_config
from fundbot.model import Dependency, DeveloperCount, ScanError
from fundbot.pipeline import (
    Estimate,
    Funding,
    Repositories,
    count_developers,
    plan_repositories,
)
from fundbot.plan.build import CONFIGURED_METHOD
from tests.builders import channel, dep, fund, stored_scan

UNREADABLE = (ScanError("setup.py", "unreadable"),)


def pypi(name: str) -> Dependency:
    return dep(name, ecosystem="pypi", manifest="requirements.txt")


def test_stored_scans_leave_skipped_repositories_out_and_name_each_error() -> None:
    repos = Repositories.stored(
        [
            stored_scan("acme/app", pypi("a"), errors=UNREADABLE),
            stored_scan("acme/fork", pypi("b"), skipped="fork", errors=UNREADABLE),
        ]
    )
    assert list(repos.usage) == ["acme/app"]
    assert [e.manifest for e in repos.errors] == ["acme/app: setup.py"]
    assert [d.name for d in repos.dependencies()] == ["a"]


def test_added_dependencies_join_the_repository_named_in_any_case() -> None:
    repos = Repositories({"Acme/App": (pypi("a"),)})
    merged = repos.with_added("acme/app", [pypi("b")])
    assert {n: [d.name for d in ds] for n, ds in merged.usage.items()} == {"Acme/App": ["a", "b"]}
    assert list(repos.with_added("acme/new", [pypi("c")]).usage) == ["Acme/App", "acme/new"]


async def _never() -> Estimate | None:
    raise AssertionError("the estimate costs requests: not asked when a count is known")


async def test_a_count_given_or_configured_is_used_without_estimating() -> None:
    given = DeveloperCount(3, "configured", "flag")
    assert await count_developers(default_config(), _never, given=given) == given
    config = default_config()
    configured = type(config)(**{**config.__dict__, "developers": 7})
    assert await count_developers(configured, _never) == DeveloperCount(
        7, "configured", CONFIGURED_METHOD
    )


@pytest.mark.parametrize(
    ("found", "no_estimate", "expected"),
    [
        ((4, "authors"), None, DeveloperCount(4, "estimate", "authors")),
        (None, "pass --developers N", DeveloperCount(1, "estimate", "pass --developers N")),
        (
            None,
            None,
            DeveloperCount(1, "estimate", "no estimate available; counted as 1 until set"),
        ),
    ],
)
async def test_the_estimate_counts_when_nothing_is_configured(
    found: Estimate | None, no_estimate: str | None, expected: DeveloperCount
) -> None:
    async def estimate() -> Estimate | None:
        return found

    assert await count_developers(default_config(), estimate, no_estimate=no_estimate) == expected


async def test_plan_repositories_resolves_each_dependency_and_applies_the_commands_state() -> None:
    asked: list[str] = []

    async def resolve(deps: Iterable[Dependency]) -> Funding:
        out: Funding = {}
        for d in deps:
            asked.append(d.name)
            sponsors = channel("github", d.name, f"https://github.com/sponsors/{d.name}")
            out[d.key] = fund(d.name, sponsors, ecosystem=d.ecosystem)
        return out

    async def estimate() -> Estimate | None:
        return 2, "authors"

    repos = Repositories({"acme/app": (pypi("a"), pypi("b"))})
    planned = await plan_repositories(
        repos,
        default_config(),
        owner="acme",
        resolve=resolve,
        estimate=estimate,
        state={"excluded": ["github:b"]},
    )
    assert asked == ["a", "b"]
    assert planned.developers == DeveloperCount(2, "estimate", "authors")
    assert [line.recipient for line in planned.plan.lines] == ["github:a"]
    assert "github:b" in {e.package for e in planned.plan.excluded}
