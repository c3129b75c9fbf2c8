"""links.packages: the repository a package's name already says, for resolver and plan alike."""

from __future__ import annotations

import pytest

from fundbot.links.packages import direct_repository


@pytest.mark.parametrize(
    ("ecosystem", "name", "expected"),
    [
        ("github-actions", "actions/checkout", "https://github.com/actions/checkout"),
        ("swift", "https://github.com/apple/swift-nio.git", "https://github.com/apple/swift-nio"),
        ("go", "github.com/spf13/cobra/v2", "https://github.com/spf13/cobra"),
        ("go", "gopkg.in/yaml.v3", "https://github.com/go-yaml/yaml"),
        ("go", "golang.org/x/net", None),  # a vanity host: only its go-import tag says
        ("pypi", "requests", None),  # a registry's to say
    ],
)
def test_direct_repository(ecosystem: str, name: str, expected: str | None) -> None:
    assert direct_repository(ecosystem, name) == expected


def test_the_plan_may_guess_a_go_repository_on_any_code_host() -> None:
    name = "gitlab.com/acme/group/lib"
    assert direct_repository("go", name) is None  # the resolver asks its go-import tag
    assert direct_repository("go", name, guess=True) == "https://gitlab.com/acme/group/lib"
    assert direct_repository("go", "golang.org/x/net", guess=True) is None
