"""A small tokenizer and data-literal reader for Elixir (`mix.lock`, `mix.exs`): never eval."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final, TypeAlias

from fundbot.errors import ManifestError

MAX_DEPTH: Final = 64

_TOKEN: Final = re.compile(
    r"""(?P<comment>\#[^\n]*+)
    |(?P<sigil>~[a-zA-Z](?:\([^)]*+\)|\[[^\]]*+\]|\{[^}]*+\}|<[^>]*+>|/[^/]*+/|\|[^|]*+\|
        |"[^"]*+"|'[^']*+')[a-zA-Z]*+)
    |(?P<kwstr>"(?:[^"\\]++|\\.)*+":(?=\s))
    |(?P<str>"(?:[^"\\]++|\\.)*+")
    |(?P<charlist>'(?:[^'\\]++|\\.)*+')
    |(?P<kw>[A-Za-z_]\w*+[?!]?:(?=\s))
    |(?P<atom>:(?:"(?:[^"\\]++|\\.)*+"|[A-Za-z_][\w@]*+[?!]?))
    |(?P<open>%\{|[\[{(])
    |(?P<close>[\]})])
    |(?P<arrow>=>)
    |(?P<comma>,)
    |(?P<word>[\w.@?!]++)
    |(?P<other>\S)""",
    re.VERBOSE,
)
# `true`, `false` and `nil` are atoms written without a colon.
_BARE_ATOMS: Final = frozenset({"true", "false", "nil"})


# (kind, text): strings and atoms without quotes or colon, a keyword key without its colon.
Tok: TypeAlias = tuple[str, str]


class Atom(str):
    """An Elixir atom (`:hex`), kept apart from strings."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Pair:
    """`key: value` in a keyword list, or `"key": value` / `key => value` in a map."""

    key: str
    value: Value


# What a literal reads as: anything that is not data (a call, an operator) is None.
Value: TypeAlias = "str | Atom | tuple[Value, ...] | list[Value] | Pair | None"


def tokenize(text: str, pos: int = 0) -> Iterator[Tok]:
    """Tokens from `pos` on, lazily: a reader that gives up early never lexes the rest."""
    for match in _TOKEN.finditer(text, pos):
        kind = match.lastgroup or "other"
        raw = match.group()
        if kind == "comment":
            continue
        if kind == "str":
            yield "str", raw[1:-1]
        elif kind == "kwstr":
            yield "kw", raw[1:-2]
        elif kind == "kw":
            yield "kw", raw[:-1]
        elif kind == "atom":
            yield "atom", raw[1:].strip('"')
        else:
            yield kind, raw


class Reader:
    """Reads literals from a token stream; tolerant of code it does not understand."""

    def __init__(self, path: str, tokens: Iterator[Tok]) -> None:
        self.path = path
        self._tokens = tokens
        self._next: Tok | None = next(tokens, None)

    def peek(self) -> Tok | None:
        return self._next

    def take(self) -> Tok | None:
        tok = self._next
        self._next = next(self._tokens, None)
        return tok

    def value(self, depth: int = 0) -> Value:
        """The literal at the head of the stream, or None for anything else (one token)."""
        if depth > MAX_DEPTH:
            raise ManifestError(self.path, "nested too deeply")
        tok = self.take()
        if tok is None:
            return None
        kind, text = tok
        if kind == "str":
            return text
        if kind == "atom" or (kind == "word" and text in _BARE_ATOMS):
            return Atom(text)
        if kind == "open":
            items = self.items(depth + 1)
            if text == "{":
                return tuple(items)
            return items if text in ("[", "%{") else None
        return None

    def items(self, depth: int) -> list[Value]:
        """Comma-separated elements up to a closer; an element of several tokens is None."""
        items: list[Value] = []
        element: list[Value] = []
        key: str | None = None
        while (tok := self.peek()) is not None:
            kind, text = tok
            if kind in ("close", "comma"):
                self.take()
                if element or key is not None:
                    items.append(_element(key, element))
                element, key = [], None
                if kind == "close":
                    break  # A mismatched closer ends the container all the same.
            elif kind == "kw" and not element and key is None:
                self.take()
                key = text
            elif kind == "arrow" and len(element) == 1 and isinstance(element[0], str):
                self.take()
                key, element = element[0], []
            else:
                element.append(self.value(depth))
        return items


def _element(key: str | None, element: list[Value]) -> Value:
    value = element[0] if len(element) == 1 else None
    return Pair(key, value) if key is not None else value


def keyword(values: tuple[Value, ...] | list[Value]) -> dict[str, Value]:
    """The `key: value` pairs among values, including a trailing keyword list."""
    found: dict[str, Value] = {}
    for value in values:
        if isinstance(value, Pair):
            found[value.key] = value.value
        elif isinstance(value, list):
            found.update((v.key, v.value) for v in value if isinstance(v, Pair))
    return found
