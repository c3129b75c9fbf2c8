"""The graph the JavaScript lockfiles record, on real files: edges, `via`, scope, directness.

`expected.json` of each scenario pins every entry's `requires` and the `via` of the graph;
here the facts issue #10 is about are spelt out: one dev tool's many small packages are
dev and not direct, a second locked version of a direct package is not direct, and
`file:` folders are never looked up.
"""

from __future__ import annotations

import json

import pytest

from fundbot.graph import build_graph, via
from fundbot.model import Dependency
from fundbot.scan import npm, scan_files
from tests.scan.golden import MANIFESTS, scenario_files


def _scan(scenario: str) -> list[Dependency]:
    return list(scan_files(scenario_files(MANIFESTS / "npm" / scenario)).dependencies)


def _lock(deps: list[Dependency]) -> dict[tuple[str, str | None], Dependency]:
    return {(d.name, d.version): d for d in deps if "lock" in d.manifest}


def test_axios_release_it_pulls_in_hundreds_of_dev_packages() -> None:
    """axios (package-lock v2) has release-it as a devDependency: it is direct and dev, and
    the small packages under it are dev, not direct, and reached through it."""
    deps = _scan("axios")
    lock = _lock(deps)
    release_it = lock[("release-it", "15.11.0")]
    assert (release_it.scope, release_it.direct, release_it.skip_reason) == ("dev", True, None)
    assert len(release_it.requires or ()) == 27
    assert "wildcard-match" in (release_it.requires or ())
    reached = via(build_graph(deps))
    under = {pkg for pkg, roots in reached.items() if "npm:release-it" in roots}
    assert len(under) == 442
    assert reached["npm:wildcard-match"] == (
        "npm:@release-it/conventional-changelog",
        "npm:release-it",
    )
    # A package only dev roots reach is dev (the lockfile's own flag, npm's walk).
    graph = build_graph(deps)
    runtime = {pkg for pkg, scope in graph.direct.items() if scope != "dev"}
    dev_only = [
        d
        for d in lock.values()
        if f"npm:{d.name}" in under and not runtime & {f"npm:{d.name}", *reached[f"npm:{d.name}"]}
    ]
    assert len(dev_only) > 400
    assert {d.scope for d in dev_only} == {"dev"}
    assert not any(d.direct for d in dev_only)


def test_vite_file_folders_are_skipped_roots() -> None:
    """vite (pnpm v9 workspace): its 109 `resolution: {directory}` entries are `path`
    dependencies, one each with the importer that declares them, and never looked up."""
    lock = _lock(_scan("vite-pnpm9-file"))
    folders = [d for d in lock.values() if d.version and d.version.startswith("file:")]
    assert len(folders) == 109
    assert all(d.skip_reason == "path" and d.direct for d in folders)
    # A second locked version of a direct package is not direct.
    assert lock[("magic-string", "1.2.0")].direct
    assert not lock[("magic-string", "0.30.21")].direct
    # Only devDependencies reach it: dev; runtime wins where both reach.
    assert lock[("globals", "17.11.0")].scope == "dev"
    assert lock[("slash", "5.1.0")].scope == "runtime"


