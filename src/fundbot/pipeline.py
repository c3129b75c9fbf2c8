"""scan → resolve → plan for a set of repositories: the one path the CLI and the App share.

The CLI scans a checkout and the App reads its stored scans of an installation's
repositories; from there both take the same steps, here: count the developers (the
configured number wins, else an estimate), look each package's funding up once, and build
the plan under the settings and what people set through commands.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from fundbot.config import FundbotConfig
from fundbot.model import Dependency, DeveloperCount, PackageFunding, Plan, ScanError, ScanResult
from fundbot.plan.build import build_plan, resolve_developers
from fundbot.render.context import state_ids
from fundbot.storage.store import StoredScan

Funding = dict[tuple[str, str], PackageFunding]
# (developers, how they were counted); None when there is nothing to count from.
Estimate = tuple[int, str]
EstimateDevelopers = Callable[[], Awaitable[Estimate | None]]
ResolveFunding = Callable[[Iterable[Dependency]], Awaitable[Funding]]
NO_STATE: Mapping[str, Any] = {}


@dataclass(frozen=True, slots=True)
class Repositories:
    """What scanning found, by repository: the plan's usage and the files it could not read."""

    usage: Mapping[str, Sequence[Dependency]]
    errors: Sequence[ScanError] = ()

    @classmethod
    def checkout(cls, name: str, result: ScanResult) -> Repositories:
        """One local checkout, named as its remote names it."""
        return cls({name: result.dependencies}, result.errors)

    @classmethod
    def stored(cls, scans: Iterable[StoredScan]) -> Repositories:
        """An installation's stored scans; skipped repositories (archived, forks) aside."""
        kept = [s for s in scans if s.skipped is None]
        return cls(
            {s.full_name: s.dependencies for s in kept},
            [ScanError(f"{s.full_name}: {e.manifest}", e.error) for s in kept for e in s.errors],
        )

    def dependencies(self) -> Iterator[Dependency]:
        for deps in self.usage.values():
            yield from deps

    def with_added(self, repository: str, added: Sequence[Dependency]) -> Repositories:
        """As if `added` were used in `repository` too (matched regardless of case)."""
        key = next((n for n in self.usage if n.casefold() == repository.casefold()), repository)
        return replace(self, usage={**self.usage, key: (*self.usage.get(key, ()), *added)})


async def count_developers(
    config: FundbotConfig,
    estimate: EstimateDevelopers,
    *,
    given: DeveloperCount | None = None,
    no_estimate: str | None = None,
) -> DeveloperCount:
    """The one way to the developer count: a count `given` outright (a command-line flag),
    else the configured one, else `estimate` (only asked when needed: it may cost requests),
    else 1. `no_estimate`, when set, is what to tell people when nothing could be counted."""
    if given is not None:
        return given
    if config.developers is not None:
        return resolve_developers(config, None, "")
    found = await estimate()
    if found is None:
        if no_estimate is not None:
            return DeveloperCount(1, "estimate", no_estimate)
        return resolve_developers(config, None, "")
    return resolve_developers(config, *found)


def plan_inputs(
    config: FundbotConfig, state: Mapping[str, Any]
) -> tuple[FundbotConfig, frozenset[str], frozenset[str]]:
    """The commands' state applied for `build_plan`: (config with the state's patterns added
    to `exclude`, recipient ids excluded, recipient ids funded elsewhere).

    Every plan — the published one and a pull request's before/after — goes through here, so
    their amounts agree.
    """
    patterns = tuple(sorted(state_ids(state, "exclude")))
    # Patterns apply as `exclude` does; typed ids also match recipients in any case.
    config = replace(config, exclude=(*config.exclude, *patterns))
    excluded = state_ids(state, "excluded") | frozenset(patterns)
    return config, excluded, state_ids(state, "funded_elsewhere")


def build(
    repositories: Repositories,
    funding: Mapping[tuple[str, str], PackageFunding],
    config: FundbotConfig,
    developers: DeveloperCount,
    *,
    owner: str | None,
    state: Mapping[str, Any] = NO_STATE,
) -> Plan:
    """The plan for these repositories under `config` and the commands' `state`."""
    config, excluded, elsewhere = plan_inputs(config, state)
    return build_plan(
        repositories.usage,
        funding,
        config,
        developers,
        owner=owner,
        errors=repositories.errors,
        excluded_recipients=excluded,
        funded_elsewhere=elsewhere,
    )


@dataclass(frozen=True, slots=True)
class Planned:
    plan: Plan
    funding: Funding
    developers: DeveloperCount


async def plan_repositories(
    repositories: Repositories,
    config: FundbotConfig,
    *,
    owner: str | None,
    resolve: ResolveFunding,
    estimate: EstimateDevelopers,
    given: DeveloperCount | None = None,
    no_estimate: str | None = None,
    state: Mapping[str, Any] = NO_STATE,
) -> Planned:
    """scan → resolve → plan: developers counted, funding resolved, the plan built."""
    developers = await count_developers(config, estimate, given=given, no_estimate=no_estimate)
    funding = await resolve(repositories.dependencies())
    plan = build(repositories, funding, config, developers, owner=owner, state=state)
    return Planned(plan, funding, developers)
