"""The npm scanner's tricky rules: version specs, aliases, scopes, lockfile keys, dedup."""

from __future__ import annotations

import gc
import json
from typing import Any

import pytest

from fundbot.errors import ManifestError
from fundbot.model import Dependency
from fundbot.scan import npm, scan_file, scan_files, scanner_for
from fundbot.scan.npm._common import resolved_skip_reason, spec_skip_reason
from fundbot.scan.npm.package_json import declared
from fundbot.scan.npm.pnpm_lock import split_key, strip_peers


def _rows(deps: list[Dependency]) -> list[tuple[Any, ...]]:
    return [(d.name, d.version, d.scope, d.direct, d.skip_reason) for d in deps]


def _lock(packages: dict[str, Any], version: int = 3, **extra: Any) -> str:
    return json.dumps({"name": "x", "lockfileVersion": version, "packages": packages, **extra})


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("^1.2.3", None),
        (">=1.0.0 <2", None),
        ("1.0.0 - 2.0.0", None),
        ("latest", None),
        ("", None),
        ("catalog:", None),
        ("catalog:dev", None),
        ("npm:left-pad@^1", None),
        ("workspace:*", "workspace"),
        ("workspace:^1.0.0", "workspace"),
        ("file:../lib", "path"),
        ("link:./vendor/x", "path"),
        ("portal:./x", "path"),
        ("./tools/x", "path"),
        ("../x", "path"),
        ("/abs/x", "path"),
        ("git+https://github.com/a/b.git#v1", "git"),
        ("git+ssh://git@github.com/a/b.git", "git"),
        ("git://github.com/a/b.git", "git"),
        ("github:a/b#main", "git"),
        ("gitlab:a/b", "git"),
        ("a/b", "git"),
        ("a/b#semver:^1.0.0", "git"),
        ("https://github.com/a/b.git#abc", "git"),
        ("https://github.com/a/b", "git"),
        ("https://github.com/a/b/archive/v1.0.0.tar.gz", "url"),
        ("https://example.com/x-1.0.0.tgz", "url"),
        ("http://example.com/x.tar.gz", "url"),
        ("patch:left-pad@npm%3A1.3.0#./.yarn/patches/left-pad.patch", None),
        ("patch:x@https://example.com/x.tgz#./p.patch", "url"),
    ],
)
def test_spec_skip_reason(spec: str, reason: str | None) -> None:
    """Every npm/Yarn/pnpm version-spec form maps to the right skip reason (or none)."""
    assert spec_skip_reason(spec) == reason


@pytest.mark.parametrize(
    ("resolved", "reason"),
    [
        ("https://registry.npmjs.org/@babel/core/-/core-7.0.0.tgz", None),
        ("https://npm.pkg.github.com/download/@acme/x/1.0.0/abc", None),
        ("https://artifactory.acme.com/api/npm/npm/x/-/x-1.0.0.tgz", None),
        ("https://example.com/files/x-1.0.0.tgz", "url"),
        ("https://codeload.github.com/a/b/tar.gz/0123abc", "git"),
        ("git+ssh://git@github.com/a/b.git#0123abc", "git"),
        ("ssh://git@example.com/b.git", "git"),
        ("file:../local", "path"),
        ("packages/app", "path"),
    ],
)
def test_resolved_skip_reason(resolved: str, reason: str | None) -> None:
    """A lockfile `resolved` value: registries have none, everything else is explained."""
    assert resolved_skip_reason(resolved) == reason


