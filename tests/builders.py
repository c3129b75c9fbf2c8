"""Test builders shared across test modules: dependencies, channels, funding, stored scans,
plan rules. One way to build each thing; tests pass only what they care about."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fundbot.config import FundbotConfig, default_config
from fundbot.model import (
    Dependency,
    DeveloperCount,
    FundingChannel,
    PackageFunding,
    Plan,
    ScanError,
    Scope,
)
from fundbot.storage.store import StoredScan

FIVE = DeveloperCount(5, "configured", "`developers` in .github/fundbot.yml")


def dep(
    name: str,
    *,
    ecosystem: str = "npm",
    version: str | None = "1.0.0",
    scope: Scope = "runtime",
    direct: bool = True,
    manifest: str = "package.json",
    skip: Any = None,
) -> Dependency:
    return Dependency(ecosystem, name, version, scope, direct, manifest, skip)


def channel(
    platform: str,
    handle: str | None = None,
    url: str | None = None,
    *,
    source: str = "test:fixture",
) -> FundingChannel:
    return FundingChannel(platform, url or f"https://{platform}.example/{handle}", handle, source)


def fund(
    name: str,
    *channels: FundingChannel,
    ecosystem: str = "npm",
    repository: str | None = None,
    checked_at: float = 1.0,
    unknown_reason: str | None = None,
) -> PackageFunding:
    return PackageFunding(ecosystem, name, repository, tuple(channels), checked_at, unknown_reason)


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


def stored_scan(
    full_name: str,
    *dependencies: Dependency,
    skipped: str | None = None,
    errors: tuple[ScanError, ...] = (),
) -> StoredScan:
    """A repository's stored scan: a tree sha, no config file, scanned at time 0."""
    return StoredScan(
        full_name=full_name,
        info={},
        tree_sha="t",
        config_sha=None,
        dependencies=dependencies,
        errors=errors,
        skipped=skipped,
        scanned_at=0.0,
    )
