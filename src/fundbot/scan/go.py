"""Go modules: `go.mod` requirements, with `replace` and `exclude` applied (`go.sum` is hashes)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from fundbot.errors import ManifestError
from fundbot.model import Dependency, SkipReason

ECOSYSTEM: Final = "go"
FILE_PATTERNS: tuple[str, ...] = ("go.mod",)
# No lockfile here takes its scopes from a manifest beside it.
LOCKFILE_MANIFESTS: Final[dict[str, str]] = {}
# No lockfile format here records which entries are direct.
LOCKFILES_KNOW_DIRECT: Final[frozenset[str]] = frozenset()
# Lockfiles whose entries carry their own scope per locked version: no walk re-scopes them.
LOCKFILES_KNOW_SCOPE: Final[frozenset[str]] = frozenset()

# One token of go.mod's lexer: a comment (to the end of the line), an interpreted or raw
# string, or a bare word (a `/` is part of a word unless it starts `//`).
_TOKEN: Final = re.compile(
    r'(//.*)|("(?:[^"\\\n]++|\\.)*+")|(`[^`\n]*+`)|((?:[^\s/"`]++|/(?!/))++)|(\S)'
)
# The only directives that name dependencies; every other line outside their blocks is skipped.
_VERBS: Final = ("require", "replace", "exclude")


@dataclass(frozen=True, slots=True)
class _Line:
    """One directive's arguments (without the verb inside a block) and its trailing comment."""

    verb: str
    args: tuple[str, ...]
    comment: str


@dataclass(frozen=True, slots=True)
class _Require:
    module: str
    version: str | None
    indirect: bool


def parse(path: str, text: str) -> list[Dependency] | None:
    requires: list[_Require] = []
    replaces: dict[tuple[str, str | None], tuple[str, ...]] = {}
    excludes: set[tuple[str, str]] = set()
    for line in _lines(path, text):
        if line.verb == "require" and line.args:
            version = line.args[1] if len(line.args) > 1 else None
            indirect = line.comment == "indirect" or line.comment.startswith("indirect;")
            requires.append(_Require(line.args[0], version, indirect))
        elif line.verb == "replace" and "=>" in line.args:
            arrow = line.args.index("=>")
            old, new = line.args[:arrow], line.args[arrow + 1 :]
            if old and new:
                replaces[(old[0], old[1] if len(old) > 1 else None)] = new
        elif line.verb == "exclude" and len(line.args) >= 2:
            excludes.add((line.args[0], line.args[1]))
    found: dict[Dependency, None] = {}
    for req in requires:
        if req.version is not None and (req.module, req.version) in excludes:
            continue  # The go command never selects an excluded version.
        found.setdefault(_resolved(path, req, replaces), None)
    return list(found)


def _resolved(
    path: str, req: _Require, replaces: dict[tuple[str, str | None], tuple[str, ...]]
) -> Dependency:
    """Apply a `replace`: a version-specific one wins over one for every version."""
    new = replaces.get((req.module, req.version)) or replaces.get((req.module, None))
    direct = not req.indirect
    skip: SkipReason | None = None if req.version else "invalid"
    if new is None:
        return Dependency(ECOSYSTEM, req.module, req.version, "runtime", direct, path, skip)
    if len(new) == 1 or _is_local(new[0]):
        # A directory on disk: the code is the repository's own copy, not a module download.
        return Dependency(ECOSYSTEM, req.module, req.version, "runtime", direct, path, "path")
    return Dependency(ECOSYSTEM, new[0], new[1], "runtime", direct, path)


def _is_local(target: str) -> bool:
    return target.startswith(("./", "../", "/", ".\\", "..\\")) or target in (".", "..")


def _lines(path: str, text: str) -> Iterator[_Line]:
    """Directives in order; a block `verb ( ... )` yields one line per entry."""
    block: str | None = None
    block_start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if block is None and not raw.lstrip().startswith(_VERBS):
            continue  # module, go, toolchain, retract, tool…: no dependency to read there.
        tokens, comment = _tokens(raw)
        if block is not None:
            if tokens[:1] == [")"]:
                block = None
            elif tokens:
                yield _Line(block, tuple(tokens), comment)
            continue
        if not tokens:
            continue
        if tokens[1:] == ["("]:
            block, block_start = tokens[0], number
        elif tokens[1:2] == ["("] and tokens[-1] == ")":
            yield _Line(tokens[0], tuple(tokens[2:-1]), comment)  # `require ( a v1 )`
        else:
            yield _Line(tokens[0], tuple(tokens[1:]), comment)
    if block is not None:
        raise ManifestError(path, f"`{block} (` block opened at line {block_start} never closes")


def _tokens(line: str) -> tuple[list[str], str]:
    tokens: list[str] = []
    for match in _TOKEN.finditer(line):
        comment, quoted, raw, word, other = match.groups()
        if comment is not None:
            return tokens, comment[2:].strip()
        if quoted is not None:
            tokens.append(_unquote(quoted))
        elif raw is not None:
            tokens.append(raw[1:-1])
        else:
            tokens.append(word if word is not None else other)
    return tokens, ""


def _unquote(quoted: str) -> str:
    # Module paths and versions never need escapes; drop the backslashes rather than decode.
    return re.sub(r"\\(.)", r"\1", quoted[1:-1])