@pytest.mark.parametrize(
    ("name", "spec", "expected"),
    [
        ("left-pad", "^1.3.0", ("left-pad", "^1.3.0", None)),
        ("cjs", "npm:string-width@^4.2.0", ("string-width", "^4.2.0", None)),
        ("alias", "npm:@scope/real@~2.0.0", ("@scope/real", "~2.0.0", None)),
        ("alias", "npm:@scope/real", ("@scope/real", "*", None)),
        ("alias", "npm:", ("alias", "npm:", "invalid")),
        ("from-catalog", "catalog:", ("from-catalog", "catalog:", None)),
        ("any", "", ("any", None, None)),
        ("spaced", "  ^1.0.0 ", ("spaced", "^1.0.0", None)),
        ("broken", 42, ("broken", None, "invalid")),
        ("broken", None, ("broken", None, "invalid")),
        ("ws", "workspace:*", ("ws", "workspace:*", "workspace")),
    ],
)
def test_package_json_declared(name: str, spec: Any, expected: tuple[Any, ...]) -> None:
    """One `name: spec` entry: aliases give the real name, odd values are kept as invalid."""
    assert declared(name, spec) == expected


def test_package_json_scopes_and_dedup() -> None:
    """Sections map to scopes; a name in two sections with one spec keeps the stronger scope."""
    text = json.dumps(
        {
            "dependencies": {"a": "^1"},
            "devDependencies": {"a": "^1", "b": "^2"},
            "peerDependencies": {"c": "^3", "b": ">=2"},
            "peerDependenciesMeta": {"c": {"optional": True}},
            "optionalDependencies": {"d": "^4"},
            "bundledDependencies": ["a"],
            "workspaces": ["packages/*"],
        }
    )
    assert _rows(npm.parse("package.json", text) or []) == [
        ("a", "^1", "runtime", True, None),
        ("d", "^4", "optional", True, None),
        ("c", "^3", "peer", True, None),
        ("b", ">=2", "peer", True, None),
        ("b", "^2", "dev", True, None),
    ]


@pytest.mark.parametrize(
    "text",
    ["[]", '"x"', '{"dependencies": ["a"]}', '{"devDependencies": "a"}', "{", ""],
)
def test_package_json_bad_shapes(text: str) -> None:
    """A package.json that is not a mapping, or has a list for a section, is a ManifestError."""
    with pytest.raises(ManifestError):
        npm.parse("package.json", text)


@pytest.mark.parametrize(
    ("key", "major", "expected"),
    [
        ("/left-pad/1.3.0", 5, ("left-pad", "1.3.0")),
        ("/@types/react/18.0.28", 5, ("@types/react", "18.0.28")),
        ("/react-dom/18.2.0_react@18.2.0", 5, ("react-dom", "18.2.0")),
        ("/@a/b/1.0.0_@c+d@2.0.0", 5, ("@a/b", "1.0.0")),
        ("/left-pad@1.3.0", 6, ("left-pad", "1.3.0")),
        ("/@babel/core@7.23.5(supports-color@8.1.1)", 6, ("@babel/core", "7.23.5")),
        ("/a@1.0.0(@b/c@2.0.0)(d@3.0.0)", 6, ("a", "1.0.0")),
        ("@vitejs/plugin-vue@6.0.8", 9, ("@vitejs/plugin-vue", "6.0.8")),
        ("vite@8.2.0(@types/node@22.0.0)", 9, ("vite", "8.2.0")),
        (
            "x@https://codeload.github.com/a/x/tar.gz/abc",
            9,
            ("x", "https://codeload.github.com/a/x/tar.gz/abc"),
        ),
        ("noversion", 9, None),
        ("/", 5, None),
    ],
)
def test_pnpm_split_key(key: str, major: int, expected: tuple[str, str] | None) -> None:
    """pnpm package keys of v5 (`/name/ver_peers`), v6 (`/name@ver(peers)`) and v9."""
    assert split_key(key, major) == expected


@pytest.mark.parametrize(
    ("version", "major", "expected"),
    [
        ("18.2.0_react@18.2.0", 5, "18.2.0"),
        ("5.0.12(@types/node@20.11.16)(terser@5.27.0)", 6, "5.0.12"),
        ("1.0.0", 9, "1.0.0"),
    ],
)
def test_pnpm_strip_peers(version: str, major: int, expected: str) -> None:
    """Peer suffixes are cut from resolved versions, in each lockfile generation's syntax."""
    assert strip_peers(version, major) == expected


