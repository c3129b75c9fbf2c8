"""Scope and directness of lockfile entries by the graph walked from the project's roots."""

from __future__ import annotations

from fundbot.model import Dependency, Scope
from fundbot.scan import _apply_manifest_scopes, scan_files

# A workspace of two members: `app` (runtime: a, b 2; dev: d) and `tool` (build: c).
CARGO_LOCK = """version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["a", "b 2.0.0", "d"]

[[package]]
name = "tool"
version = "0.1.0"
dependencies = ["c"]

[[package]]
name = "a"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["b 1.0.0", "shared"]

[[package]]
name = "b"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "b"
version = "2.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "c"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["built"]

[[package]]
name = "built"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "d"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["dev-only", "shared"]

[[package]]
name = "dev-only"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "shared"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "orphan"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
"""
ROOT = '[workspace]\nmembers = ["app", "tool"]\n[workspace.dependencies]\nd = "1"\n'
APP = '[dependencies]\na = "1"\nb = "2"\n[dev-dependencies]\nd.workspace = true\n'
TOOL = '[build-dependencies]\nc = "1"\n'


def _lock(
    files: dict[str, str], lock: str = "Cargo.lock"
) -> dict[tuple[str, str | None], Dependency]:
    deps = scan_files(files).dependencies
    return {(d.name, d.version): d for d in deps if d.manifest == lock}


def _flags(dep: Dependency) -> tuple[bool, str]:
    return dep.direct, dep.scope


def test_members_sections_decide_the_first_hop_and_paths_the_rest() -> None:
    """dev-only crates are dev, build ones build; a crate on a runtime path is runtime."""
    found = _lock(
        {
            "Cargo.lock": CARGO_LOCK,
            "Cargo.toml": ROOT,
            "app/Cargo.toml": APP,
            "tool/Cargo.toml": TOOL,
        }
    )
    assert _flags(found["a", "1.0.0"]) == (True, "runtime")
    assert _flags(found["d", "1.0.0"]) == (True, "dev")
    assert _flags(found["dev-only", "1.0.0"]) == (False, "dev")
    assert _flags(found["c", "1.0.0"]) == (True, "build")
    assert _flags(found["built", "1.0.0"]) == (False, "build")
    # Reached through runtime `a` and through dev `d`: the strongest path wins.
    assert _flags(found["shared", "1.0.0"]) == (False, "runtime")
    # b 2 is what the member asks for; b 1 comes only through `a`.
    assert _flags(found["b", "2.0.0"]) == (True, "runtime")
    assert _flags(found["b", "1.0.0"]) == (False, "runtime")
    # Nothing reaches it: it keeps the scanner's scope.
    assert _flags(found["orphan", "1.0.0"]) == (False, "runtime")


def test_members_left_unread_keep_the_lockfile_scope() -> None:
    """A pull-request read has the root manifest only: undeclared direct crates stay runtime."""
    found = _lock({"Cargo.lock": CARGO_LOCK, "Cargo.toml": ROOT})
    assert _flags(found["d", "1.0.0"]) == (True, "runtime")
    assert _flags(found["c", "1.0.0"]) == (True, "runtime")


def test_a_nested_project_with_its_own_lockfile_is_not_a_member() -> None:
    """`fuzz/Cargo.toml` beside `fuzz/Cargo.lock` declares nothing for the root's lock."""
    fuzz = '[dependencies]\nd = "1"\n'
    found = _lock(
        {
            "Cargo.lock": CARGO_LOCK,
            "app/Cargo.toml": APP,
            "fuzz/Cargo.toml": fuzz,
            "fuzz/Cargo.lock": 'version = 4\n[[package]]\nname = "fuzz"\nversion = "0.1.0"\n',
        }
    )
    assert _flags(found["d", "1.0.0"]) == (True, "dev")


COMPOSER_JSON = '{"require": {"a/a": "^1"}, "require-dev": {"t/t": "^1"}}'
COMPOSER_LOCK = """{
 "packages": [
  {"name": "a/a", "version": "1.0.0", "require": {"php": ">=8", "s/s": "^1"}},
  {"name": "s/s", "version": "1.0.0"}
 ],
 "packages-dev": [
  {"name": "t/t", "version": "1.0.0", "require": {"s/s": "^1", "u/u": "^1"}},
  {"name": "u/u", "version": "1.0.0"}
 ]
}"""


def test_a_lockfile_without_direct_flags_takes_roots_from_its_manifest() -> None:
    """composer.lock: composer.json's sections are the roots; the walk gives the rest."""
    found = _lock({"composer.json": COMPOSER_JSON, "composer.lock": COMPOSER_LOCK}, "composer.lock")
    assert _flags(found["a/a", "1.0.0"]) == (True, "runtime")
    assert _flags(found["t/t", "1.0.0"]) == (True, "dev")
    assert _flags(found["s/s", "1.0.0"]) == (False, "runtime")
    assert _flags(found["u/u", "1.0.0"]) == (False, "dev")
    assert found["a/a", "1.0.0"].requires == ("s/s",)


def _npm(
    manifest: str, name: str, scope: Scope = "runtime", *requires: str, **kw: object
) -> Dependency:
    locked = manifest.endswith(".lock")
    return Dependency(
        "npm",
        name,
        "1.0.0",
        scope,
        bool(kw.get("direct", not locked)),
        manifest,
        None,
        requires if locked else None,
    )


def test_a_lockfile_with_edges_but_no_dev_flags_takes_scopes_from_package_json() -> None:
    """yarn.lock records edges but neither directness nor dev flags: the root package.json
    and the workspace members' package.json files below it are the roots."""
    deps_by_file = {
        "package.json": [_npm("package.json", "react")],
        "packages/tool/package.json": [_npm("packages/tool/package.json", "release-it", "dev")],
        "yarn.lock": [
            _npm("yarn.lock", "react", "runtime", "loose-envify"),
            _npm("yarn.lock", "loose-envify", "runtime", "js-tokens"),
            _npm("yarn.lock", "js-tokens"),
            _npm("yarn.lock", "release-it", "runtime", "chalk", "js-tokens"),
            _npm("yarn.lock", "chalk"),
        ],
    }
    _apply_manifest_scopes(deps_by_file)
    rows = {d.name: (d.direct, d.scope) for d in deps_by_file["yarn.lock"]}
    assert rows == {
        "react": (True, "runtime"),
        "loose-envify": (False, "runtime"),
        "js-tokens": (False, "runtime"),
        "release-it": (True, "dev"),
        "chalk": (False, "dev"),
    }
