"""A plan as a public plan issue may show it: private repositories, and packages only they
use, folded into "private repositories (N)"; every amount as it was."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Final

from fundbot.model import (
    ECOSYSTEMS,
    Attribution,
    Because,
    Plan,
    PlanLine,
    ScanError,
    UnfundedPackage,
)

LABEL: Final = "private repositories ({count})"


@dataclass(frozen=True, slots=True)
class Privacy:
    """What a public plan issue may not name: these repositories (`owner/repo`), and any
    package outside `public_packages` (`ecosystem:name`, those some public repository uses)."""

    private_repositories: frozenset[str]
    public_packages: frozenset[str]

    def private(self, repository: str) -> bool:
        return repository.casefold() in self.private_repositories

    def label(self, repositories: Iterable[str]) -> str:
        return LABEL.format(count=sum(1 for r in repositories if self.private(r)))


def privacy(repositories: Iterable[tuple[str, bool, Iterable[str]]]) -> Privacy:
    """From (repository, private, package ids it uses) for each scanned repository."""
    hidden: set[str] = set()
    public: set[str] = set()
    for name, private, packages in repositories:
        if private:
            hidden.add(name.casefold())
        else:
            public.update(packages)
    return Privacy(frozenset(hidden), frozenset(public))


def hide_private(plan: Plan, privacy: Privacy) -> Plan:
    """The plan with private names folded away; recipients, amounts and totals unchanged."""
    if not privacy.private_repositories:
        return plan
    return replace(
        plan,
        lines=tuple(_line(line, privacy) for line in plan.lines),
        unfunded=_unfunded(plan.unfunded, privacy),
        unchecked=_unfunded(plan.unchecked, privacy),
        # Package ids only private repositories use; recipient ids (`github:…`, `url:…`)
        # always appear, as their lines do.
        excluded=tuple(
            e for e in plan.excluded if _is_recipient(e.package) or _shown(e.package, privacy)
        ),
        errors=_errors(plan.errors, privacy),
    )


def hide_skipped(
    skipped: Sequence[tuple[str, str]], privacy: Privacy
) -> tuple[tuple[str, str], ...]:
    """Skipped repositories: the public ones by name, the private ones counted."""
    shown = tuple((name, why) for name, why in skipped if not privacy.private(name))
    hidden = [(name, why) for name, why in skipped if privacy.private(name)]
    if not hidden:
        return shown
    reasons = ", ".join(sorted({why for _, why in hidden}))
    return (*shown, (LABEL.format(count=len(hidden)), reasons))


def _shown(package: str, privacy: Privacy) -> bool:
    return package in privacy.public_packages


def _is_recipient(package: str) -> bool:
    """A recipient id (`github:…`, `url:…`) rather than a package id (`npm:…`)."""
    return package.partition(":")[0] not in ECOSYSTEMS


def _folded(names: Sequence[str], keep: Iterable[str], label: str) -> tuple[str, ...]:
    kept = tuple(keep)
    return (*kept, label) if len(kept) < len(names) else kept


def _line(line: PlanLine, privacy: Privacy) -> PlanLine:
    label = privacy.label(line.repositories)
    public_repositories = [r for r in line.repositories if not privacy.private(r)]
    packages = _folded(line.packages, (p for p in line.packages if _shown(p, privacy)), label)
    hidden = [a for a in line.attribution if privacy.private(a.repository)]
    attribution = tuple(
        replace(a, packages=tuple(p for p in a.packages if _shown(p, privacy)))
        for a in line.attribution
        if not privacy.private(a.repository)
    )
    if hidden:
        attribution += (Attribution(label, sum(a.amount for a in hidden)),)
    return replace(
        line,
        packages=packages,
        repositories=_folded(line.repositories, public_repositories, label),
        attribution=attribution,
        because=_because(line.because, privacy, label),
    )


def _because(because: Sequence[Because], privacy: Privacy, label: str) -> tuple[Because, ...]:
    out: list[Because] = []
    hidden_share = 0.0
    hidden_scope = ""
    for b in because:
        if not _shown(b.package, privacy):
            hidden_share += b.share
            hidden_scope = hidden_scope or b.scope
        elif b.via is not None and not _shown(b.via, privacy):
            out.append(replace(b, via=label))
        else:
            out.append(b)
    if hidden_share:
        out.append(Because(label, None, hidden_scope, hidden_share))
    return tuple(out)


def _unfunded(packages: Sequence[UnfundedPackage], privacy: Privacy) -> tuple[UnfundedPackage, ...]:
    return tuple(
        replace(
            u,
            repositories=_folded(
                u.repositories,
                (r for r in u.repositories if not privacy.private(r)),
                privacy.label(u.repositories),
            ),
        )
        for u in packages
        if _shown(u.package, privacy)
    )


def _errors(errors: Sequence[ScanError], privacy: Privacy) -> tuple[ScanError, ...]:
    """Files of private repositories (named `owner/repo: path`) are counted, not named."""
    shown = [e for e in errors if not privacy.private(e.manifest.partition(": ")[0])]
    hidden = {e.manifest.partition(": ")[0].casefold() for e in errors} - {
        e.manifest.partition(": ")[0].casefold() for e in shown
    }
    if len(shown) == len(errors):
        return tuple(errors)
    count = len(errors) - len(shown)
    what = "file" if count == 1 else "files"
    note = ScanError(LABEL.format(count=len(hidden)), f"{count} {what} could not be read")
    return (*shown, note)