def test_pnpm_v6_importer_alias_and_link() -> None:
    """An importer's alias resolves to the real package; `link:` is a workspace member."""
    text = """lockfileVersion: '6.0'
importers:
  .:
    devDependencies:
      eslint-plugin-import:
        specifier: npm:eslint-plugin-i@^2.29.1
        version: /eslint-plugin-i@2.29.1(eslint@8.56.0)
      '@vue/shared':
        specifier: workspace:*
        version: link:packages/shared
      local:
        specifier: ../local
        version: link:../local
packages:
  /eslint-plugin-i@2.29.1(eslint@8.56.0):
    resolution: {integrity: sha512-x}
    dev: true
"""
    assert _rows(npm.parse("pnpm-lock.yaml", text) or []) == [
        ("eslint-plugin-i", "2.29.1", "dev", True, None),
        ("@vue/shared", "workspace:*", "dev", True, "workspace"),
        ("local", "../local", "dev", True, "path"),
    ]


@pytest.mark.parametrize("version", ["", "banana", "[1]"])
def test_pnpm_unknown_lockfile_version(version: str) -> None:
    """A pnpm-lock.yaml without a usable lockfileVersion is a ManifestError, not a guess."""
    with pytest.raises(ManifestError):
        npm.parse("pnpm-lock.yaml", f"lockfileVersion: {version}\npackages: {{}}\n")


def test_package_lock_v2_reads_packages_only() -> None:
    """v2 carries both layouts: only `packages` is read, so nothing is counted twice."""
    text = _lock(
        {"": {"dependencies": {"a": "^1"}}, "node_modules/a": {"version": "1.0.0"}},
        version=2,
        dependencies={"a": {"version": "1.0.0"}, "only-in-v1": {"version": "9.9.9"}},
    )
    assert _rows(npm.parse("package-lock.json", text) or []) == [
        ("a", "1.0.0", "runtime", True, None)
    ]


def test_package_lock_flags_dedup_and_direct() -> None:
    """Flags give scopes, duplicates merge (runtime beats dev), the root's declarations are
    direct only at the top level, and a member's own node_modules counts for that member."""
    text = _lock(
        {
            "": {"devDependencies": {"a": "^1"}, "peerDependencies": {"p": "*"}},
            "packages/m": {"name": "@x/m", "dependencies": {"a": "^2"}},
            "node_modules/@x/m": {"resolved": "packages/m", "link": True},
            "node_modules/a": {"version": "1.0.0", "dev": True},
            "node_modules/b": {"version": "1.0.0", "dev": True},
            "node_modules/p": {"version": "3.0.0", "peer": True},
            "node_modules/o": {"version": "1.0.0", "optional": True},
            "node_modules/q": {"version": "1.0.0", "devOptional": True},
            "node_modules/c/node_modules/b": {"version": "1.0.0"},
            "node_modules/c/node_modules/a": {"version": "1.5.0"},
            "packages/m/node_modules/a": {"version": "2.0.0"},
        }
    )
    assert _rows(npm.parse("package-lock.json", text) or []) == [
        ("a", "1.0.0", "dev", True, None),
        ("b", "1.0.0", "runtime", False, None),
        ("p", "3.0.0", "peer", True, None),
        ("o", "1.0.0", "optional", False, None),
        ("q", "1.0.0", "optional", False, None),
        ("a", "1.5.0", "runtime", False, None),
        ("a", "2.0.0", "runtime", True, None),
        ("@x/m", None, "runtime", False, "path"),
    ]


@pytest.mark.parametrize(
    "packages",
    [
        {"node_modules/a": []},
        {"node_modules/a": {"version": ["1"]}},
        {"node_modules/a": {"version": "1", "name": 5}},
        {"node_modules/a": {"version": "1", "resolved": 7, "dev": "yes"}},
        {"": [], "packages/x": "y", "node_modules/a": {"version": "1"}},
        {"": {"dependencies": ["a"]}, "node_modules/a": {"version": "1"}},
    ],
)
def test_package_lock_odd_entries_never_crash(packages: dict[str, Any]) -> None:
    """Entries of the wrong shape are skipped or kept plainly; nothing else escapes."""
    found = npm.parse("package-lock.json", _lock(packages)) or []
    assert all(d.name == "a" and d.version == "1" for d in found)


