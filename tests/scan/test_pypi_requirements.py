"""PyPI scanner: PEP 503 names, PEP 508 strings, and pip requirements files."""

from __future__ import annotations

import pytest

from fundbot.model import Dependency
from fundbot.scan import pypi, scan_file, scanner_for
from fundbot.scan.pypi import requirements
from fundbot.scan.pypi._pep508 import (
    Requirement,
    name_from_url,
    normalize,
    parse_requirement,
)


def _rows(deps: list[Dependency] | None) -> list[tuple[object, ...]]:
    assert deps is not None
    return [(d.name, d.version, d.scope, d.direct, d.skip_reason) for d in deps]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Django", "django"),
        ("zope.interface", "zope-interface"),
        ("Foo__Bar-.baz", "foo-bar-baz"),
        ("typing_extensions", "typing-extensions"),
        ("already-normal", "already-normal"),
    ],
)
def test_normalize_follows_pep_503(raw: str, expected: str) -> None:
    """Runs of `-`, `_`, `.` collapse to one `-` and the name is lower-cased."""
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("requests", Requirement("requests", None, None)),
        ("requests==2.31.0", Requirement("requests", "==2.31.0", None)),
        ("Django >= 4.2 , < 5", Requirement("django", ">=4.2,<5", None)),
        ("coverage[toml]==7.0", Requirement("coverage", "==7.0", None, ("toml",))),
        ("a[x, y] >=1; python_version<'3.8'", Requirement("a", ">=1", None, ("x", "y"))),
        ("build (>=1.2.1,<2.0.0)", Requirement("build", ">=1.2.1,<2.0.0", None)),
        ("tomli (>=2) ; python_version < '3.11'", Requirement("tomli", ">=2", None)),
        ("httpcore==1.*", Requirement("httpcore", "==1.*", None)),
        ("pkg==${VERSION}", Requirement("pkg", "==${VERSION}", None)),
        ("x @ https://e.org/x-1.0.tar.gz", Requirement("x", None, "url")),
        ("x @ git+https://github.com/a/x.git ; os_name=='nt'", Requirement("x", None, "git")),
        ("x @ file:///opt/x", Requirement("x", None, "path")),
        ("x @ ", Requirement("x", None, "invalid")),
        ("x[unclosed", Requirement("x", None, "invalid")),
        ("not a requirement", Requirement("not", "a requirement", "invalid")),
    ],
)
def test_parse_requirement_forms(text: str, expected: Requirement) -> None:
    """Names, extras, specifiers (whitespace removed), markers and direct references."""
    assert parse_requirement(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "!!!", "; marker", "[extra]"])
def test_parse_requirement_without_a_name(text: str) -> None:
    """A string with no project name is not a requirement at all."""
    assert parse_requirement(text) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("git+https://github.com/pallets/click.git@8.1#egg=click", "click"),
        ("https://e.org/Foo_Bar-1.2.3-py3-none-any.whl", "foo-bar"),
        ("https://e.org/baz-qux-0.9.tar.gz#sha256=abc", "baz-qux"),
        ("git+https://github.com/encode/uvicorn.git", "uvicorn"),
        ("./vendored/local-lib/", "local-lib"),
        ("https://e.org/x.zip?token=1", "x"),
    ],
)
def test_name_from_url(url: str, expected: str) -> None:
    """`#egg=` first, then the wheel/sdist file name, then the last path segment."""
    assert name_from_url(url) == expected


@pytest.mark.parametrize(
    ("path", "scope"),
    [
        ("requirements.txt", "runtime"),
        ("requirements/main.in", "runtime"),
        ("requirements-dev.txt", "dev"),
        ("requirements/tests.txt", "test"),
        ("requirements_test_pre_commit.txt", "test"),
        ("requirements/docs.txt", "dev"),
        ("requirements-lint.txt", "dev"),
        ("requirements/typing.txt", "dev"),
        ("mypy-requirements.txt", "dev"),
        ("tests/requirements/py3.txt", "runtime"),
    ],
)
def test_scope_from_file_name(path: str, scope: str) -> None:
    """The file name, not its folder, decides the scope."""
    assert requirements.scope_for(path) == scope


@pytest.mark.parametrize(
    "path",
    [
        "requirements.txt",
        "a/requirements-dev.txt",
        "requirements_test.txt",
        "dev-requirements.txt",
        "test_requirements.txt",
        "requirements/base.txt",
        "requirements/dev.in",
        "docs.in",
        "pyproject.toml",
        "setup.cfg",
        "setup.py",
        "Pipfile",
        "Pipfile.lock",
        "poetry.lock",
        "pdm.lock",
        "uv.lock",
        "pylock.toml",
        "pylock.dev.toml",
    ],
)
def test_patterns_claim_python_files(path: str) -> None:
    """Every PyPI file kind is routed to this scanner."""
    assert scanner_for(path) is pypi


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("MANIFEST.in", "include README.md\nrecursive-include src *.py\n"),
        ("pkg/other.in", "include README.md\ngraft docs\nprune build\nglobal-exclude *.pyc\n"),
        ("Makefile.in", "prefix = @prefix@\nall: build\n"),
        ("requirements/README.txt", "These files are generated, edit the .in files.\n"),
    ],
)
def test_files_that_are_not_requirements(path: str, text: str) -> None:
    """`*.in` and `requirements/*.txt` files that hold no requirements are not ours."""
    assert pypi.parse(path, text) is None
    assert scan_file(path, text) == []