PNPM_VARIANTS = {
    5: """lockfileVersion: 5.4
importers:
  .:
    specifiers: {a: ^1, t: ^1, cjs: npm:b@^2, loc: file:lib}
    dependencies: {a: 1.0.0_p@1.0.0, cjs: /b/2.0.0, loc: file:lib}
    devDependencies: {t: 1.0.0}
packages:
  /a/1.0.0_p@1.0.0:
    resolution: {integrity: sha512-a}
    dependencies: {p: 1.0.0, c: 3.0.0}
  /p/1.0.0: {resolution: {integrity: sha512-p}}
  /b/2.0.0: {resolution: {integrity: sha512-b}, dev: false}
  /c/3.0.0: {resolution: {integrity: sha512-c}, optionalDependencies: {n: 1.0.0}}
  /n/1.0.0: {resolution: {integrity: sha512-n}, optional: true}
  /t/1.0.0:
    resolution: {integrity: sha512-t}
    dev: true
    dependencies: {c: 3.0.0, d: 4.0.0}
  /d/4.0.0: {resolution: {integrity: sha512-d}, dev: true}
  file:lib:
    resolution: {directory: lib, type: directory}
    name: loc
    version: 0.1.0
    dependencies: {d: 4.0.0}
""",
    6: """lockfileVersion: '6.0'
importers:
  .:
    dependencies:
      a: {specifier: ^1, version: 1.0.0(p@1.0.0)}
      cjs: {specifier: npm:b@^2, version: /b@2.0.0}
      loc: {specifier: file:lib, version: file:lib}
    devDependencies:
      t: {specifier: ^1, version: 1.0.0}
packages:
  /a@1.0.0(p@1.0.0):
    resolution: {integrity: sha512-a}
    dependencies: {p: 1.0.0, c: 3.0.0}
  /p@1.0.0: {resolution: {integrity: sha512-p}}
  /b@2.0.0: {resolution: {integrity: sha512-b}}
  /c@3.0.0: {resolution: {integrity: sha512-c}, optionalDependencies: {n: 1.0.0}}
  /n@1.0.0: {resolution: {integrity: sha512-n}, optional: true}
  /t@1.0.0:
    resolution: {integrity: sha512-t}
    dependencies: {c: 3.0.0, d: 4.0.0}
  /d@4.0.0: {resolution: {integrity: sha512-d}}
  file:lib:
    resolution: {directory: lib, type: directory}
    name: loc
    version: 0.1.0
    dependencies: {d: 4.0.0}
""",
    9: """lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      a: {specifier: ^1, version: 1.0.0(p@1.0.0)}
      cjs: {specifier: npm:b@^2, version: b@2.0.0}
      loc: {specifier: file:lib, version: file:lib}
    devDependencies:
      t: {specifier: ^1, version: 1.0.0}
packages:
  a@1.0.0: {resolution: {integrity: sha512-a}}
  p@1.0.0: {resolution: {integrity: sha512-p}}
  b@2.0.0: {resolution: {integrity: sha512-b}}
  c@3.0.0: {resolution: {integrity: sha512-c}}
  n@1.0.0: {resolution: {integrity: sha512-n}}
  t@1.0.0: {resolution: {integrity: sha512-t}}
  d@4.0.0: {resolution: {integrity: sha512-d}}
  loc@file:lib: {resolution: {directory: lib, type: directory}}
snapshots:
  a@1.0.0(p@1.0.0):
    dependencies: {p: 1.0.0, c: 3.0.0}
  p@1.0.0: {}
  b@2.0.0: {}
  c@3.0.0:
    optionalDependencies: {n: 1.0.0}
  n@1.0.0: {optional: true}
  t@1.0.0:
    dependencies: {c: 3.0.0, d: 4.0.0}
  d@4.0.0: {}
  loc@file:lib:
    dependencies: {d: 4.0.0}
""",
}


@pytest.mark.parametrize("major", sorted(PNPM_VARIANTS))
def test_pnpm_versions_agree(major: int) -> None:
    """The same tree written by pnpm 7 (v5), 8 (v6) and 9 reads the same: edges by name (an
    alias is the package it installs), scope from the importers' sections, the peer suffix
    dropped, a `file:` folder skipped and its requirements direct."""
    rows = {
        (d.name, d.version): (d.scope, d.direct, d.skip_reason, d.requires)
        for d in npm.parse("pnpm-lock.yaml", PNPM_VARIANTS[major]) or []
    }
    assert rows == {
        ("a", "1.0.0"): ("runtime", True, None, ("c", "p")),
        ("b", "2.0.0"): ("runtime", True, None, ()),
        ("loc", "0.1.0" if major < 9 else "file:lib"): ("runtime", True, "path", ("d",)),
        ("t", "1.0.0"): ("dev", True, None, ("c", "d")),
        ("p", "1.0.0"): ("runtime", False, None, ()),
        ("c", "3.0.0"): ("runtime", False, None, ("n",)),
        ("n", "1.0.0"): ("optional", False, None, ()),
        ("d", "4.0.0"): ("runtime", True, None, ()),
    }


def _edges(name: str, text: str) -> dict[tuple[str, str | None], tuple[object, ...]]:
    return {
        (d.name, d.version): (d.scope, d.direct, d.skip_reason, d.requires)
        for d in npm.parse(name, text) or []
    }


def _package_lock(packages: dict[str, object]) -> str:
    return json.dumps({"lockfileVersion": 3, "packages": packages})


def test_package_lock_edges_aliases_peers_and_links() -> None:
    """Edges are the names node would load: an alias is the package it installs, an
    optional peer nobody installed is no edge, a second install adds what it requires, and
    a link into one of the root's `workspaces` is a workspace dependency."""
    text = _package_lock(
        {
            "": {"workspaces": ["packages/*"], "dependencies": {"a": "^1", "@w/lib": "*"}},
            "packages/lib": {"name": "@w/lib", "version": "0.1.0", "dependencies": {"c": "1"}},
            "node_modules/@w/lib": {"resolved": "packages/lib", "link": True},
            "node_modules/a": {
                "version": "1.0.0",
                "integrity": "sha512-a",
                "dependencies": {"a": "1", "cjs": "npm:sw@^4", "@w/lib": "*"},
                "peerDependencies": {"ghost": "*"},
                "optionalDependencies": {"b": "1"},
            },
            "node_modules/cjs": {"name": "sw", "version": "4.0.0", "integrity": "sha512-s"},
            "node_modules/b": {"version": "1.0.0", "integrity": "sha512-b", "optional": True},
            "node_modules/c": {"version": "1.0.0", "integrity": "sha512-c"},
            "node_modules/b/node_modules/c": {
                "version": "1.0.0",
                "integrity": "sha512-c",
                "dependencies": {"b": "1"},
            },
        }
    )
    assert _edges("package-lock.json", text) == {
        ("a", "1.0.0"): ("runtime", True, None, ("@w/lib", "b", "sw")),
        ("sw", "4.0.0"): ("runtime", False, None, ()),
        ("b", "1.0.0"): ("optional", False, None, ()),
        ("c", "1.0.0"): ("runtime", True, None, ("b",)),
        ("@w/lib", "0.1.0"): ("runtime", True, "workspace", ()),
    }