def test_package_lock_restores_gc() -> None:
    """The parser pauses the cyclic GC while decoding and always turns it back on."""
    assert gc.isenabled()
    npm.parse("package-lock.json", _lock({"node_modules/a": {"version": "1"}}))
    assert gc.isenabled()
    with pytest.raises(ManifestError):
        npm.parse("package-lock.json", "{")
    assert gc.isenabled()


def test_package_lock_v1_nested() -> None:
    """lockfileVersion 1: nested trees, aliases in `version`, git/file/URL versions."""
    text = json.dumps(
        {
            "lockfileVersion": 1,
            "dependencies": {
                "a": {"version": "1.0.0", "dependencies": {"b": {"version": "2.0.0"}}},
                "cjs": {"version": "npm:string-width@4.2.3", "dev": True},
                "g": {"version": "github:u/g#abc"},
                "f": {"version": "file:../f", "optional": True},
            },
        }
    )
    assert _rows(npm.parse("npm-shrinkwrap.json", text) or []) == [
        ("a", "1.0.0", "runtime", False, None),
        ("string-width", "4.2.3", "dev", False, None),
        ("g", "github:u/g#abc", "runtime", False, "git"),
        ("f", "file:../f", "optional", False, "path"),
        ("b", "2.0.0", "runtime", False, None),
    ]


YARN_V1 = """# yarn lockfile v1


abbrev@1, abbrev@^1.0.0:
  version "1.1.1"
  resolved "https://registry.yarnpkg.com/abbrev/-/abbrev-1.1.1.tgz#f8f2"

"@babel/core@^7.0.0", "@babel/core@^7.1.0":
  version "7.7.2"
  dependencies:
    debug "^4.1.0"

"cjs@npm:string-width@^4.2.0":
  version "4.2.3"

abbrev@1.1.1:
  version "1.1.1"

"gitdep@https://github.com/u/gitdep.git#v2":
  version "2.0.0"

truncated@^1.0.0:
"""


def test_yarn_v1() -> None:
    """Classic yarn.lock: quoted and bare keys, aliases, dedup, git keys, a cut-off entry."""
    assert _rows(npm.parse("yarn.lock", YARN_V1) or []) == [
        ("abbrev", "1.1.1", "runtime", False, None),
        ("@babel/core", "7.7.2", "runtime", False, None),
        ("string-width", "4.2.3", "runtime", False, None),
        ("gitdep", "2.0.0", "runtime", False, "git"),
        ("truncated", None, "runtime", False, None),
    ]


def test_yarn_v1_many_lines_is_linear() -> None:
    """Half a million junk lines parse to nothing (no quadratic work, no crash)."""
    assert npm.parse("yarn.lock", "a\n" * 500_000) == []


BERRY = """__metadata:
  version: 8

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  dependencies:
    ten: "npm:^1.10.0"
    cond: "condition:X?a:b"
  languageName: unknown
  linkType: soft

"ten@npm:^1.10.0":
  version: 1.10
  resolution: "ten@npm:1.10.0"
  linkType: hard

"cond@condition:X?a:b":
  version: 0.0.0-condition-abc
  resolution: "cond@condition:X?a:b#abc"
  linkType: hard
"""


def test_yarn_berry_versions_and_protocols() -> None:
    """Berry: the version comes from the resolution (YAML would read 1.10 as 1.1), workspace
    entries are not dependencies, and an unknown protocol is kept as invalid."""
    assert _rows(npm.parse("yarn.lock", BERRY) or []) == [
        ("ten", "1.10.0", "runtime", True, None),
        ("cond", None, "runtime", True, "invalid"),
    ]


