"""PyPI scanner: pyproject.toml, setup.cfg, setup.py and Pipfile rules."""

from __future__ import annotations

import pytest

from fundbot.errors import ManifestError
from fundbot.model import Dependency
from fundbot.scan import pypi
from fundbot.scan.pypi import setup_py


def _rows(deps: list[Dependency] | None) -> list[tuple[object, ...]]:
    assert deps is not None
    return [(d.name, d.version, d.scope, d.direct, d.skip_reason) for d in deps]


def test_pep_621_scopes_and_self_reference() -> None:
    """dependencies runtime, extras optional, build-system build; pkg[extra] of itself skipped."""
    text = """
[project]
name = "Demo.Pkg"
dependencies = ["requests>=2", "tomli; python_version < '3.11'"]
[project.optional-dependencies]
all = ["demo-pkg[cli]", "rich"]
[build-system]
requires = ["hatchling"]
"""
    assert _rows(pypi.parse("pyproject.toml", text)) == [
        ("requests", ">=2", "runtime", True, None),
        ("tomli", None, "runtime", True, None),
        ("rich", None, "optional", True, None),
        ("hatchling", None, "build", True, None),
    ]


def test_dependency_groups_include_and_cycles() -> None:
    """PEP 735 includes expand into the including group's scope; a cycle contributes nothing."""
    text = """
[dependency-groups]
testing = ["pytest", {include-group = "Lint"}]
lint = ["ruff", {include-group = "loop"}]
loop = ["mypy", {include-group = "lint"}]
"""
    assert _rows(pypi.parse("pyproject.toml", text)) == [
        ("pytest", None, "test", True, None),
        ("ruff", None, "test", True, None),
        ("mypy", None, "test", True, None),
        ("ruff", None, "dev", True, None),
        ("mypy", None, "dev", True, None),
    ]


def test_dependency_group_diamonds_stay_linear() -> None:
    """Groups that include each other twice over do not blow up exponentially."""
    lines = ['g0 = ["a"]']
    lines += [
        f'g{i} = [{{include-group = "g{i - 1}"}}, {{include-group = "g{i - 1}"}}, "p{i}"]'
        for i in range(1, 60)
    ]
    text = "[dependency-groups]\n" + "\n".join(lines)
    deps = pypi.parse("pyproject.toml", text)
    assert deps is not None
    assert len(deps) == 60


def test_poetry_tables() -> None:
    """Poetry: python is no package, table forms give skip reasons, optional and groups."""
    text = """
[tool.poetry]
name = "app"
[tool.poetry.dependencies]
python = "^3.11"
attrs = "*"
cattrs = { version = "^23.1", optional = true }
g = { git = "https://github.com/e/g.git" }
p = { path = "../p", develop = true }
u = { url = "https://e.org/u-1.0.tar.gz" }
numpy = [{ version = "^1.24", python = "<3.12" }, { version = "^1.26", python = ">=3.12" }]
[tool.poetry.dev-dependencies]
black = "^24"
[tool.poetry.group.tests.dependencies]
pytest = "^8"
"""
    assert _rows(pypi.parse("pyproject.toml", text)) == [
        ("attrs", None, "runtime", True, None),
        ("cattrs", "^23.1", "optional", True, None),
        ("g", None, "runtime", True, "git"),
        ("p", None, "runtime", True, "path"),
        ("u", None, "runtime", True, "url"),
        ("numpy", "^1.24", "runtime", True, None),
        ("numpy", "^1.26", "runtime", True, None),
        ("black", "^24", "dev", True, None),
        ("pytest", "^8", "test", True, None),
    ]


def test_uv_sources_and_pdm_legacy_groups() -> None:
    """[tool.uv.sources] marks workspace/path/git/url names; PDM dev groups are read."""
    text = """
[project]
dependencies = ["member", "sib", "gitty", "tar", "plain"]
[tool.uv]
dev-dependencies = ["ipython"]
[tool.uv.sources]
member = { workspace = true }
sib = { path = "../sib" }
gitty = { git = "https://github.com/e/gitty" }
tar = { url = "https://e.org/tar-1.tar.gz" }
plain = { index = "internal" }
[tool.pdm.dev-dependencies]
test = ["pytest-cov", "-e git+https://github.com/e/ed.git#egg=ed"]
"""
    assert _rows(pypi.parse("pyproject.toml", text)) == [
        ("member", None, "runtime", True, "workspace"),
        ("sib", None, "runtime", True, "path"),
        ("gitty", None, "runtime", True, "git"),
        ("tar", None, "runtime", True, "url"),
        ("plain", None, "runtime", True, None),
        ("pytest-cov", None, "test", True, None),
        ("ed", None, "test", True, "git"),
        ("ipython", None, "dev", True, None),
    ]


