"""The pledge plan: budget, weights, recipients, exclusions, allocation and attribution (pure)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from fractions import Fraction
from urllib.parse import urlsplit

from fundbot.config import SETTINGS_PATH, FundbotConfig
from fundbot.graph import build_graph, package_id
from fundbot.links.packages import direct_repository
from fundbot.model import (
    Attribution,
    Because,
    Dependency,
    DeveloperCount,
    Exclusion,
    FundingChannel,
    PackageFunding,
    Plan,
    PlanLine,
    ScanError,
    UnfundedPackage,
)
from fundbot.plan.allocation import (
    Recipient,
    allocate,
    attribute,
    exact,
    group_recipients,
    preferred_channel,
    recipient_id,
)
from fundbot.plan.held_back import hold_back
from fundbot.plan.notes import plan_fingerprint, plan_notes
from fundbot.plan.trickle import common_denominator, trickle

__all__ = [
    "build_plan",
    "dependency_weights",
    "package_id",
    "recipient_id",
    "resolve_developers",
    "weigh",
]

CONFIGURED_METHOD = f"`developers` in {SETTINGS_PATH}"
EXCLUDED_BY_PERSON = "excluded by a person (`/fundbot exclude`)"


def dependency_weights(
    usage: Mapping[str, Sequence[Dependency]], config: FundbotConfig
) -> dict[str, dict[str, Fraction]]:
    """Package id → {repository: weight}, exact (see `weigh`)."""
    weighed = weigh(usage, config)
    return {
        pkg: {repo: Fraction(n, weighed.denominator) for repo, n in per_repo.items()}
        for pkg, per_repo in weighed.by_repo.items()
    }


@dataclass(frozen=True, slots=True)
class Weights:
    """Each package's weight per repository, and through which direct packages it came.

    Whole numerators over one `denominator`: exact, and summed as integers.
    """

    by_repo: dict[str, dict[str, int]]  # package → {repository: numerator}
    # package → {(direct package or None, its scope): numerator, summed over repositories}
    sources: dict[str, dict[tuple[str | None, str], int]]
    denominator: int

    def value(self, numerator: int) -> float:
        return numerator / self.denominator  # int true division: correctly rounded


def weigh(usage: Mapping[str, Sequence[Dependency]], config: FundbotConfig) -> Weights:
    """Weights by the graph each repository's lockfiles record (DESIGN §4).

    Packages in a graph receive what trickles down from the direct dependencies; packages
    from formats without edges keep the flat rule: scope weight, times `transitive_weight`
    when transitive, the heaviest entry counting within one repository.
    """
    by_repo: dict[str, dict[str, int]] = {}
    sources: dict[str, dict[tuple[str | None, str], int]] = {}

    def add(pkg: str, repo: str, source: tuple[str | None, str], weight: int) -> None:
        per_repo = by_repo.setdefault(pkg, {})
        per_repo[repo] = per_repo.get(repo, 0) + weight
        per_source = sources.setdefault(pkg, {})
        per_source[source] = per_source.get(source, 0) + weight

    scope_weights = {scope: exact(w) for scope, w in config.scope_weights.items()}
    transitive = exact(config.transitive_weight)
    pass_down = exact(config.pass_down)
    graphs = {repo: build_graph(usage[repo]) for repo in sorted(usage)}
    starts = [*scope_weights.values(), *(w * transitive for w in scope_weights.values())]
    denominator = common_denominator(starts, pass_down, config.depth, graphs.values())
    whole = {
        scope: (w * denominator).numerator for scope, w in scope_weights.items()
    }  # exact: denominator is a multiple of every start's
    flat_whole = {
        scope: (w * transitive * denominator).numerator for scope, w in scope_weights.items()
    }
    for repo, graph in graphs.items():
        roots = {pkg: whole.get(scope, 0) for pkg, scope in graph.direct.items()}
        received = trickle(graph, roots, pass_down=pass_down, depth=config.depth)
        for pkg in sorted(received):
            for (root, scope), weight in sorted(received[pkg].items()):
                add(pkg, repo, (None if root == pkg else root, scope), weight)
        # Flat: packages neither direct nor in a graph (requirements.txt's pins, go.mod).
        flat: dict[str, tuple[int, str]] = {}
        for dep in usage[repo]:
            if dep.skip_reason is not None or dep.requires is not None:
                continue
            pkg = package_id(dep.ecosystem, dep.name)
            if pkg in graph.direct or graph.has_edges(pkg):
                continue
            weight = flat_whole.get(dep.scope, 0)
            if pkg not in flat or (weight, dep.scope) > flat[pkg]:
                flat[pkg] = (weight, dep.scope)
        for pkg, (weight, scope) in sorted(flat.items()):
            add(pkg, repo, (None, scope), weight)
    return Weights(
        by_repo={pkg: by_repo[pkg] for pkg in sorted(by_repo)},
        sources={pkg: sources[pkg] for pkg in sorted(sources)},
        denominator=denominator,
    )


def resolve_developers(config: FundbotConfig, estimate: int | None, method: str) -> DeveloperCount:
    """The configured count wins; else the estimate; else 1 until someone says."""
    if config.developers is not None:
        return DeveloperCount(config.developers, "configured", CONFIGURED_METHOD)
    if estimate is not None and estimate >= 1:
        return DeveloperCount(estimate, "estimate", method)
    return DeveloperCount(
        1, "estimate", f"{method or 'no estimate available'}; counted as 1 until set"
    )


def build_plan(
    usage: Mapping[str, Sequence[Dependency]],
    funding: Mapping[tuple[str, str], PackageFunding],
    config: FundbotConfig,
    developers: DeveloperCount,
    *,
    owner: str | None = None,
    errors: Sequence[ScanError] = (),
    excluded_recipients: Collection[str] = (),
    funded_elsewhere: Collection[str] = (),
) -> Plan:
    """How much to give whom per year; the same inputs in any order give the same plan."""
    budget = developers.count * config.per_developer if config.budget is None else config.budget
    weighed = weigh(usage, config)
    weights = weighed.by_repo
    excluded = _skipped_only(usage, weights)
    chosen, classified = _classify(weighed, funding, config, owner, excluded)
    # Unknown is not unfunded: what could not be checked keeps its share, held back.
    unfunded = [u for u in classified if not u.unchecked]
    unchecked = [u for u in classified if u.unchecked]

    # Whole numerators over the common denominator: the held-back share stays exact.
    def numerator(pkg: str) -> int:
        return sum(weights[pkg].values())

    checked = sum(map(numerator, chosen)) + sum(numerator(u.package) for u in unfunded)
    unknown = sum(numerator(u.package) for u in unchecked)
    held_back = hold_back(budget, checked, unknown, unchecked)
    recipients = group_recipients(chosen, weights, config.platform_order)
    by_people = {rid.casefold() for rid in excluded_recipients}
    for rid in sorted(recipients):
        exclusion = _recipient_exclusion(rid, config, owner, by_people)
        if exclusion is not None:
            excluded[rid] = exclusion
            del recipients[rid]
    allocation = allocate(
        {rid: r.weight for rid, r in recipients.items()},
        budget - held_back.amount,
        min_amount=config.min_amount,
        max_share=config.max_share,
        max_recipients=config.max_recipients,
        currency=config.currency,
    )
    for rid in allocation.beyond_limit:
        reason = f"beyond `max_recipients` ({config.max_recipients})"
        excluded[rid] = Exclusion(rid, reason, "max_recipients")
    for rid in allocation.below_minimum:
        reason = f"would get less than `min_amount` ({config.currency} {config.min_amount})"
        excluded[rid] = Exclusion(rid, reason, "below_minimum")
    # People type ids by hand (`/fundbot …`): `github:SindreSorhus` is `github:sindresorhus`.
    marked = {rid.casefold() for rid in funded_elsewhere}
    paid_elsewhere = {rid for rid in recipients if rid.casefold() in marked}
    lines = sorted(
        (
            _line(recipients[rid], amount, weighed, rid in paid_elsewhere)
            for rid, amount in allocation.amounts.items()
        ),
        key=lambda line: (-line.amount, line.recipient),
    )
    return Plan(
        budget=budget,
        developers=developers.count,
        developers_source=developers.source,
        developers_method=developers.method,
        per_developer=config.per_developer,
        currency=config.currency,
        lines=tuple(lines),
        unfunded=tuple(sorted(unfunded, key=lambda u: (-u.weight, u.package))),
        unchecked=tuple(sorted(unchecked, key=lambda u: (-u.weight, u.package))),
        held_back=held_back,
        excluded=tuple(excluded[key] for key in sorted(excluded)),
        errors=tuple(sorted(set(errors), key=lambda e: (e.manifest, e.error))),
        fingerprint=plan_fingerprint(
            budget,
            developers,
            config,
            {
                pkg: {repo: weighed.value(n) for repo, n in per.items()}
                for pkg, per in weights.items()
            },
            chosen,
            excluded,
            paid_elsewhere,
            held_back.amount,
        ),
        dependencies_covered=sum(len(line.packages) for line in lines),
        notes=plan_notes(config, developers, budget, bool(recipients)) + allocation.notes,
    )


def _classify(
    weighed: Weights,
    funding: Mapping[tuple[str, str], PackageFunding],
    config: FundbotConfig,
    owner: str | None,
    excluded: dict[str, Exclusion],
) -> tuple[dict[str, FundingChannel], list[UnfundedPackage]]:
    """Each package's preferred channel, or why it is excluded (into `excluded`), or unfunded."""
    chosen: dict[str, FundingChannel] = {}
    unfunded: list[UnfundedPackage] = []
    for pkg, per_repo in weighed.by_repo.items():
        info = funding.get(_key(pkg))
        total = sum(per_repo.values())
        exclusion = _package_exclusion(pkg, total, info, config, owner)
        channel = preferred_channel(info, config.platform_order)
        if exclusion is None and channel is None and info is not None and info.channels:
            platforms = ", ".join(sorted({c.platform for c in info.channels}))
            reason = f"funding only on platforms not in `platform_order`: {platforms}"
            exclusion = Exclusion(pkg, reason, "platform")
        if exclusion is not None:
            excluded[pkg] = exclusion
        elif channel is None:
            repository = info.repository if info is not None else None
            why = info.unknown_reason if info is not None else "not looked up"
            kind = info.unchecked_kind if info is not None else None
            repos = tuple(sorted(per_repo))
            unfunded.append(
                UnfundedPackage(pkg, weighed.value(total), repository, repos, why, kind)
            )
        else:
            chosen[pkg] = channel
    return chosen, unfunded


