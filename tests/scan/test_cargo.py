"""Rules of the Cargo scanner: tables and scopes, renames, skip reasons, lockfile sources."""

from __future__ import annotations

import pytest

from fundbot.errors import ManifestError
from fundbot.model import Dependency
from fundbot.scan import cargo

LOCK_HEAD = 'version = 4\n\n[[package]]\nname = "me"\nversion = "0.1.0"\ndependencies = ["a"]\n'


def _one(text: str) -> Dependency:
    found = cargo.parse("Cargo.toml", text)
    assert found is not None
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize(
    ("text", "name", "version", "scope", "skip"),
    [
        ('[dependencies]\nserde = "1"', "serde", "1", "runtime", None),
        ('[dev-dependencies]\nserde = "1"', "serde", "1", "dev", None),
        ('[build-dependencies]\ncc = "1"', "cc", "1", "build", None),
        ("[target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"", "libc", "0.2", "runtime", None),
        ("[target.'cfg(unix)'.dev-dependencies]\nnix = '1'", "nix", "1", "dev", None),
        ("[target.x86_64-pc-windows-gnu.build-dependencies]\nw = '1'", "w", "1", "build", None),
        ('[dependencies.serde]\nversion = "1.0"', "serde", "1.0", "runtime", None),
        ('[dependencies]\ns = { version = "1", optional = true }', "s", "1", "optional", None),
        (
            '[dependencies]\njs = { package = "serde_json", version = "1" }',
            "serde_json",
            "1",
            "runtime",
            None,
        ),
        ("[dependencies]\ntokio = { workspace = true }", "tokio", None, "runtime", None),
        ("[dependencies]\ntokio.workspace = true", "tokio", None, "runtime", None),
        ('[dependencies]\nu = { path = "../u", version = "0.1" }', "u", "0.1", "runtime", "path"),
        ('[dependencies]\ng = { git = "https://x/g", tag = "v1" }', "g", None, "runtime", "git"),
        ("[dependencies]\nodd = 3", "odd", None, "runtime", "invalid"),
    ],
)
def test_manifest_forms(
    text: str, name: str, version: str | None, scope: str, skip: str | None
) -> None:
    """Each way of declaring a crate gives its crates.io name, requirement, scope and skip."""
    dep = _one(text)
    assert (dep.name, dep.version, dep.scope, dep.direct, dep.skip_reason) == (
        name,
        version,
        scope,
        True,
        skip,
    )


def test_workspace_table_is_not_direct_by_itself() -> None:
    """`[workspace.dependencies]` sets versions for members; the members' sections decide."""
    dep = _one('[workspace.dependencies]\nTokio = "1.38"')
    assert (dep.name, dep.version, dep.scope, dep.direct) == ("tokio", "1.38", "runtime", False)


def test_manifest_ignores_patch_and_duplicates() -> None:
    """[patch] tables are not dependencies, and one crate in two cfg tables is listed once."""
    text = (
        "[target.'cfg(unix)'.dependencies]\nlibc = '0.2'\n"
        "[target.'cfg(wasi)'.dependencies]\nlibc = '0.2'\n"
        "[patch.crates-io]\nlibc = { path = '../libc' }\n"
    )
    assert cargo.parse("Cargo.toml", text) == [
        Dependency("cargo", "libc", "0.2", "runtime", True, "Cargo.toml")
    ]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('source = "registry+https://github.com/rust-lang/crates.io-index"', ("1.0.0", None)),
        ('source = "sparse+https://index.crates.io/"', ("1.0.0", None)),
        ('source = "git+https://github.com/x/a?rev=1#abc"', ("1.0.0", "git")),
        ('source = "local-registry+file:///r"', ("1.0.0", "url")),
    ],
)
def test_lock_sources(entry: str, expected: tuple[str, str | None]) -> None:
    """A locked crate's source decides its skip reason; a member's dependency is direct."""
    text = LOCK_HEAD + f'\n[[package]]\nname = "a"\nversion = "1.0.0"\n{entry}\n'
    found = cargo.parse("sub/Cargo.lock", text)
    assert found == [
        Dependency("cargo", "a", expected[0], "runtime", True, "sub/Cargo.lock", expected[1], ())
    ]


def test_lock_skips_members_and_marks_transitive() -> None:
    """Crates without a source are the project itself; others not named by a member are
    transitive."""
    text = LOCK_HEAD + '\n[[package]]\nname = "b"\nversion = "2.0.0"\nsource = "registry+x"\n'
    found = cargo.parse("Cargo.lock", text)
    assert found == [Dependency("cargo", "b", "2.0.0", "runtime", False, "Cargo.lock", None, ())]


@pytest.mark.parametrize(
    "text", ['package = "x"', "package = [1, 2]", "[[package]]\nname = 3\nsource = 'x'", "a = ["]
)
def test_lock_bad_shapes(text: str) -> None:
    """A lockfile of the wrong shape is an error naming the file, or simply gives nothing."""
    try:
        assert cargo.parse("Cargo.lock", text) == []
    except ManifestError as exc:
        assert exc.path == "Cargo.lock"


def test_lock_v1_root_table() -> None:
    """Pre-1.0 lockfiles name the root crate in `[root]`: its dependencies are direct."""
    text = (
        '[root]\nname = "app"\nversion = "0.1.0"\ndependencies = ["a 1.0.0 (registry+x)"]\n\n'
        '[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "registry+x"\n'
    )
    assert cargo.parse("Cargo.lock", text) == [
        Dependency("cargo", "a", "1.0.0", "runtime", True, "Cargo.lock", None, ())
    ]


def test_lock_records_edges_and_directness_by_version() -> None:
    """Two locked versions of one crate: only the one a member asks for is direct."""
    text = """
[[package]]
name = "app"
version = "0.1.0"
dependencies = ["regex 1.10.0", "cc"]

[[package]]
name = "regex"
version = "1.10.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["memchr", "regex-syntax 0.8.2"]

[[package]]
name = "regex"
version = "0.2.11"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "cc"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
"""
    found = {(d.name, d.version): (d.direct, d.requires) for d in cargo.parse("Cargo.lock", text)}
    assert found == {
        ("regex", "1.10.0"): (True, ("memchr", "regex-syntax")),
        ("regex", "0.2.11"): (False, ()),
        ("cc", "1.0.0"): (True, ()),
    }
