"""`Gemfile` / `gems.rb`: Ruby, read line by line and never evaluated (best effort)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from fundbot.model import Dependency, Scope, SkipReason
from fundbot.scan.rubygems._ruby import Call, Token, call_arguments, names, tokens

ECOSYSTEM: Final = "rubygems"

# A statement that opens a block closed by `end` (the modifier form `x if y` starts otherwise).
_OPENS_BLOCK: Final = frozenset(
    {"if", "unless", "case", "while", "until", "begin", "def", "class", "module"}
)
_HEAD: Final = re.compile(r"[A-Za-z_]\w*+")
_DO_BLOCK: Final = re.compile(r"\bdo(?:\s*+\|[^|]*+\|)?\s*+$")
_GIT_OPTIONS: Final = ("git", "github", "gitlab", "bitbucket")
_MODIFIERS: Final = frozenset({"if", "unless"})


@dataclass(frozen=True, slots=True)
class _Block:
    """What an enclosing block means for the gems inside it."""

    groups: tuple[str, ...] = ()
    skip: SkipReason | None = None


def parse(path: str, text: str) -> list[Dependency]:
    found: dict[Dependency, None] = {}
    stack: list[_Block] = []
    for raw in text.splitlines():
        line = raw.strip()
        head = _HEAD.match(line)
        if head is None:
            if _opens_do_block(line):  # `%w[a b].each do |name|` still needs its `end`.
                stack.append(_Block())
            continue  # Comments, blank lines, and anything that is not a statement we read.
        word = head.group()
        if word == "end":
            if stack:
                stack.pop()
        elif word == "gem":
            dep = _gem(path, tokens(line[3:]), stack)
            if dep is not None:
                found.setdefault(dep, None)
        elif _opens_do_block(line):
            stack.append(_block(word, tokens(line[len(word) :])))  # tokens() drops comments
        elif word in _OPENS_BLOCK:
            stack.append(_Block())
    return list(found)


def _opens_do_block(line: str) -> bool:
    """`group :test do`, `do |x|`, also with a trailing `# comment`."""
    code = line.split(" #", 1)[0].rstrip()
    return code.endswith(("do", "|")) and _DO_BLOCK.search(code) is not None


def _block(head: str, args: list[Token]) -> _Block:
    """`group :test do`, `git "url" do`, `path "dir" do`; other blocks change nothing."""
    call = call_arguments([t for t in args if not (t.kind == "word" and t.text == "do")])
    if head == "group":
        return _Block(groups=tuple(names(tuple(t for part in call.positional for t in part))))
    if head in _GIT_OPTIONS:
        return _Block(skip="git")
    if head == "path":
        return _Block(skip="path")
    return _Block()


def _gem(path: str, args: list[Token], stack: list[_Block]) -> Dependency | None:
    """`gem "name", "~> 1.0", ">= 1.0.1", require: false, group: :test`."""
    modifier = next(
        (i for i, t in enumerate(args) if t.kind == "word" and t.text in _MODIFIERS), None
    )
    call = call_arguments(args[:modifier])  # `gem "x" unless ENV["CI"]` still declares x.
    name = call.first_string()
    if name is None or "#{" in name:
        return None  # A name built at run time cannot be read without running Ruby.
    requirements = call.literal_strings()
    # A requirement interpolated or held in a variable is only known when the Gemfile runs.
    known = requirements and not any("#{" in r for r in requirements)
    version = ", ".join(requirements) if known else None
    groups = [g for block in stack for g in block.groups]
    for key in ("group", "groups"):
        groups.extend(names(call.options.get(key, ())))
    skip = _skip(call) or next((b.skip for b in reversed(stack) if b.skip), None)
    return Dependency(ECOSYSTEM, name, version, scope_of(groups), True, path, skip)


def _skip(call: Call) -> SkipReason | None:
    if any(key in call.options for key in _GIT_OPTIONS):
        return "git"
    if "path" in call.options:
        return "path"
    return None


def scope_of(groups: list[str]) -> Scope:
    """Bundler groups to a scope: development (with or without test) is dev, test alone is
    test; any other group is installed by default, so it stays runtime."""
    lowered = {g.lower() for g in groups}
    if lowered & {"development", "dev"}:
        return "dev"
    if "test" in lowered:
        return "test"
    return "runtime"