def _key(pkg: str) -> tuple[str, str]:
    ecosystem, _, name = pkg.partition(":")
    return ecosystem, name


def _skipped_only(
    usage: Mapping[str, Sequence[Dependency]], weights: Mapping[str, object]
) -> dict[str, Exclusion]:
    """Packages only ever declared in a way no registry can look up, with the reason."""
    reasons: dict[str, set[str]] = {}
    for deps in usage.values():
        for dep in deps:
            pkg = package_id(dep.ecosystem, dep.name)
            if dep.skip_reason is not None and pkg not in weights:
                reasons.setdefault(pkg, set()).add(dep.skip_reason)
    return {
        pkg: Exclusion(pkg, ", ".join(sorted(found)), "skipped") for pkg, found in reasons.items()
    }


def _package_exclusion(
    pkg: str,
    weight: int,
    info: PackageFunding | None,
    config: FundbotConfig,
    owner: str | None,
) -> Exclusion | None:
    if weight <= 0:
        return Exclusion(pkg, "weight 0 under `scope_weights` and `transitive_weight`", "unused")
    repository = _repository(pkg, info)
    if owner and repository and _repository_owner(repository) == owner.casefold():
        return Exclusion(pkg, f"owned by {owner}", "owned")
    for pattern in config.exclude:
        if fnmatchcase(pkg, pattern):
            return Exclusion(pkg, f"matches exclude pattern `{pattern}`", "pattern")
        if repository and fnmatchcase(repository.casefold(), pattern.casefold()):
            return Exclusion(pkg, f"repository matches exclude pattern `{pattern}`", "pattern")
    return None