@pytest.mark.parametrize(
    ("path", "ours"),
    [
        ("package.json", True),
        ("a/b/package.json", True),
        ("package-lock.json", True),
        ("npm-shrinkwrap.json", True),
        ("yarn.lock", True),
        ("web/pnpm-lock.yaml", True),
        ("pnpm-workspace.yaml", False),
        ("composer.json", False),
    ],
)
def test_file_patterns(path: str, ours: bool) -> None:
    """The registry routes exactly npm's file names to this scanner."""
    assert (scanner_for(path) is npm) == ours


def test_lockfile_takes_scope_from_manifest_beside_it() -> None:
    """A yarn.lock entry declared in the package.json beside it becomes direct with its scope."""
    result = scan_files(
        {
            "web/package.json": json.dumps({"devDependencies": {"abbrev": "^1.0.0"}}),
            "web/yarn.lock": YARN_V1,
        }
    )
    lock = [d for d in result.dependencies if d.manifest == "web/yarn.lock"]
    assert ("abbrev", "1.1.1", "dev", True, None) in _rows(lock)
    assert ("@babel/core", "7.7.2", "runtime", False, None) in _rows(lock)


def test_binary_junk_is_a_manifest_error_or_nothing() -> None:
    """Binary junk under each npm file name never raises anything but a ManifestError."""
    junk = bytes(range(256)).decode("latin-1")
    for name in npm.FILE_PATTERNS:
        try:
            assert scan_file(name, junk) == []
        except ManifestError as exc:
            assert exc.path == name


PNPM_V9 = """lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      app-lib:
        specifier: ^1.0.0
        version: 1.0.0(peer@2.0.0)
    devDependencies:
      test-tool:
        specifier: ^3.0.0
        version: 3.0.0
      cjs:
        specifier: npm:string-width@^4
        version: string-width@4.2.3
packages:
  app-lib@1.0.0: {resolution: {integrity: sha512-a}}
  peer@2.0.0: {resolution: {integrity: sha512-b}}
  shared@1.0.0: {resolution: {integrity: sha512-c}}
  test-tool@3.0.0: {resolution: {integrity: sha512-d}}
  dev-only@5.0.0: {resolution: {integrity: sha512-e}}
  string-width@4.2.3: {resolution: {integrity: sha512-f}}
  emoji@8.0.0: {resolution: {integrity: sha512-g}}
  native@1.0.0: {resolution: {integrity: sha512-h}}
  orphan@0.1.0: {resolution: {integrity: sha512-i}}
snapshots:
  app-lib@1.0.0(peer@2.0.0):
    dependencies:
      peer: 2.0.0
      shared: 1.0.0
    optionalDependencies:
      native: 1.0.0
  peer@2.0.0: {}
  shared@1.0.0: {}
  test-tool@3.0.0:
    dependencies:
      shared: 1.0.0
      dev-only: 5.0.0
  dev-only@5.0.0: {}
  string-width@4.2.3:
    dependencies:
      emoji: 8.0.0
  emoji@8.0.0: {}
  native@1.0.0:
    optional: true
  orphan@0.1.0: {}
"""


def test_pnpm_v9_scopes_from_the_graph() -> None:
    """v9 has no `dev` flag: packages only devDependencies reach are dev, shared ones runtime,
    all-optional snapshots optional, and unreachable ones runtime."""
    assert _rows(npm.parse("pnpm-lock.yaml", PNPM_V9) or []) == [
        ("app-lib", "1.0.0", "runtime", True, None),
        ("test-tool", "3.0.0", "dev", True, None),
        ("string-width", "4.2.3", "dev", True, None),
        ("peer", "2.0.0", "runtime", False, None),
        ("shared", "1.0.0", "runtime", False, None),
        ("dev-only", "5.0.0", "dev", False, None),
        ("emoji", "8.0.0", "dev", False, None),
        ("native", "1.0.0", "optional", False, None),
        ("orphan", "0.1.0", "runtime", False, None),
    ]
