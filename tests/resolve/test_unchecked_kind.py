"""Review of issue 13: why a package is unchecked is carried as a kind from where the lookup
failed to where its label is made, not guessed from the reason's text."""

from __future__ import annotations

import pytest

from fundbot.model import UncheckedKind, UnfundedPackage, unchecked_label
from fundbot.resolve.base import Finding, PackageQuery
from fundbot.resolve.merge import Merged


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("unreachable", "pypi unreachable"),
        ("rate_limited", "pypi rate-limited"),
        ("address_refused", "pypi address refused"),
        ("unreadable", "pypi answered unreadably"),
        ("too_big", "pypi unreachable"),
        (None, "pypi unreachable"),
    ],
)
def test_the_label_comes_from_the_kind(kind: UncheckedKind | None, label: str) -> None:
    """The same text gets whatever label its kind says; no kind reads as unreachable."""
    assert unchecked_label("pypi: something happened", kind) == label


def test_words_in_a_reason_no_longer_decide_its_label() -> None:
    """A registry's own message saying "rate limit" or "address refused" is just text."""
    assert unchecked_label("npm: HTTP 500 (rate limit, address refused)") == "npm unreachable"


def test_the_first_failure_gives_the_package_its_kind() -> None:
    """Merged keeps the kind of the error its reason starts with, into PackageFunding and
    the plan's unfunded entry."""
    merged = Merged(PackageQuery("go", "internal.corp/x"))
    refused = "go: address refused: internal.corp is not a public address"
    merged.add("go", Finding(error=refused, error_kind="address_refused"))
    merged.add("github", Finding(error="GitHub: HTTP 502 after 4 attempts"))
    funding = merged.result(0.0)
    assert (funding.unchecked_kind, funding.unknown_reason) == (
        "address_refused",
        f"{refused}; GitHub: HTTP 502 after 4 attempts",
    )
    entry = UnfundedPackage("go:internal.corp/x", 1.0, None, ("acme/a",), funding.unknown_reason)
    assert entry.label == "go unreachable"  # no kind given: not guessed from the text
    kinded = UnfundedPackage("go:internal.corp/x", 1.0, None, (), refused, "address_refused")
    assert kinded.label == "go address refused"
    assert Merged(PackageQuery("npm", "x")).result(0.0).unchecked_kind is None
