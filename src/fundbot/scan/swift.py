"""Swift Package Manager files: `Package.resolved` (v1-v3) and `Package.swift` (best effort)."""

from __future__ import annotations

import posixpath
import re
from typing import Any, Final

from fundbot.errors import ManifestError
from fundbot.model import Dependency, SkipReason
from fundbot.scan._formats import expect_mapping, load_json, type_name

ECOSYSTEM: Final = "swift"
FILE_PATTERNS: tuple[str, ...] = ("Package.resolved", "Package.swift")
LOCKFILE_MANIFESTS: Final[dict[str, str]] = {"Package.resolved": "Package.swift"}
# No lockfile format here records which entries are direct.
LOCKFILES_KNOW_DIRECT: Final[frozenset[str]] = frozenset()
# Lockfiles whose entries carry their own scope per locked version: no walk re-scopes them.
LOCKFILES_KNOW_SCOPE: Final[frozenset[str]] = frozenset()

_SCHEME: Final = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_SCP_LIKE: Final = re.compile(r"^[^/@:\s]+@([^/:\s]+):(.*)$")  # git@github.com:owner/repo.git
# Skipped while looking for `.package(`: strings (which may hold `//`) and comments.
_LEXEME: Final = re.compile(r'"(?:[^"\\\n]++|\\.)*+"|//[^\n]*+|/\*')
# `.package(...)` with at most one level of nested parentheses (`.upToNextMajor(from: "1")`).
_PACKAGE: Final = re.compile(
    r'\.package\s*+\(((?:[^()"]++|"[^"\n]*+"|\((?:[^()"]++|"[^"\n]*+")*+\))*+)\)'
)
_ARGUMENT: Final = re.compile(r'\b(url|path|id|name)\s*+:\s*+"([^"\n]*+)"\s*+,?')
_PLAIN: Final = re.compile(r"^\.?(?:exact|branch|revision)\s*+(?::\s*+(.+)|\((.+)\))$")


def parse(path: str, text: str) -> list[Dependency] | None:
    if posixpath.basename(path) == "Package.resolved":
        return parse_resolved(path, text)
    return parse_manifest(path, text)


def repository_name(location: str) -> str:
    """`https://github.com/Owner/Repo.git` and `git@github.com:owner/repo` ->
    `github.com/owner/repo`: one name for one repository, however it was written."""
    value = location.strip()
    scp = _SCP_LIKE.match(value)
    if scp is not None:
        value = f"{scp.group(1)}/{scp.group(2)}"
    value = _SCHEME.sub("", value)
    value = value.rsplit("@", 1)[-1] if "@" in value.split("/", 1)[0] else value
    value = value.rstrip("/")
    if value.lower().endswith(".git"):
        value = value[:-4]
    return value.rstrip("/").lower()


def _is_local(location: str, kind: Any) -> bool:
    return kind == "localSourceControl" or location.startswith(("/", "file:", ".", "~"))


def parse_resolved(path: str, text: str) -> list[Dependency]:
    data = expect_mapping(path, load_json(path, text))
    holder = data.get("object", data) if data.get("version") == 1 else data
    pins = holder.get("pins", []) if isinstance(holder, dict) else None
    if not isinstance(pins, list):
        raise ManifestError(path, f"expected `pins` to be a list, found {type_name(pins)}")
    found: dict[Dependency, None] = {}
    for pin in pins:
        if isinstance(pin, dict):
            dep = _pin(path, pin)
            if dep is not None:
                found.setdefault(dep, None)
    return list(found)


def _pin(path: str, pin: dict[str, Any]) -> Dependency | None:
    """One pin; v1 says `repositoryURL`, v2 and v3 say `location` (and `kind`)."""
    location = pin.get("location", pin.get("repositoryURL"))
    identity = pin.get("identity", pin.get("package"))
    state = pin.get("state")
    state = state if isinstance(state, dict) else {}
    version = next(
        (state[k] for k in ("version", "branch", "revision") if isinstance(state.get(k), str)),
        None,
    )
    skip: SkipReason | None = None
    if pin.get("kind") == "registry" and isinstance(identity, str) and identity.strip():
        name = identity.strip().lower()  # A registry identity (`scope.name`) has no location.
    elif isinstance(location, str) and location.strip():
        if _is_local(location, pin.get("kind")):
            name, skip = _local_name(location, identity), "path"
        else:
            name = repository_name(location)
    else:
        return None
    return Dependency(ECOSYSTEM, name, version, "runtime", False, path, skip) if name else None


def _local_name(location: str, identity: Any) -> str:
    if isinstance(identity, str) and identity.strip():
        return identity.strip().lower()
    return posixpath.basename(location.rstrip("/")).lower()


def parse_manifest(path: str, text: str) -> list[Dependency]:
    """`.package(url:…, from:…)`, `.package(path:…)`, `.package(id:…)`: read, never run."""
    found: dict[Dependency, None] = {}
    for args in _package_calls(_without_comments(text)):
        dep = _package(path, args)
        if dep is not None:
            found.setdefault(dep, None)
    return list(found)


def _without_comments(text: str) -> str:
    """The source with comments blanked, in one pass (strings may hold `//` in URLs)."""
    parts: list[str] = []
    pos = 0
    while (match := _LEXEME.search(text, pos)) is not None:
        lexeme = match.group()
        if lexeme.startswith('"'):
            parts.append(text[pos : match.end()])
            pos = match.end()
            continue
        parts.append(text[pos : match.start()] + " ")
        if lexeme == "/*":
            close = text.find("*/", match.end())
            pos = len(text) if close < 0 else close + 2
        else:
            pos = match.end()
    parts.append(text[pos:])
    return "".join(parts)


def _package_calls(text: str) -> list[str]:
    return [match.group(1) for match in _PACKAGE.finditer(text)]


def _package(path: str, args: str) -> Dependency | None:
    named = {m.group(1): m.group(2) for m in _ARGUMENT.finditer(args)}
    requirement = _requirement(_ARGUMENT.sub("", args))
    if "url" in named:
        name = repository_name(named["url"])
        if _is_local(named["url"], None):
            return Dependency(
                ECOSYSTEM, _local_name(named["url"], None), None, "runtime", True, path, "path"
            )
        return Dependency(ECOSYSTEM, name, requirement, "runtime", True, path) if name else None
    if "id" in named and named["id"].strip():
        return Dependency(
            ECOSYSTEM, named["id"].strip().lower(), requirement, "runtime", True, path
        )
    if "path" in named:
        name = _local_name(named["path"], None)
        return Dependency(ECOSYSTEM, name, None, "runtime", True, path, "path") if name else None
    return None


def _requirement(rest: str) -> str | None:
    """The version requirement as written, without quotes: `from: 1.0.0`, `1.0.0..<2.0.0`,
    `upToNextMajor(from: 1.0.0)`; an exact version, branch or revision is just its value."""
    text = " ".join(rest.replace('"', "").split()).strip(" ,")
    if not text:
        return None
    plain = _PLAIN.match(text)
    if plain is not None:
        return (plain.group(1) or plain.group(2)).strip()
    return text.lstrip(".")