@pytest.mark.parametrize(
    "text",
    ["[project]\ndependencies = 'requests'\n", "project = 1\n", "[project]\nname = 3\n"],
)
def test_pyproject_wrong_shapes_are_ignored(text: str) -> None:
    """Tables or lists of the wrong type contribute nothing instead of crashing."""
    assert pypi.parse("pyproject.toml", text) == []


def test_setup_cfg_options() -> None:
    """install_requires runtime, tests_require test, setup_requires build, extras optional."""
    text = """
[options]
install_requires =
    iniconfig
    colorama;sys_platform=="win32"
    file: requirements.txt
tests_require = pytest>=8
setup_requires = setuptools-scm>=6
[options.extras_require]
testing =
    # a comment
    hypothesis>=3.56
"""
    assert _rows(pypi.parse("setup.cfg", text)) == [
        ("iniconfig", None, "runtime", True, None),
        ("colorama", None, "runtime", True, None),
        ("pytest", ">=8", "test", True, None),
        ("setuptools-scm", ">=6", "build", True, None),
        ("hypothesis", ">=3.56", "optional", True, None),
    ]


def test_setup_cfg_broken_is_manifest_error() -> None:
    """A setup.cfg configparser cannot read names the file."""
    with pytest.raises(ManifestError, match=r"setup\.cfg"):
        pypi.parse("setup.cfg", "no section header\n")


SETUP_PY = """
import os
raise SystemExit("setup.py must never run during a scan")
base = ["idna>=2.5"]
requires = base + ["certifi"]
extras = {"socks": ["PySocks>=1.5.6, !=1.5.7"], "dyn": compute()}
setup(
    name="x",
    install_requires=requires,
    tests_require=("pytest",),
    setup_requires="setuptools>=40\\nwheel",
    extras_require=extras,
)
"""


def test_setup_py_is_read_statically() -> None:
    """Literals and module-level names are followed; the code is never executed."""
    assert _rows(pypi.parse("setup.py", SETUP_PY)) == [
        ("idna", ">=2.5", "runtime", True, None),
        ("certifi", None, "runtime", True, None),
        ("pytest", None, "test", True, None),
        ("setuptools", ">=40", "build", True, None),
        ("wheel", None, "build", True, None),
        ("pysocks", ">=1.5.6,!=1.5.7", "optional", True, None),
    ]


def test_setup_py_dynamic_values_are_ignored() -> None:
    """A computed install_requires yields nothing rather than a guess."""
    text = "from setuptools import setup\nsetup(install_requires=read('reqs.txt'))\n"
    assert pypi.parse("setup.py", text) == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("setup(install_requires=[\n", "invalid Python"),
        ("setup(" + "[" * 5000 + "]" * 5000 + ")", "nested|invalid Python"),
        ("setup()\n" + "x = 1\n" * (setup_py.MAX_LINES + 1), "too long"),
        ("setup()#" + "x" * (setup_py.MAX_BYTES + 1), "too large"),
        ("setup()\x00", "invalid Python"),
    ],
    ids=["syntax", "deep", "many-lines", "huge", "nul"],
)
def test_setup_py_unreadable_is_manifest_error(text: str, reason: str) -> None:
    """Broken, hostile or oversized setup.py files become a ManifestError."""
    with pytest.raises(ManifestError, match=reason):
        pypi.parse("setup.py", text)


def test_pipfile_categories_and_sources() -> None:
    """packages runtime, dev-packages and custom categories dev, `*` is no version."""
    text = """
[packages]
Django = "==4.2.*"
anything = "*"
g = {git = "https://github.com/e/g.git"}
p = {path = "./p", editable = true}
f = {file = "https://e.org/f-1.0.tar.gz"}
[dev-packages]
pytest = {version = ">=8", extras = ["x"]}
[docs]
sphinx = ">=7"
[requires]
python_version = "3.12"
"""
    assert _rows(pypi.parse("Pipfile", text)) == [
        ("django", "==4.2.*", "runtime", True, None),
        ("anything", None, "runtime", True, None),
        ("g", None, "runtime", True, "git"),
        ("p", None, "runtime", True, "path"),
        ("f", None, "runtime", True, "url"),
        ("pytest", ">=8", "dev", True, None),
        ("sphinx", ">=7", "dev", True, None),
    ]