def _repository(pkg: str, info: PackageFunding | None) -> str | None:
    """The package's source repository: looked up, or read off its name (Go, Actions, Swift)."""
    if info is not None and info.repository:
        return info.repository
    return direct_repository(*_key(pkg), guess=True)


def _repository_owner(repository: str) -> str | None:
    try:
        segments = [s for s in urlsplit(repository).path.split("/") if s]
    except ValueError:
        return None
    return segments[0].casefold() if segments else None


def _recipient_exclusion(
    rid: str, config: FundbotConfig, owner: str | None, by_people: Collection[str]
) -> Exclusion | None:
    if rid.casefold() in by_people:
        return Exclusion(rid, EXCLUDED_BY_PERSON, "person")
    if owner and rid.casefold() == f"github:{owner.casefold()}":
        return Exclusion(rid, f"owned by {owner}", "owned")
    for pattern in config.exclude:
        if fnmatchcase(rid, pattern):
            return Exclusion(rid, f"matches exclude pattern `{pattern}`", "pattern")
    return None


def _line(recipient: Recipient, amount: int, weighed: Weights, flag: bool) -> PlanLine:
    by_repo: dict[str, int] = {}
    used: dict[str, list[str]] = {}
    for pkg in recipient.packages:  # heaviest first, so each repository's list is too
        for repo, weight in weighed.by_repo[pkg].items():
            by_repo[repo] = by_repo.get(repo, 0) + weight
            used.setdefault(repo, []).append(pkg)
    parts = attribute(amount, by_repo)
    attribution = sorted(parts.items(), key=lambda item: (-item[1], item[0]))
    return PlanLine(
        recipient=recipient.id,
        platform=recipient.channel.platform,
        url=recipient.channel.url,
        handle=recipient.channel.handle,
        amount=amount,
        weight=float(recipient.weight / weighed.denominator),
        packages=recipient.packages,
        repositories=tuple(sorted(by_repo)),
        attribution=tuple(Attribution(repo, part, tuple(used[repo])) for repo, part in attribution),
        funded_elsewhere=flag,
        because=_because(recipient, weighed),
    )


def _because(recipient: Recipient, weighed: Weights, limit: int = 3) -> tuple[Because, ...]:
    """The line's largest contributions: which package, through which direct dependency."""
    if recipient.weight <= 0:
        return ()
    found = [
        (weight, pkg, via or "", scope)
        for pkg in recipient.packages
        for (via, scope), weight in weighed.sources.get(pkg, {}).items()
        if weight > 0
    ]
    found.sort(key=lambda item: (-item[0], item[1], item[2], item[3]))
    return tuple(
        Because(pkg, via or None, scope, round(float(weight / recipient.weight), 4))
        for weight, pkg, via, scope in found[:limit]
    )
