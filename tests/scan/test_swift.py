"""Rules of the SwiftPM scanner: repository names, resolved formats, requirement forms."""

from __future__ import annotations

import json

import pytest

from fundbot.errors import ManifestError
from fundbot.scan import swift


@pytest.mark.parametrize(
    ("location", "name"),
    [
        (
            "https://github.com/pointfreeco/swift-composable-architecture",
            "github.com/pointfreeco/swift-composable-architecture",
        ),
        ("https://github.com/Apple/Swift-Log.git", "github.com/apple/swift-log"),
        ("https://github.com/apple/swift-log.git/", "github.com/apple/swift-log"),
        ("git@github.com:apple/swift-nio.git", "github.com/apple/swift-nio"),
        ("ssh://git@gitlab.com/acme/kit.git", "gitlab.com/acme/kit"),
        ("http://example.com/a/b", "example.com/a/b"),
    ],
)
def test_repository_name(location: str, name: str) -> None:
    """Every spelling of a repository URL gives one lower-case `host/owner/repo` name."""
    assert swift.repository_name(location) == name


PIN_V2 = {
    "identity": "swift-log",
    "kind": "remoteSourceControl",
    "location": "https://github.com/apple/swift-log.git",
    "state": {"revision": "abc", "version": "1.5.4"},
}


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            {
                "version": 1,
                "object": {
                    "pins": [
                        {
                            "package": "Log",
                            "repositoryURL": "https://github.com/apple/swift-log",
                            "state": {"branch": None, "revision": "abc", "version": "1.0.0"},
                        }
                    ]
                },
            },
            ("github.com/apple/swift-log", "1.0.0", None),
        ),
        ({"version": 2, "pins": [PIN_V2]}, ("github.com/apple/swift-log", "1.5.4", None)),
        (
            {"version": 3, "pins": [{**PIN_V2, "state": {"branch": "main", "revision": "abc"}}]},
            ("github.com/apple/swift-log", "main", None),
        ),
        (
            {"version": 3, "pins": [{**PIN_V2, "state": {"revision": "abc"}}]},
            ("github.com/apple/swift-log", "abc", None),
        ),
        (
            {
                "version": 2,
                "pins": [{**PIN_V2, "kind": "localSourceControl", "location": "/src/Kit"}],
            },
            ("swift-log", "1.5.4", "path"),
        ),
    ],
)
def test_resolved_versions(document: object, expected: tuple[str, str, str | None]) -> None:
    """v1, v2 and v3 pins: version, else branch, else revision; local pins are paths."""
    (dep,) = swift.parse("Package.resolved", json.dumps(document)) or []
    assert (dep.name, dep.version, dep.skip_reason, dep.direct) == (*expected, False)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            '.package(url: "https://github.com/a/b.git", from: "1.0.0")',
            ("github.com/a/b", "from: 1.0.0", None),
        ),
        (
            '.package(url: "https://github.com/a/b", .upToNextMajor(from: "1.0.0"))',
            ("github.com/a/b", "upToNextMajor(from: 1.0.0)", None),
        ),
        (
            '.package(url: "https://github.com/a/b", exact: "1.2.3")',
            ("github.com/a/b", "1.2.3", None),
        ),
        (
            '.package(url: "https://github.com/a/b", .exact("1.2.3"))',
            ("github.com/a/b", "1.2.3", None),
        ),
        ('.package(url: "https://github.com/a/b", branch: "dev")', ("github.com/a/b", "dev", None)),
        (
            '.package(url: "https://github.com/a/b", revision: "abc")',
            ("github.com/a/b", "abc", None),
        ),
        (
            '.package(url: "https://github.com/a/b", "1.0.0"..<"2.0.0")',
            ("github.com/a/b", "1.0.0..<2.0.0", None),
        ),
        (
            '.package(name: "B", url: "https://github.com/a/b", from: "1.0.0")',
            ("github.com/a/b", "from: 1.0.0", None),
        ),
        ('.package(path: "../Kit")', ("kit", None, "path")),
        ('.package(id: "acme.kit", from: "1.0.0")', ("acme.kit", "from: 1.0.0", None)),
    ],
)
def test_manifest_forms(call: str, expected: tuple[str, str | None, str | None]) -> None:
    """Each `.package` form gives its repository name and requirement, as direct."""
    text = f'let package = Package(name: "X", dependencies: [\n  {call},\n])\n'
    (dep,) = swift.parse("Package.swift", text) or []
    assert (dep.name, dep.version, dep.skip_reason, dep.direct) == (*expected, True)


def test_manifest_comments_are_not_dependencies() -> None:
    """Commented-out packages are ignored, while `//` inside URLs is kept."""
    text = (
        '// .package(url: "https://github.com/x/line", from: "1.0.0"),\n'
        '/* .package(url: "https://github.com/x/block", from: "1.0.0"), */\n'
        '.package(url: "https://github.com/x/kept", from: "1.0.0") // trailing\n'
    )
    assert [d.name for d in swift.parse("Package.swift", text) or []] == ["github.com/x/kept"]


@pytest.mark.parametrize("text", ["[]", '{"pins": {}}', '{"version": 1, "object": {"pins": 3}}'])
def test_resolved_wrong_shapes(text: str) -> None:
    """A Package.resolved of the wrong shape is a ManifestError naming the file."""
    with pytest.raises(ManifestError):
        swift.parse("Package.resolved", text)
