"""A tolerant tokenizer for one line of Ruby call arguments (`"a", ">= 1", group: :test`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

Kind = Literal["str", "sym", "label", "arrow", "open", "close", "comma", "word", "comment"]

# Possessive quantifiers throughout: a 2 MB line must not blow the regex backtracking stack.
_TOKEN: Final = re.compile(
    r"""(?P<str>"(?:[^"\\]++|\\.)*+"|'(?:[^'\\]++|\\.)*+'|%q?\{[^}]*+\}|%q?<[^>]*+>|%q?\([^)]*+\))
    |(?P<words>%[wi][\[({<][^\])}>]*+[\])}>])
    |(?P<label>[A-Za-z_]\w*+[?!]?:(?!:))
    |(?P<sym>:(?:"[^"]*+"|[A-Za-z_]\w*+[?!]?))
    |(?P<arrow>=>)
    |(?P<comment>\#.*+)
    |(?P<open>[\[(])|(?P<close>[\])])|(?P<comma>,)
    |(?P<word>[\w.:@$!?]++|\S)""",
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str  # a string's or symbol's value, a label without its colon, else the source


def tokens(line: str) -> list[Token]:
    """The line's tokens up to a comment; `%w[a b]` becomes its strings in brackets."""
    found: list[Token] = []
    for match in _TOKEN.finditer(line):
        kind = match.lastgroup
        text = match.group()
        if kind == "comment":
            break
        if kind == "str":
            found.append(Token("str", _string_value(text)))
        elif kind == "words":
            found.append(Token("open", "["))
            found.extend(Token("str", word) for word in text[3:-1].split())
            found.append(Token("close", "]"))
        elif kind == "word" and text == ".freeze" and found and found[-1].kind == "str":
            continue  # `"rake".freeze` in generated gemspecs is still the string "rake".
        elif kind == "label":
            found.append(Token("label", text[:-1]))
        elif kind == "sym":
            found.append(Token("sym", text[1:].strip('"')))
        else:
            found.append(Token(kind, text))  # type: ignore[arg-type]
    return found


def _string_value(text: str) -> str:
    if text.startswith("%q"):
        return text[3:-1]
    return text[2:-1] if text.startswith("%") else text[1:-1]


@dataclass(frozen=True, slots=True)
class Call:
    """Positional arguments and `key: value` options of a call such as `gem "x", "1", a: :b`."""

    positional: tuple[tuple[Token, ...], ...]
    options: dict[str, tuple[Token, ...]]

    def first_string(self) -> str | None:
        """The first argument when it is a literal string (a gem's name), else None."""
        if self.positional and len(self.positional[0]) == 1:
            token = self.positional[0][0]
            if token.kind == "str" and token.text.strip():
                return token.text.strip()
        return None

    def literal_strings(self) -> list[str]:
        """Strings of the arguments after the first that are literals or arrays of literals;
        an argument held in a variable is only known when Ruby runs, so it gives nothing."""
        found: list[str] = []
        for part in self.positional[1:]:
            if all(t.kind in ("str", "open", "close", "comma") for t in part):
                found.extend(t.text for t in part if t.kind == "str")
        return found


def call_arguments(args: list[Token]) -> Call:
    """Split tokens at top-level commas; `key: v` and `:key => v` become options."""
    if args and args[0].kind == "open" and args[0].text == "(":  # `gem("name", ...)`
        args = args[1:-1] if args[-1].kind == "close" else args[1:]
    positional: list[tuple[Token, ...]] = []
    options: dict[str, tuple[Token, ...]] = {}
    for part in _split(args):
        if len(part) >= 2 and part[0].kind == "label":
            options[part[0].text] = tuple(part[1:])
        elif len(part) >= 3 and part[0].kind in ("sym", "str") and part[1].kind == "arrow":
            options[part[0].text] = tuple(part[2:])
        elif part:
            positional.append(tuple(part))
    return Call(tuple(positional), options)


def _split(args: list[Token]) -> list[list[Token]]:
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in args:
        if token.kind == "open":
            depth += 1
        elif token.kind == "close":
            depth = max(0, depth - 1)
        if token.kind == "comma" and depth == 0:
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def names(values: tuple[Token, ...]) -> list[str]:
    """The symbols or strings in `:test` or `[:development, "test"]`."""
    return [t.text for t in values if t.kind in ("sym", "str")]
