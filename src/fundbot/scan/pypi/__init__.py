"""PyPI dependency files: dispatch by file name to one submodule per file kind.

Names are PEP 503 normalised. Manifests keep the requirement as written (`==2.31.0`,
`>=2.0,<3`); lockfiles give the bare resolved version. Each submodule's docstring says how
it assigns scopes.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import Final

from fundbot.model import Dependency
from fundbot.scan.pypi import (
    pdm_lock,
    pipfile,
    poetry_lock,
    pylock,
    pyproject,
    requirements,
    setup_cfg,
    setup_py,
    uv_lock,
)

ECOSYSTEM = "pypi"
FILE_PATTERNS: tuple[str, ...] = (
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    "Pipfile",
    "Pipfile.lock",
    "poetry.lock",
    "pdm.lock",
    "uv.lock",
    "pylock.toml",
    "pylock.*.toml",
    "requirements*.txt",
    "*-requirements.txt",
    "*_requirements.txt",
    "requirements/*.txt",
    "*.in",
)
# uv.lock is not here: it records the project's direct dependencies itself.
LOCKFILE_MANIFESTS: Final[dict[str, str]] = {
    "Pipfile.lock": "Pipfile",
    "poetry.lock": "pyproject.toml",
    "pdm.lock": "pyproject.toml",
    "pylock.toml": "pyproject.toml",
}
# No lockfile format here records which entries are direct.
LOCKFILES_KNOW_DIRECT: Final[frozenset[str]] = frozenset()
# Lockfiles whose entries carry their own scope per locked version: no walk re-scopes them.
LOCKFILES_KNOW_SCOPE: Final[frozenset[str]] = frozenset()
# `*.in` also matches these; they are never requirements.
_NOT_REQUIREMENTS: Final = frozenset({"MANIFEST.in", "Makefile.in", "configure.in"})

_BY_NAME: Final[dict[str, Callable[[str, str], list[Dependency]]]] = {
    "pyproject.toml": pyproject.parse,
    "setup.cfg": setup_cfg.parse,
    "setup.py": setup_py.parse,
    "Pipfile": pipfile.parse_pipfile,
    "Pipfile.lock": pipfile.parse_lock,
    "poetry.lock": poetry_lock.parse,
    "pdm.lock": pdm_lock.parse,
    "uv.lock": uv_lock.parse,
    "pylock.toml": pylock.parse,
}


def parse(path: str, text: str) -> list[Dependency] | None:
    """Parse one PyPI file; None for a `*.in` or `requirements/*.txt` that is no requirements."""
    name = posixpath.basename(path)
    handler = _BY_NAME.get(name)
    if handler is not None:
        return handler(path, text)
    if name.startswith("pylock.") and name.endswith(".toml"):
        return pylock.parse(path, text)
    if name in _NOT_REQUIREMENTS:
        return None
    if name.endswith((".txt", ".in")):
        # Only a file named for requirements may hold lines we cannot read.
        named = name.startswith("requirements") or name.endswith("requirements.txt")
        return requirements.parse(path, text, strict=not named)
    return None
