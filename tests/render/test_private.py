"""A public plan issue's view of a plan (issue 13, item 6): private names folded, amounts kept."""

from __future__ import annotations

from fundbot.model import (
    Attribution,
    Because,
    Exclusion,
    Plan,
    PlanLine,
    ScanError,
    UnfundedPackage,
)
from fundbot.render.context import IssueContext
from fundbot.render.issue import render_plan_issue
from fundbot.render.private import hide_private, hide_skipped, privacy

SECRETS = ("acme/vault", "npm:secret-sdk", "npm:secret-cli", "vault.js")
PRIVACY = privacy(
    [
        ("acme/shop", False, ["npm:chalk", "npm:left-pad"]),
        ("Acme/Vault", True, ["npm:chalk", "npm:secret-sdk", "npm:secret-cli"]),
    ]
)


def line(
    recipient: str, amount: int, packages: tuple[str, ...], repos: tuple[str, ...]
) -> PlanLine:
    return PlanLine(
        recipient=recipient,
        platform="github",
        url=f"https://github.com/sponsors/{recipient.partition(':')[2]}",
        handle=recipient.partition(":")[2],
        amount=amount,
        weight=1.0,
        packages=packages,
        repositories=repos,
        attribution=tuple(
            Attribution(r, amount // len(repos), tuple(p for p in packages)) for r in repos
        ),
        because=(
            Because(packages[0], None, "runtime", 0.5),
            Because(packages[-1], "npm:secret-cli", "dev", 0.3),
            Because("npm:chalk", "npm:secret-cli", "dev", 0.2),
        ),
    )


PLAN = Plan(
    budget=10_000,
    developers=5,
    developers_source="configured",
    developers_method="",
    per_developer=2000,
    currency="USD",
    lines=(
        line(
            "github:sindresorhus",
            6000,
            ("npm:chalk", "npm:secret-sdk"),
            ("acme/shop", "acme/vault"),
        ),
        line("github:spy", 4000, ("npm:secret-sdk",), ("acme/vault",)),
    ),
    unfunded=(
        UnfundedPackage("npm:left-pad", 1.0, None, ("acme/shop", "acme/vault")),
        UnfundedPackage("npm:secret-cli", 1.0, None, ("acme/vault",)),
    ),
    unchecked=(UnfundedPackage("npm:secret-sdk", 1.0, None, ("acme/vault",), "timeout"),),
    excluded=(
        Exclusion("npm:secret-cli", "matches exclude pattern `npm:secret-*`", "pattern"),
        Exclusion("github:acme", "owned by acme", "owned"),
        Exclusion("npm:left-pad", "weight 0", "unused"),
    ),
    errors=(
        ScanError("acme/vault: vault.js/package.json", "bad JSON"),
        ScanError("acme/vault: b/package.json", "bad JSON"),
        ScanError("acme/shop: package.json", "bad JSON"),
    ),
)


def test_names_are_folded_and_amounts_kept() -> None:
    hidden = hide_private(PLAN, PRIVACY)
    assert [(x.recipient, x.amount) for x in hidden.lines] == [
        (x.recipient, x.amount) for x in PLAN.lines
    ]
    first, second = hidden.lines
    assert first.packages == ("npm:chalk", "private repositories (1)")
    assert first.repositories == ("acme/shop", "private repositories (1)")
    assert [a.repository for a in first.attribution] == ["acme/shop", "private repositories (1)"]
    assert sum(a.amount for a in first.attribution) == sum(
        a.amount for a in PLAN.lines[0].attribution
    )
    assert second.packages == ("private repositories (1)",)
    assert [b.package for b in second.because] == ["npm:chalk", "private repositories (1)"]
    assert second.because[0].via == "private repositories (1)"
    assert [u.package for u in hidden.unfunded] == ["npm:left-pad"]
    assert hidden.unfunded[0].repositories == ("acme/shop", "private repositories (1)")
    assert hidden.unchecked == ()
    assert [e.package for e in hidden.excluded] == ["github:acme", "npm:left-pad"]
    assert [e.manifest for e in hidden.errors] == [
        "acme/shop: package.json",
        "private repositories (1)",
    ]
    assert hidden.errors[1].error == "2 files could not be read"


def test_the_issue_names_nothing_private() -> None:
    ctx = IssueContext(
        owner="acme",
        repository=None,
        plan_issue_url=None,
        skipped_repositories=(("acme/vault", "archived"), ("acme/old", "fork")),
        privacy=PRIVACY,
    )
    body = render_plan_issue(PLAN, ctx)
    for secret in SECRETS:
        assert secret not in body
    assert "private repositories (1)" in body
    named = render_plan_issue(
        PLAN, IssueContext(owner="acme", repository=None, plan_issue_url=None)
    )
    assert all(secret in named for secret in SECRETS)


def test_nothing_private_changes_nothing() -> None:
    assert hide_private(PLAN, privacy([("acme/shop", False, [])])) is PLAN
    assert hide_skipped((("acme/old", "fork"),), PRIVACY) == (("acme/old", "fork"),)
    assert hide_skipped((("acme/vault", "archived"),), PRIVACY) == (
        ("private repositories (1)", "archived"),
    )
