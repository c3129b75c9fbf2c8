"""The plain values that flow through fundbot's pipeline: scan, resolve, plan, render."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Literal, get_args

Scope = Literal["runtime", "dev", "test", "build", "optional", "peer"]
SCOPES: Final[tuple[Scope, ...]] = get_args(Scope)

# Why a dependency cannot be looked up in a public registry. Closed set: a scanner that
# meets something new picks the nearest reason rather than inventing one.
SkipReason = Literal[
    "docker",  # a `docker://` image (GitHub Actions)
    "git",  # fetched from a git repository, not a registry
    "invalid",  # a declaration fundbot could not make sense of
    "local",  # a local action or file in the same repository (`./…`)
    "path",  # a path dependency on another directory
    "sdk",  # provided by a toolchain SDK (Flutter, Dart)
    "url",  # a direct URL (tarball, wheel)
    "workspace",  # a member of the same workspace/monorepo
]
SKIP_REASONS: Final[tuple[SkipReason, ...]] = get_args(SkipReason)

ECOSYSTEMS: Final[tuple[str, ...]] = (
    "cargo",
    "github-actions",
    "go",
    "hex",
    "maven",
    "npm",
    "nuget",
    "packagist",
    "pub",
    "pypi",
    "rubygems",
    "swift",
)


@dataclass(frozen=True, slots=True)
class Dependency:
    """One dependency as declared (or locked) in one manifest file."""

    ecosystem: str
    name: str
    # The resolved version, or the requirement as written, or None.
    version: str | None
    scope: Scope
    direct: bool
    # Path of the file it was found in, relative to the scanned root, `/`-separated.
    manifest: str
    skip_reason: SkipReason | None = None
    # Names (same ecosystem) of the packages this locked entry requires, sorted; `()` for a
    # leaf. None: the file's format records no edges (a manifest, requirements, go.mod), so
    # the plan weighs this entry by the flat rule (`transitive_weight`).
    requires: tuple[str, ...] | None = None

    @property
    def key(self) -> tuple[str, str]:
        """The package identity used for funding lookups."""
        return (self.ecosystem, self.name)


@dataclass(frozen=True, slots=True)
class ScanError:
    """A file that could not be read; shown to the user, never fatal to a scan."""

    manifest: str
    error: str


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What a scan of one tree found: dependencies plus the files it could not read."""

    dependencies: tuple[Dependency, ...]
    errors: tuple[ScanError, ...]
    files_scanned: int = 0


# ---------------------------------------------------------------------------------------
# Funding

# The funding platforms fundbot knows, in the default order of preference; a link on any
# other platform is "custom".
PLATFORMS: Final[tuple[str, ...]] = (
    "github",
    "open_collective",
    "thanks_dev",
    "polar",
    "liberapay",
    "ko_fi",
    "patreon",
    "buy_me_a_coffee",
    "tidelift",
    "issuehunt",
    "lfx_crowdfunding",
    "community_bridge",
    "funding_json",
    "custom",
)


@dataclass(frozen=True, slots=True)
class FundingChannel:
    """One place where a project accepts money, and where fundbot learnt of it."""

    platform: str  # one of PLATFORMS; an unknown platform becomes "custom"
    url: str  # normalised: https, no tracking parameters, no trailing slash
    handle: str | None  # the account on the platform (`sindresorhus`), when there is one
    found_via: str  # e.g. "npm:funding", "pypi:project_urls", "github:fundingLinks"


# A sponsor button read without a GitHub token: its account is known, where it leads is not.
TO_CONFIRM: Final = "to confirm with a GitHub token"


def unconfirmed_account(platform: str, handle: str | None, url: str) -> bool:
    """Whether a channel (or plan line) is a GitHub account grouped from sponsor buttons that
    nobody could follow without a token (see `TO_CONFIRM`)."""
    return (
        platform == "custom"
        and bool(handle)
        and url.casefold() == f"https://github.com/{handle}".casefold()
    )


@dataclass(frozen=True, slots=True)
class FundingPlanOffer:
    """An asking amount stated in a funding.json `plans` entry."""

    name: str
    amount: float
    currency: str
    frequency: str  # one-time, weekly, fortnightly, monthly, yearly, other
    channels: tuple[str, ...] = ()


# Why a lookup failed, in a form code can act on (the reason text beside it is for people):
# set where the failure happens (`FetchError.kind`) and carried to the unchecked label.
UncheckedKind = Literal["unreachable", "rate_limited", "address_refused", "unreadable", "too_big"]