def test_package_lock_alias_name_shared_with_a_package_resolves_by_path() -> None:
    """One name installing different packages at different paths: each entry's requirement
    is what node's resolution finds from where it is installed."""
    text = _package_lock(
        {
            "": {"dependencies": {"x": "1", "y": "1"}},
            "node_modules/x": {"version": "1.0.0", "dependencies": {"w": "1"}},
            "node_modules/w": {"version": "1.0.0"},
            "node_modules/y": {"version": "1.0.0", "dependencies": {"w": "npm:real@2"}},
            "node_modules/y/node_modules/w": {"name": "real", "version": "2.0.0"},
            "node_modules/z": {"version": "1.0.0", "dependencies": {"w": "1", "gone": "1"}},
            "node_modules/q/node_modules/z": {"version": "1.0.0", "dependencies": {"x": "1"}},
        }
    )
    rows = _edges("package-lock.json", text)
    assert rows[("x", "1.0.0")][3] == ("w",)
    assert rows[("y", "1.0.0")][3] == ("real",)
    assert rows[("z", "1.0.0")][3] == ("w", "x")


def test_package_lock_twice_installed_with_other_requirements() -> None:
    """The same version at two paths requires what both installs require (names kept only
    where a package is installed under them)."""
    text = _package_lock(
        {
            "node_modules/a": {"version": "1.0.0", "dependencies": {"b": "1"}},
            "node_modules/x/node_modules/a": {"version": "1.0.0", "dependencies": {"c": "1"}},
            "node_modules/b": {"version": "1.0.0"},
        }
    )
    assert _edges("package-lock.json", text)[("a", "1.0.0")][3] == ("b",)


def test_package_lock_v1_requires() -> None:
    """lockfileVersion 1: `requires` maps, aliases by their range, missing names dropped."""
    text = json.dumps(
        {
            "lockfileVersion": 1,
            "dependencies": {
                "a": {"version": "1.0.0", "requires": {"cjs": "npm:sw@^4", "gone": "1"}},
                "sw": {"version": "4.0.0", "requires": "junk"},
            },
        }
    )
    rows = _edges("package-lock.json", text)
    assert rows[("a", "1.0.0")][3] == ("sw",)
    assert rows[("sw", "4.0.0")][3] == ()


def test_yarn_v1_edges() -> None:
    """Classic yarn.lock: `dependencies` and `optionalDependencies` blocks, quoted names,
    aliases; a name the file does not lock is no edge."""
    text = """# yarn lockfile v1

a@^1:
  version "1.0.0"
  dependencies:
    "@s/b" "^2"
    cjs "npm:c@^3"
  optionalDependencies:
    gone "^1"
  integrity sha512-x

"@s/b@^2":
  version "2.0.0"

c@^3:
  version "3.0.0"
"""
    rows = _edges("yarn.lock", text)
    assert rows[("a", "1.0.0")][3] == ("@s/b", "c")
    assert rows[("c", "3.0.0")][3] == ()


def test_yarn_berry_edges_and_workspaces() -> None:
    """Berry: `dependencies` of each entry (an alias names its package), workspace members
    as `workspace` dependencies, the root workspace left out."""
    text = """__metadata:
  version: 8

"a@npm:^1":
  version: 1.0.0
  resolution: "a@npm:1.0.0"
  dependencies:
    cjs: "npm:c@^3"
    lib: "workspace:^"
    junk: 5

"c@npm:^3":
  version: 3.0.0
  resolution: "c@npm:3.0.0"

"lib@workspace:^, lib@workspace:packages/lib":
  version: 0.0.0-use.local
  resolution: "lib@workspace:packages/lib"
  dependencies:
    a: "npm:^1"

"root@workspace:.":
  version: 0.0.0-use.local
  resolution: "root@workspace:."
  dependencies:
    lib: "workspace:^"
    a: "npm:^1"
"""
    assert _edges("yarn.lock", text) == {
        ("a", "1.0.0"): ("runtime", True, None, ("c", "lib")),
        ("c", "3.0.0"): ("runtime", False, None, ()),
        ("lib", None): ("runtime", True, "workspace", ("a",)),
    }
