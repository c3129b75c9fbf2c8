"""Rules of the pub scanner: dependency forms, sections, lockfile kinds and sources."""

from __future__ import annotations

import pytest

from fundbot.errors import ManifestError
from fundbot.scan import pub


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("^1.0.0", ("^1.0.0", None)),
        ("any", ("any", None)),
        ("", (None, None)),
        ("1", ("1", None)),
        ("\n    hosted: https://pub.example.com\n    version: ^2.0.0", ("^2.0.0", None)),
        ("\n    git:\n      url: https://x/a.git\n      ref: main", (None, "git")),
        ("\n    git: https://x/a.git", (None, "git")),
        ("\n    path: ../a", (None, "path")),
        ("\n    sdk: flutter", (None, "sdk")),
        ("[1, 2]", (None, "invalid")),
    ],
)
def test_manifest_forms(spec: str, expected: tuple[str | None, str | None]) -> None:
    """Each way of declaring a package gives its requirement and skip reason."""
    (dep,) = pub.parse("pubspec.yaml", f"name: x\ndependencies:\n  a: {spec}\n") or []
    assert (dep.name, dep.version, dep.skip_reason, dep.scope, dep.direct) == (
        "a",
        *expected,
        "runtime",
        True,
    )


def test_manifest_sections() -> None:
    """dev_dependencies is dev; dependency_overrides adds nothing."""
    text = (
        "dependencies:\n  a: ^1.0.0\ndev_dependencies:\n  b: ^2.0.0\n"
        "dependency_overrides:\n  c: 1.0.0\n"
    )
    found = pub.parse("pubspec.yaml", text) or []
    assert [(d.name, d.scope) for d in found] == [("a", "runtime"), ("b", "dev")]


@pytest.mark.parametrize(
    ("kind", "source", "expected"),
    [
        ('"direct main"', "hosted", ("runtime", True, None)),
        ('"direct dev"', "hosted", ("dev", True, None)),
        ('"direct overridden"', "hosted", ("runtime", True, None)),
        ("transitive", "hosted", ("runtime", False, None)),
        ('"direct main"', "git", ("runtime", True, "git")),
        ('"direct main"', "path", ("runtime", True, "path")),
        ("transitive", "sdk", ("runtime", False, "sdk")),
    ],
)
def test_lock_kinds_and_sources(
    kind: str, source: str, expected: tuple[str, bool, str | None]
) -> None:
    """pubspec.lock's `dependency` gives scope and direct; its `source` gives the skip."""
    text = f'packages:\n  a:\n    dependency: {kind}\n    source: {source}\n    version: "1.2.3"\n'
    (dep,) = pub.parse("pubspec.lock", text) or []
    assert (dep.scope, dep.direct, dep.skip_reason, dep.version) == (*expected, "1.2.3")


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("pubspec.yaml", "- a\n- b\n"),
        ("pubspec.yaml", "dependencies: [a, b]\n"),
        ("pubspec.lock", "packages: [a]\n"),
    ],
)
def test_wrong_shapes_are_errors(path: str, text: str) -> None:
    """A file of the wrong shape is a ManifestError naming the file."""
    with pytest.raises(ManifestError) as info:
        pub.parse(path, text)
    assert info.value.path == path
