"""npm dependency files: package.json and the npm, Yarn (classic and Berry) and pnpm lockfiles."""

from __future__ import annotations

import posixpath
import re
from typing import Final

from fundbot.model import Dependency
from fundbot.scan.npm import package_json, package_lock, pnpm_lock, yarn_berry, yarn_v1
from fundbot.scan.npm._common import ECOSYSTEM

__all__ = [
    "ECOSYSTEM",
    "FILE_PATTERNS",
    "LOCKFILES_KNOW_DIRECT",
    "LOCKFILES_KNOW_SCOPE",
    "LOCKFILE_MANIFESTS",
    "parse",
]

FILE_PATTERNS: Final[tuple[str, ...]] = (
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
)
LOCKFILE_MANIFESTS: Final[dict[str, str]] = {
    "package-lock.json": "package.json",
    "npm-shrinkwrap.json": "package.json",
    "yarn.lock": "package.json",
    "pnpm-lock.yaml": "package.json",
}
# These record the root's and every workspace member's direct dependencies themselves
# (and which of several locked versions is the direct one); yarn v1 does not.
LOCKFILES_KNOW_DIRECT: Final = frozenset(
    {"package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml"}
)  # package-lock flags each installed copy `dev`/`optional`/`devOptional`, and pnpm's parser
# walks its importers itself, version by version: a walk over names here would blur two
# locked versions of one package into one scope (mocha's dev-only copies, vite's optional
# esbuild binaries), so their scopes stand.
LOCKFILES_KNOW_SCOPE: Final = frozenset(
    {"package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml"}
)


# Berry lockfiles are YAML and always open with a `__metadata:` block.
_BERRY = re.compile(r"^__metadata:", re.MULTILINE)


def parse(path: str, text: str) -> list[Dependency] | None:
    """Dispatch on the file name; None for a file that is not one of ours."""
    name = posixpath.basename(path)
    if name == "package.json":
        return package_json.parse(path, text)
    if name in ("package-lock.json", "npm-shrinkwrap.json"):
        return package_lock.parse(path, text)
    if name == "yarn.lock":
        if _BERRY.search(text):
            return yarn_berry.parse(path, text)
        return yarn_v1.parse(path, text)
    if name == "pnpm-lock.yaml":
        return pnpm_lock.parse(path, text)
    return None
