"""PEP 508 requirement strings and PEP 503 names, parsed by hand (no `packaging`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from fundbot.model import SkipReason

_NAME: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_SEPARATORS: Final = re.compile(r"[-_.]+")
# One clause of a version specifier once whitespace is gone: `>=2.0`, `==1.*`, `~=0.10.0`.
# `$`, `{` and `}` let `==${VERSION}` through: environment variables are kept as written.
_CLAUSE: Final = re.compile(r"(?:===|==|!=|<=|>=|~=|<|>)[A-Za-z0-9.*+!_${}-]+")
_VCS_PREFIXES: Final = ("git+", "hg+", "svn+", "bzr+")


@dataclass(frozen=True, slots=True)
class Requirement:
    """The parts of one requirement string fundbot cares about."""

    name: str  # PEP 503 normalised
    version: str | None  # the specifier as written, whitespace removed; None when absent
    skip_reason: SkipReason | None  # set for direct references and unparseable specifiers
    extras: tuple[str, ...] = ()


def normalize(name: str) -> str:
    """PEP 503: runs of `-`, `_` and `.` become one `-`, lower case."""
    if "_" not in name and "." not in name and "--" not in name:
        return name.lower()  # the common case, without a regex
    return _SEPARATORS.sub("-", name).lower()


def url_skip_reason(url: str) -> SkipReason:
    """Why a direct reference cannot be looked up: a VCS checkout, a local path or a URL."""
    lowered = url.strip().lower()
    if lowered.startswith(_VCS_PREFIXES):
        return "git"
    if lowered.startswith(("http://", "https://", "ftp://")):
        return "url"
    return "path"  # file:, relative and absolute paths


def is_valid_specifier(spec: str) -> bool:
    """True for a whitespace-free specifier such as `>=2.0,<3` (empty counts as valid)."""
    return not spec or all(_CLAUSE.fullmatch(part) for part in spec.split(","))


def parse_requirement(text: str) -> Requirement | None:
    """`name[extras] (spec) ; marker` or `name @ url ; marker`; None when there is no name.

    Markers never exclude a dependency: they are read past, not evaluated.
    """
    text = text.strip()
    match = _NAME.match(text)
    if match is None:
        return None
    name = normalize(match.group())
    rest = text[match.end() :].lstrip()
    extras: tuple[str, ...] = ()
    if rest.startswith("["):
        close = rest.find("]")
        if close < 0:
            return Requirement(name, None, "invalid")
        extras = tuple(e.strip() for e in rest[1:close].split(",") if e.strip())
        rest = rest[close + 1 :].lstrip()
    if rest.startswith("@"):
        url = _url_part(rest[1:])
        if not url:
            return Requirement(name, None, "invalid", extras)
        return Requirement(name, None, url_skip_reason(url), extras)
    written = rest.partition(";")[0]
    spec = "".join(written.split())
    if spec.startswith("(") and spec.endswith(")"):
        spec = spec[1:-1]
    if not is_valid_specifier(spec):
        return Requirement(name, written.strip() or None, "invalid", extras)
    return Requirement(name, spec or None, None, extras)


def _url_part(rest: str) -> str:
    """The URL of a direct reference: a marker may follow after whitespace and `;`."""
    words = rest.split()
    return words[0].rstrip(";") if words else ""


def name_from_url(url: str) -> str | None:
    """Best guess at the project a URL or path points to.

    `#egg=name` wins; then a wheel (`name-1.0-py3-none-any.whl`) or sdist
    (`name-1.0.tar.gz`) file name; then the last path segment (`…/repo.git` -> `repo`).
    """
    base, _, fragment = url.partition("#")
    for part in fragment.split("&"):
        key, _, value = part.partition("=")
        if key == "egg" and value:
            return _clean_name(value.partition("[")[0])
    base = base.split("?", 1)[0].rstrip("/")
    last = base.rsplit("/", 1)[-1].partition("@")[0]
    if last.endswith(".whl"):
        return _clean_name(last.partition("-")[0])
    for suffix in (".tar.gz", ".tar.bz2", ".tar.xz", ".zip", ".tgz"):
        if last.endswith(suffix):
            stem = last[: -len(suffix)]
            return _clean_name(stem.rpartition("-")[0] or stem)
    if last.endswith(".git"):
        last = last[:-4]
    return _clean_name(last)


def _clean_name(candidate: str) -> str | None:
    match = _NAME.match(candidate.strip())
    return normalize(match.group()) if match else None