@dataclass(frozen=True, slots=True)
class PackageFunding:
    """Everything known about where one package's people accept money."""

    ecosystem: str
    name: str
    repository: str | None  # normalised `https://host/owner/repo`
    channels: tuple[FundingChannel, ...]
    checked_at: float  # unix time of the lookup
    unknown_reason: str | None = None  # why something could not be found out
    offers: tuple[FundingPlanOffer, ...] = ()
    # What kind of failure `unknown_reason` is, when a lookup failed (see UncheckedKind).
    unchecked_kind: UncheckedKind | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.ecosystem, self.name)


# ---------------------------------------------------------------------------------------
# The pledge plan


DevelopersSource = Literal["configured", "estimate"]


@dataclass(frozen=True, slots=True)
class DeveloperCount:
    """How many developers the budget is sized for, and how fundbot knows."""

    count: int
    source: DevelopersSource
    # One line on how it was obtained, e.g. "distinct human commit authors in the last
    # 90 days across 12 repositories" or "`developers` in .github/fundbot.yml".
    method: str = ""


@dataclass(frozen=True, slots=True)
class Attribution:
    """The part of a plan line attributable to one repository."""

    repository: str  # `owner/repo`
    amount: int  # USD per year
    packages: tuple[str, ...] = ()  # the recipient's packages this repository uses


@dataclass(frozen=True, slots=True)
class Because:
    """One of the largest contributions to a plan line's weight, to explain the amount."""

    package: str  # `ecosystem:name`, one of the line's packages
    via: str | None  # the direct dependency it is reached through; None: direct (or flat)
    scope: str  # the scope of `via` (or of the package itself when direct)
    share: float  # the part of the line's weight, 0 < share ≤ 1


@dataclass(frozen=True, slots=True)
class PlanLine:
    """One recipient in the plan and how much it gets per year."""

    recipient: str  # `github:sindresorhus`, `open_collective:express`, `url:https://…`
    platform: str
    url: str  # where to pay
    handle: str | None
    amount: int  # whole USD per year
    weight: float
    packages: tuple[str, ...]  # `ecosystem:name`, heaviest first
    repositories: tuple[str, ...]  # `owner/repo` of the organisation's repos using them
    attribution: tuple[Attribution, ...] = ()
    funded_elsewhere: bool = False
    # Whole USD paid to this recipient in the plan's year, from the payments ledger.
    paid_usd: int = 0
    because: tuple[Because, ...] = ()  # the largest contributions, largest first (up to 3)

    @property
    def remaining_usd(self) -> int:
        """What is still to pay this year; never negative (an overpaid line has 0 left)."""
        return max(0, self.amount - self.paid_usd)

    @property
    def overpaid_usd(self) -> int:
        """How much more than its line the recipient was paid (0 when not overpaid)."""
        return max(0, self.paid_usd - self.amount)


@dataclass(frozen=True, slots=True)
class UnfundedPackage:
    """A dependency with no known funding channel: a candidate to ask for a FUNDING.yml."""

    package: str  # `ecosystem:name`
    weight: float
    repository: str | None  # its source repository, when known
    repositories: tuple[str, ...]  # the organisation's repos that use it
    # Why nothing is known: "no funding listed on pypi, github", or a lookup that failed
    # ("crates.io: connection failed after 4 attempts"), which the next run retries.
    reason: str | None = None
    unchecked_kind: UncheckedKind | None = None  # set when the lookup failed

    @property
    def label(self) -> str:
        """The short, countable form of why it is unchecked (see `unchecked_label`)."""
        return unchecked_label(self.reason, self.unchecked_kind)

    @property
    def unchecked(self) -> bool:
        """True when the lookup itself failed: nobody knows yet whether it accepts money."""
        return self.reason is not None and not self.reason.startswith(CHECKED_REASONS)


# Reasons that are answers, not failures: the package was looked up and has no funding.
CHECKED_REASONS: Final[tuple[str, ...]] = ("no funding listed", "not found on", "no source for")

# Stems of the reasons the resolver writes when it could not check a package; the short
# label (`crates.io unreachable`, `GitHub not consulted`) is what every output counts by.
GITHUB_NOT_CONSULTED: Final = "GitHub not consulted"
OFFLINE_STEM: Final = "offline: not in cache"
NOT_LOOKED_UP: Final = "not looked up"


# The label of each kind of failure, after where it happened (`pypi rate-limited`).
UNCHECKED_LABELS: Final[dict[UncheckedKind, str]] = {
    "unreachable": "unreachable",
    "rate_limited": "rate-limited",
    "address_refused": "address refused",
    "unreadable": "answered unreadably",
    "too_big": "unreachable",  # as before kinds existed: an answer it could not take
}


