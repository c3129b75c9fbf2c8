"""PyPI scanner: poetry.lock, uv.lock, pdm.lock, Pipfile.lock and pylock.toml rules."""

from __future__ import annotations

import pytest

from fundbot.errors import ManifestError
from fundbot.model import Dependency
from fundbot.scan import pypi, scan_files


def _rows(deps: list[Dependency] | None) -> list[tuple[object, ...]]:
    assert deps is not None
    return [(d.name, d.version, d.scope, d.direct, d.skip_reason) for d in deps]


POETRY_11 = """
[[package]]
name = "Requests"
version = "2.28.1"
category = "main"
optional = false
[[package]]
name = "cattrs"
version = "23.1"
category = "main"
optional = true
[[package]]
name = "pytest"
version = "7.1.2"
category = "dev"
optional = false
[metadata]
lock-version = "1.1"
[metadata.files]
requests = []
"""


def test_poetry_lock_old_categories() -> None:
    """lock-version 1.1: category main is runtime (optional when optional), dev is dev."""
    assert _rows(pypi.parse("poetry.lock", POETRY_11)) == [
        ("requests", "2.28.1", "runtime", False, None),
        ("cattrs", "23.1", "optional", False, None),
        ("pytest", "7.1.2", "dev", False, None),
    ]


def test_poetry_lock_groups_and_sources() -> None:
    """lock-version 2: groups decide scope, source types give skip reasons."""
    text = """
[[package]]
name = "a"
version = "1"
groups = ["dev", "main"]
[[package]]
name = "b"
version = "2"
groups = ["tests"]
[package.source]
type = "git"
url = "https://github.com/e/b.git"
[[package]]
name = "c"
version = "3"
groups = ["docs"]
source = { type = "directory", url = "../c" }
[[package]]
name = "d"
version = "4"
groups = ["main"]
source = { type = "url", url = "https://e.org/d-4.tar.gz" }
[[package]]
name = "e"
version = "5"
groups = ["main"]
source = { type = "legacy", url = "https://private/simple", reference = "private" }
"""
    assert _rows(pypi.parse("poetry.lock", text)) == [
        ("a", "1", "runtime", False, None),
        ("b", "2", "test", False, "git"),
        ("c", "3", "dev", False, "path"),
        ("d", "4", "runtime", False, "url"),
        ("e", "5", "runtime", False, None),
    ]


@pytest.mark.parametrize("name", ["poetry.lock", "pdm.lock", "uv.lock"])
def test_lock_package_must_be_an_array(name: str) -> None:
    """`package = "x"` is a broken lockfile, reported with its path."""
    with pytest.raises(ManifestError, match="array of tables"):
        pypi.parse(name, 'package = "x"\n')


@pytest.mark.parametrize("name", ["poetry.lock", "pdm.lock", "uv.lock", "pylock.toml"])
def test_lock_bad_entries_are_skipped(name: str) -> None:
    """Entries without a usable name are skipped, the rest are read."""
    key = "packages" if name == "pylock.toml" else "package"
    text = f'{key} = [1, {{name = 2}}, {{name = ""}}, {{name = "ok", version = "1"}}]\n'
    assert [d.name for d in pypi.parse(name, text) or []] == ["ok"]


UV_LOCK = """
version = 1
[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "httpx", extra = ["http2"] }]
[package.optional-dependencies]
cli = [{ name = "click" }]
[package.dev-dependencies]
test = [{ name = "pytest" }, { name = "httpx" }]
[[package]]
name = "httpx"
version = "0.27.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "idna" }]
[package.optional-dependencies]
http2 = [{ name = "h2" }]
brotli = [{ name = "brotli" }]
[[package]]
name = "h2"
version = "4.1.0"
source = { registry = "https://pypi.org/simple" }
[[package]]
name = "brotli"
version = "1.1.0"
source = { registry = "https://pypi.org/simple" }
[[package]]
name = "idna"
version = "3.7"
source = { registry = "https://pypi.org/simple" }
[[package]]
name = "click"
version = "8.1.7"
source = { git = "https://github.com/pallets/click?rev=8.1.7#abc" }
dependencies = [{ name = "idna" }]
[[package]]
name = "pytest"
version = "8.2.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "iniconfig" }, { name = "pytest" }]
[[package]]
name = "iniconfig"
version = "2.0.0"
source = { path = "../iniconfig" }
"""


def test_uv_lock_roots_extras_and_reachability() -> None:
    """The project is left out; its lists are direct; others take the scope that reaches them."""
    assert _rows(pypi.parse("uv.lock", UV_LOCK)) == [
        ("httpx", "0.27.0", "runtime", True, None),
        ("h2", "4.1.0", "runtime", False, None),
        ("brotli", "1.1.0", "runtime", False, None),
        ("idna", "3.7", "runtime", False, None),
        ("click", "8.1.7", "optional", True, "git"),
        ("pytest", "8.2.0", "test", True, None),
        ("iniconfig", "2.0.0", "test", False, "path"),
    ]


