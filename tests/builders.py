"""Test builders shared across test modules: dependencies, channels, funding, plan rules."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fundbot.config import FundbotConfig, default_config
from fundbot.model import Dependency, DeveloperCount, FundingChannel, PackageFunding, Plan, Scope

FIVE = DeveloperCount(5, "configured", "`developers` in .github/fundbot.yml")


def dep(
    name: str,
    *,
    ecosystem: str = "npm",
    scope: Scope = "runtime",
    direct: bool = True,
    manifest: str = "package.json",
    skip: Any = None,
) -> Dependency:
    return Dependency(ecosystem, name, "1.0.0", scope, direct, manifest, skip)


def channel(platform: str, handle: str | None = None, url: str | None = None) -> FundingChannel:
    return FundingChannel(
        platform, url or f"https://{platform}.example/{handle}", handle, "test:fixture"
    )


def fund(
    name: str,
    *channels: FundingChannel,
    ecosystem: str = "npm",
    repository: str | None = None,
    checked_at: float = 1.0,
) -> PackageFunding:
    return PackageFunding(ecosystem, name, repository, tuple(channels), checked_at)


def funding_map(*entries: PackageFunding) -> dict[tuple[str, str], PackageFunding]:
    return {entry.key: entry for entry in entries}


def rules(**changes: Any) -> FundbotConfig:
    """The defaults with some rules changed; floor and cap off unless a test asks for them."""
    base: dict[str, Any] = {"min_amount": 0, "max_share": 1.0}
    base.update(changes)
    return replace(default_config(), **base)


def amounts(plan: Plan) -> dict[str, int]:
    return {line.recipient: line.amount for line in plan.lines}


def solo(*names: str) -> dict[tuple[str, str], PackageFunding]:
    """Each package funded by its own GitHub Sponsors account named after it."""
    return funding_map(*(fund(n, channel("github", n)) for n in names))
