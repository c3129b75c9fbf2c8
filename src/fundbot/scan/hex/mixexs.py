"""`mix.exs` (best effort): the dependency tuples of `deps`, read as literals, never run."""

from __future__ import annotations

import re
from typing import Final

from fundbot.model import Dependency, Scope, SkipReason
from fundbot.scan.hex._elixir import Atom, Reader, Value, keyword, tokenize

ECOSYSTEM: Final = "hex"
_BLOCK_OPENERS: Final = frozenset({"do", "fn"})
# Where the dependency list starts: `defp deps do`, `def deps, do:`, or `deps: [` inline.
_DEPS_START: Final = re.compile(r"\bdefp?\s++deps\b|\bdeps:\s*+(?=\[)")


def parse(path: str, text: str) -> list[Dependency]:
    found: dict[Dependency, None] = {}
    for match in _DEPS_START.finditer(text):
        reader = Reader(path, tokenize(text, match.end()))
        inline = match.group().startswith("deps")
        for value in [reader.value()] if inline else _function_lists(reader):
            for dep in _dependencies(path, value):
                found.setdefault(dep, None)
    return list(found)


def _function_lists(reader: Reader) -> list[Value]:
    """The lists inside `defp deps do … end` (or the one after `defp deps, do:`)."""
    lists: list[Value] = []
    depth = 0
    while (tok := reader.peek()) is not None:
        kind, text = tok
        if kind == "kw" and text == "do" and depth == 0:
            reader.take()
            return [reader.value()]
        if kind == "open" and text == "[" and depth > 0:
            lists.append(reader.value())
            continue
        reader.take()
        if kind == "word" and text in _BLOCK_OPENERS:
            depth += 1
        elif kind == "word" and text == "end":
            depth -= 1
            if depth <= 0:
                break
    return lists


def _dependencies(path: str, value: Value) -> list[Dependency]:
    """Every `{:name, …}` tuple in a list (lists nested by `++` or conditionals included)."""
    if not isinstance(value, list):
        return []
    found: list[Dependency] = []
    for item in value:
        if isinstance(item, tuple) and item and isinstance(item[0], Atom):
            found.append(_dependency(path, item))
    return found


def _dependency(path: str, item: tuple[Value, ...]) -> Dependency:
    """`{:name, "~> 1.0"}`, `{:name, "~> 1.0", only: :test}`, `{:name, git: …}`…"""
    options = keyword(item[1:])
    requirement = next(
        (v for v in item[1:] if isinstance(v, str) and not isinstance(v, Atom)), None
    )
    hex_name = options.get("hex")
    name = str(hex_name) if isinstance(hex_name, Atom) else str(item[0])
    return Dependency(ECOSYSTEM, name, requirement, _scope(options), True, path, _skip(options))


def _scope(options: dict[str, Value]) -> Scope:
    """`only:` decides: without :prod the package is not shipped. `runtime: false` (compile
    time only, e.g. ex_doc) is still code the project builds with, so it stays runtime."""
    only = options.get("only")
    envs = (
        {str(v) for v in only if isinstance(v, Atom)}
        if isinstance(only, list)
        else ({str(only)} if isinstance(only, Atom) else set())
    )
    if envs and "prod" not in envs:
        if "test" in envs and "dev" not in envs:
            return "test"
        return "dev"  # :dev, [:dev, :test], or tooling environments such as :docs.
    if options.get("optional") == Atom("true"):
        return "optional"
    return "runtime"


def _skip(options: dict[str, Value]) -> SkipReason | None:
    if "git" in options or "github" in options:
        return "git"
    if "path" in options:
        return "path"
    if options.get("in_umbrella") == Atom("true"):
        return "workspace"
    return None
