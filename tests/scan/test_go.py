"""Rules of the go.mod scanner: indirect comments, replace, exclude, ignored directives."""

from __future__ import annotations

import pytest

from fundbot.errors import ManifestError
from fundbot.model import Dependency
from fundbot.scan import go, scanner_for


def _deps(text: str) -> list[tuple[str, str | None, bool, str | None]]:
    found = go.parse("m/go.mod", text) or []
    assert all(d.scope == "runtime" and d.manifest == "m/go.mod" for d in found)
    return [(d.name, d.version, d.direct, d.skip_reason) for d in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("require a.io/x v1.0.0", [("a.io/x", "v1.0.0", True, None)]),
        ("require (\n a.io/x v1.0.0 // indirect\n)", [("a.io/x", "v1.0.0", False, None)]),
        ("require a.io/x v1.0.0 // indirect; why", [("a.io/x", "v1.0.0", False, None)]),
        ("require a.io/x v1.0.0 // not indirect", [("a.io/x", "v1.0.0", True, None)]),
        ('require "a.io/x" `v1.0.0`', [("a.io/x", "v1.0.0", True, None)]),
        ("require ( a.io/x v1.0.0 )", [("a.io/x", "v1.0.0", True, None)]),
        ("require a.io/Caps/v2 v2.0.0", [("a.io/Caps/v2", "v2.0.0", True, None)]),
        ("require a.io/x", [("a.io/x", None, True, "invalid")]),
        ("require a.io/x v1.0.0\nrequire a.io/x v1.0.0", [("a.io/x", "v1.0.0", True, None)]),
    ],
)
def test_require_forms(text: str, expected: list[tuple[str, str | None, bool, str | None]]) -> None:
    """Single-line and block requires, quoting, `// indirect` and duplicates."""
    assert _deps(text) == expected


REQ = "require (\n a.io/x v1.0.0\n b.io/y v2.0.0 // indirect\n)\n"


@pytest.mark.parametrize(
    ("directive", "expected_x"),
    [
        ("replace a.io/x => ../x", ("a.io/x", "v1.0.0", True, "path")),
        ("replace a.io/x v1.0.0 => ./x", ("a.io/x", "v1.0.0", True, "path")),
        ("replace a.io/x => /abs/x", ("a.io/x", "v1.0.0", True, "path")),
        ("replace a.io/x => f.io/x v1.0.1", ("f.io/x", "v1.0.1", True, None)),
        ("replace a.io/x v1.0.0 => f.io/x v1.0.2", ("f.io/x", "v1.0.2", True, None)),
        ("replace a.io/x v0.9.0 => f.io/x v1.0.2", ("a.io/x", "v1.0.0", True, None)),
        ("replace (\n a.io/x => f.io/x v3.0.0\n)", ("f.io/x", "v3.0.0", True, None)),
        ("exclude a.io/x v0.5.0", ("a.io/x", "v1.0.0", True, None)),
    ],
)
def test_replace(directive: str, expected_x: tuple[str, str | None, bool, str | None]) -> None:
    """A replacement by a directory is a path dependency; by a module, that module is used."""
    assert _deps(REQ + directive) == [expected_x, ("b.io/y", "v2.0.0", False, None)]


def test_exclude_drops_the_exact_version() -> None:
    """An excluded version is never selected, so it is not a dependency."""
    assert _deps(REQ + "exclude (\n a.io/x v1.0.0\n)") == [("b.io/y", "v2.0.0", False, None)]


def test_other_directives_are_not_dependencies() -> None:
    """module, go, toolchain, godebug, retract and tool lines add nothing."""
    text = (
        "module a.io/me\ngo 1.22\ntoolchain go1.22.1\ngodebug panicnil=1\n"
        "retract [v1.0.0, v1.0.1]\nretract (\n v0.1.0\n)\ntool a.io/me/cmd/t\n"
    )
    assert go.parse("go.mod", text) == []


def test_go_sum_is_not_scanned() -> None:
    """go.sum holds hashes of every downloaded module, not the dependency set."""
    assert scanner_for("a/go.sum") is None


def test_unclosed_block_is_an_error() -> None:
    """A block that never closes is a broken file, reported with where it opened."""
    with pytest.raises(ManifestError, match="line 2"):
        go.parse("go.mod", "module a\nrequire (\n a.io/x v1.0.0\n")


def test_result_is_dependency_values() -> None:
    """The scanner returns plain Dependency values with the path as given."""
    assert go.parse("x/go.mod", "require a.io/x v1.0.0") == [
        Dependency("go", "a.io/x", "v1.0.0", "runtime", True, "x/go.mod")
    ]