def unchecked_label(reason: str | None, kind: UncheckedKind | None = None) -> str:
    """The short, countable form of why a package could not be checked.

    Failure reasons read `<where>: <what happened>` (`crates.io: connection failed …`,
    `npm: HTTP 429 after 4 attempts`); the label keeps where, and the kind of failure that
    the lookup recorded (`kind`; none recorded reads as unreachable).
    """
    text = (reason or "").split(";")[0].strip()
    if text.startswith(GITHUB_NOT_CONSULTED):
        return GITHUB_NOT_CONSULTED
    if text.startswith(OFFLINE_STEM):
        return "not in cache (--offline)"
    if text == NOT_LOOKED_UP:
        return NOT_LOOKED_UP
    where, _, what = text.partition(": ")
    if not what:
        # `GitHub rate limit reached, resets at …`: the first word says where.
        where, what = text.split(" ")[0], text
    if not text:
        return NOT_LOOKED_UP
    return f"{where} {UNCHECKED_LABELS[kind or 'unreachable']}"


# Why a package or recipient is left out of a plan. Closed set, so that code can act on the
# kind; the reason text is for people and may change.
ExclusionKind = Literal[
    "owned",  # the organisation's own package or account
    "pattern",  # matches an `exclude` pattern (configured, or added by a command)
    "skipped",  # only declared in ways no registry can look up (a skip_reason)
    "person",  # excluded by a person through a command (`/fundbot exclude`)
    "platform",  # funding only on platforms not in `platform_order`
    "unused",  # weight 0 under `scope_weights` and `transitive_weight`
    "below_minimum",  # would get less than `min_amount`
    "max_recipients",  # beyond `max_recipients`
    "other",  # made by hand without a kind; the plan itself always names one
]
EXCLUSION_KINDS: Final[tuple[ExclusionKind, ...]] = get_args(ExclusionKind)


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A package or recipient left out of the plan, and why."""

    package: str  # `ecosystem:name`, or a recipient id
    reason: str  # e.g. "owned by acme", "matches exclude pattern `npm:@acme/*`", "git"
    kind: ExclusionKind = "other"


@dataclass(frozen=True, slots=True)
class Payment:
    """Money that moved: one row of the payments ledger (or one reconstructed payment)."""

    date: str  # YYYY-MM-DD
    recipient: str  # a recipient id, as plan lines write them (`github:hynek`, `url:https://…`)
    amount: Decimal  # in `currency`
    currency: str  # ISO 4217, upper case
    amount_usd: Decimal  # what the Pledge counts; equal to `amount` for USD
    platform: str
    reference: str  # unique per source: a transaction or invoice id
    note: str = ""
    source: str = ""  # where it was read: `payments/2026.csv:4`, `GitHub Sponsors`
    # Rebuilt from sponsorships and GitHub's billing rules, not read from a statement.
    reconstructed: bool = False


@dataclass(frozen=True, slots=True)
class HeldBack:
    """The share of the budget kept for packages that could not be checked yet:
    budget x (their weight / all weight), whole units; released once they are checked."""

    amount: int = 0  # per year, in the plan's currency
    packages: int = 0
    reasons: tuple[tuple[str, int], ...] = ()  # (short label, packages), most first
    checked_share: float = 1.0  # the checked part of the dependency weight, 0..1


@dataclass(frozen=True, slots=True)
class Plan:
    """How much to give whom, per year."""

    budget: int
    developers: int
    developers_source: DevelopersSource
    developers_method: str
    per_developer: int
    currency: str
    lines: tuple[PlanLine, ...]
    unfunded: tuple[UnfundedPackage, ...] = ()
    excluded: tuple[Exclusion, ...] = ()
    errors: tuple[ScanError, ...] = ()
    # Hash of everything the plan was computed from; equal fingerprints, same plan.
    fingerprint: str = ""
    dependencies_covered: int = 0
    notes: tuple[str, ...] = field(default=())
    # Planned against paid (set by `ledger.reconcile`; absent, nothing is known of payments).
    paid_known: bool = False
    paid_year: int | None = None
    paid_usd: int = 0  # every payment of the year, in the plan or outside it
    payments_outside_plan: int = 0  # USD to recipients the plan does not list
    payments: tuple[Payment, ...] = ()  # the year's payments, oldest first
    months_left: int = 12  # months of the plan's year still to come, this one included
    # Packages that could not be checked (UnfundedPackage.unchecked), apart from `unfunded`,
    # which lists only packages that were checked and have no channel.
    unchecked: tuple[UnfundedPackage, ...] = ()
    held_back: HeldBack = HeldBack()