def test_pdm_lock_groups_and_sources() -> None:
    """default is runtime, otherwise the first group; git/path/url entries are skipped."""
    text = """
[[package]]
name = "a"
version = "1"
groups = ["default", "test"]
[[package]]
name = "b"
version = "2"
groups = ["test", "doc"]
git = "https://github.com/e/b.git"
[[package]]
name = "c"
version = "3"
groups = ["doc"]
path = "./c"
[[package]]
name = "d"
version = "4"
groups = ["default"]
url = "https://e.org/d-4.tar.gz"
"""
    assert _rows(pypi.parse("pdm.lock", text)) == [
        ("a", "1", "runtime", False, None),
        ("b", "2", "test", False, "git"),
        ("c", "3", "dev", False, "path"),
        ("d", "4", "runtime", False, "url"),
    ]


def test_pipfile_lock_versions_and_categories() -> None:
    """`==x` becomes x; default runtime, develop and custom categories dev."""
    text = """{"_meta": {}, "default": {"Django": {"version": "==4.2.11"},
    "g": {"git": "https://github.com/e/g.git", "ref": "abc"}},
    "develop": {"pytest": {"version": "==8.2.0"}}, "docs": {"sphinx": {"version": "==7"}}}"""
    assert _rows(pypi.parse("Pipfile.lock", text)) == [
        ("django", "4.2.11", "runtime", False, None),
        ("g", None, "runtime", False, "git"),
        ("pytest", "8.2.0", "dev", False, None),
        ("sphinx", "7", "dev", False, None),
    ]


def test_pipfile_lock_must_be_an_object() -> None:
    """A Pipfile.lock holding a JSON list is a ManifestError."""
    with pytest.raises(ManifestError):
        pypi.parse("Pipfile.lock", "[1, 2]")


def test_pylock_scopes_from_markers() -> None:
    """Markers naming a dependency group or extra decide the scope; sources give skips."""
    text = """
lock-version = "1.0"
default-groups = ["default"]
[[packages]]
name = "a"
version = "1"
[[packages]]
name = "b"
version = "2"
marker = "'dev' in dependency_groups"
[[packages]]
name = "c"
version = "3"
marker = "'tests' in dependency_groups and python_version >= '3.10'"
vcs = { type = "git", url = "https://github.com/e/c.git", commit-id = "abc" }
[[packages]]
name = "d"
version = "4"
marker = "'cli' in extras"
directory = { path = "./d" }
[[packages]]
name = "e"
version = "5"
marker = "'default' in dependency_groups or 'dev' in dependency_groups"
archive = { url = "https://e.org/e-5.tar.gz", hashes = {} }
"""
    assert _rows(pypi.parse("pylock.toml", text)) == [
        ("a", "1", "runtime", False, None),
        ("b", "2", "dev", False, None),
        ("c", "3", "test", False, "git"),
        ("d", "4", "optional", False, "path"),
        ("e", "5", "runtime", False, "url"),
    ]


def test_lockfile_takes_direct_and_scope_from_the_manifest_beside_it() -> None:
    """poetry.lock entries declared in pyproject.toml become direct with its scope."""
    pyproject = '[project]\nname = "app"\ndependencies = ["Requests"]\n'
    pyproject += '[tool.poetry.group.test.dependencies]\npytest = "^7"\n'
    result = scan_files({"svc/pyproject.toml": pyproject, "svc/poetry.lock": POETRY_11})
    locked = [(d.name, d.scope, d.direct) for d in result.dependencies if "lock" in d.manifest]
    assert locked == [
        ("requests", "runtime", True),
        ("cattrs", "optional", False),
        ("pytest", "test", True),
    ]


def _edges(deps: list[Dependency] | None) -> dict[str, tuple[str, ...] | None]:
    assert deps is not None
    return {d.name: d.requires for d in deps}


def test_uv_lock_edges_follow_requested_extras() -> None:
    """httpx requires idna, and h2 because the project asks for its `http2` extra; never the
    brotli extra nobody asks for; pytest's requirement on itself is no edge."""
    assert _edges(pypi.parse("uv.lock", UV_LOCK)) == {
        "httpx": ("h2", "idna"),
        "h2": (),
        "brotli": (),
        "idna": (),
        "click": ("idna",),
        "pytest": ("iniconfig",),
        "iniconfig": (),
    }


def test_pdm_lock_edges_joined_over_extras_entries() -> None:
    """PDM writes one entry per set of extras: their PEP 508 requirements are joined."""
    text = """
[[package]]
name = "httpx"
version = "0.27.0"
groups = ["default"]
dependencies = ["idna>=2; python_version < \\"4\\"", "Sniff_IO", 3]
[[package]]
name = "httpx"
version = "0.27.0"
extras = ["http2"]
groups = ["default"]
dependencies = ["h2[hpack]<5,>=3", "httpx==0.27.0"]
[[package]]
name = "h2"
version = "4.1.0"
groups = ["default"]
"""
    assert _edges(pypi.parse("pdm.lock", text)) == {
        "httpx": ("h2", "idna", "sniff-io"),
        "h2": (),
    }


def test_pylock_edges_only_where_recorded() -> None:
    """PEP 751 `dependencies` tables are edges; a lock that writes none records no graph."""
    with_edges = """
lock-version = "1.0"
[[packages]]
name = "a"
version = "1"
dependencies = [{ name = "B" }, { version = "2" }, "odd"]
[[packages]]
name = "b"
version = "2"
"""
    assert _edges(pypi.parse("pylock.toml", with_edges)) == {"a": ("b",), "b": ()}
    without = 'lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\n'
    assert _edges(pypi.parse("pylock.toml", without)) == {"a": None}