REQS = """\
--index-url https://pypi.example.org/simple
--extra-index-url=https://mirror.example.org/simple
-f ./wheels
--pre
--only-binary :all:
-r base.txt
-rother.txt
-c constraints.txt
--constraint more.txt
-e .
-e .[socks]
-e git+https://github.com/pallets/click.git@8.1.7#egg=click
--editable ./libs/shared
requests==2.31.0 ; python_version < "3.8"  # pinned
attrs==23.1.0 \\
    --hash=sha256:1f28 \\
    --hash=sha256:6279
https://e.org/Foo-1.0-py3-none-any.whl
./vendored/lib
git+https://github.com/encode/uvicorn.git#egg=uvicorn
"""


def test_requirements_options_editables_and_locations() -> None:
    """Options name nothing, `-e .` is the project, editables/URLs/paths are kept skipped."""
    assert _rows(pypi.parse("requirements.txt", REQS)) == [
        ("click", None, "runtime", True, "git"),
        ("shared", None, "runtime", True, "path"),
        ("requests", "==2.31.0", "runtime", True, None),
        ("attrs", "==23.1.0", "runtime", True, None),
        ("foo", None, "runtime", True, "url"),
        ("lib", None, "runtime", True, "path"),
        ("uvicorn", None, "runtime", True, "git"),
    ]


def test_hand_written_garbage_line_is_kept_as_invalid() -> None:
    """In a file named requirements*, an unreadable line is reported, not dropped."""
    assert _rows(pypi.parse("requirements.txt", "good>=1\nbad line here\n")) == [
        ("good", ">=1", "runtime", True, None),
        ("bad", "line here", "runtime", True, "invalid"),
    ]


COMPILED_NEW = """\
#
# This file is autogenerated by pip-compile with Python 3.12
#
asgiref==3.8.1
    # via
    #   -r tests.in
    #   other
iniconfig==2.0.0
    # via pytest
flask==3.0.0
    # via myapp (pyproject.toml)
pytest==8.1.1
    # via -r tests.in

# The following packages are considered to be unsafe in a requirements file:
# setuptools
"""

COMPILED_OLD = """\
# This file is autogenerated by pip-compile
alembic==1.4.3 \\
    --hash=sha256:4e02 \\
    # via -r requirements/main.in
amqp==2.6.1 \\
    --hash=sha256:70cd \\
    # via kombu
boto3==1.16.23 \\
    --hash=sha256:22a6 \\
    # via -r requirements/main.in, celery
kombu==4.6.11 \\
    --hash=sha256:be48 \\
    # via -c constraints.txt, celery
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            COMPILED_NEW,
            [("asgiref", True), ("iniconfig", False), ("flask", True), ("pytest", True)],
        ),
        (
            COMPILED_OLD,
            [("alembic", True), ("amqp", False), ("boto3", True), ("kombu", False)],
        ),
    ],
    ids=["via-block", "via-inline-after-hashes"],
)
def test_pip_compile_direct_from_via(text: str, expected: list[tuple[str, bool]]) -> None:
    """An entry is direct when `# via` names an input file or the project, else transitive."""
    deps = pypi.parse("requirements/tests.txt", text)
    assert deps is not None
    assert [(d.name, d.direct) for d in deps] == expected


def test_url_fragment_is_not_a_comment() -> None:
    """`#egg=` inside a URL is part of it: pip only starts comments after whitespace."""
    deps = pypi.parse("requirements.txt", "-e git+https://g.org/x/y.git#egg=Real_Name\n")
    assert _rows(deps) == [("real-name", None, "runtime", True, "git")]


def test_repeated_lines_give_one_entry() -> None:
    """Identical entries within one file are reported once."""
    assert _rows(pypi.parse("requirements.txt", "a==1\na==1\nb\na==1\n")) == [
        ("a", "==1", "runtime", True, None),
        ("b", None, "runtime", True, None),
    ]


def test_compiled_without_annotations_keeps_entries_direct() -> None:
    """A `--no-annotate` pip-compile output cannot tell transitive from direct: all direct."""
    text = "# This file is autogenerated by pip-compile\nflask==3.0.0\nwerkzeug==3.0.1\n"
    assert [(d.name, d.direct) for d in pypi.parse("requirements.txt", text) or []] == [
        ("flask", True),
        ("werkzeug", True),
    ]


def test_uv_pip_compile_output_is_recognised() -> None:
    """`uv pip compile` output uses the same `# via` annotations as pip-compile."""
    text = (
        "# This file was autogenerated by uv via the following command:\n"
        "#    uv pip compile pyproject.toml -o requirements.txt\n"
        "anyio==4.4.0\n    # via httpx\nhttpx==0.27.0\n    # via app (pyproject.toml)\n"
    )
    assert [(d.name, d.direct) for d in pypi.parse("requirements.txt", text) or []] == [
        ("anyio", False),
        ("httpx", True),
    ]
