"""The schema of `.github/fundbot.yml`: every key, what it accepts, and the checks that say so."""

from __future__ import annotations

import datetime
import difflib
import json
import re
from collections.abc import Callable, Collection, Mapping
from typing import Final

from fundbot.errors import ConfigProblem
from fundbot.model import PLATFORMS, SCOPES
from fundbot.words import plural

SPONSORS_FREQUENCIES: Final = ("monthly", "one-time")
EXTENDS_KEY: Final = "_extends"
TOP_LEVEL: Final = "(top level)"

# Probot's `_extends` grammar: `repo`, `owner/repo`, either followed by `:path/to/file.yml`.
EXTENDS_RE: Final = re.compile(
    r"^(?:([a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38})/)?([-_.\w]+)(?::([-_./\w]+\.ya?ml))?$",
    re.IGNORECASE,
)
_REPO_NAME: Final = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_CURRENCY: Final = re.compile(r"^[A-Z]{3}$")
# Keys shown as written; others (newlines, backticks, markup) are shown JSON-quoted.
_PLAIN_KEY: Final = re.compile(r"^[A-Za-z0-9_-]{1,60}$")

Checker = Callable[[str, str, object], list[ConfigProblem]]


def describe(value: object) -> str:
    """What was found, shortened, in YAML's words: never the whole of a hostile value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, int):
        return f"{_short(str(value))} (a whole number)"
    if isinstance(value, float):
        return f"{_short(repr(value))} (a number)"
    if isinstance(value, str):
        return f"{_short(json.dumps(value))} (a string)"
    if isinstance(value, Mapping):
        return f"a mapping of {plural(len(value), 'key')}"
    if isinstance(value, list | tuple):
        return f"a list of {plural(len(value), 'item')}"
    if isinstance(value, datetime.date):
        return f"{value.isoformat()} (a date)"
    return f"a {type(value).__name__}"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def key_name(key: object) -> str:
    """A mapping key as shown in a problem: plain names as they are, anything else quoted."""
    if not isinstance(key, str):
        return describe(key)
    return key if _PLAIN_KEY.match(key) else _short(json.dumps(key))


def _problem(file: str, key: str, value: object, expected: str) -> list[ConfigProblem]:
    return [ConfigProblem(file=file, key=key, found=describe(value), expected=expected)]


def unknown_key(file: str, key: str, known: Collection[str]) -> ConfigProblem:
    """A key fundbot does not read, with the nearest known key when one is close."""
    last = key.rsplit(".", 1)[-1]
    close = difflib.get_close_matches(last, sorted(known), n=1, cutoff=0.6)
    hint = f"; did you mean `{close[0]}`?" if close else f" (one of {', '.join(sorted(known))})"
    return ConfigProblem(file=file, key=key, found="an unknown key", expected="a known key" + hint)


def is_int(value: object) -> bool:
    """A whole number; YAML's `true` is a bool in Python, and a bool is not a count."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    return (is_int(value) or isinstance(value, float)) and value == value  # NaN is not


def whole(
    minimum: int, *, nullable: bool = False, meaning: str = "", maximum: int | None = None
) -> Checker:
    bound = f"≥ {minimum}" if maximum is None else f"from {minimum} to {maximum}"
    expected = f"a whole number {bound}{meaning}" + (", or null" if nullable else "")

    def check(file: str, key: str, value: object) -> list[ConfigProblem]:
        if value is None and nullable:
            return []
        in_range = is_int(value) and minimum <= value <= (maximum or value)  # type: ignore[operator]
        if in_range:
            return []
        return _problem(file, key, value, expected)

    return check


def number(low: float, *, low_open: bool = False, high: float | None = None) -> Checker:
    bound = f"> {low:g}" if low_open else f"≥ {low:g}"
    expected = f"a number {bound}" + (f" and ≤ {high:g}" if high is not None else "")

    def check(file: str, key: str, value: object) -> list[ConfigProblem]:
        if is_number(value) and abs(value) < 1e300:  # type: ignore[arg-type]
            v = float(value)  # type: ignore[arg-type]
            above = v > low if low_open else v >= low
            if above and (high is None or v <= high) and v != float("inf"):
                return []
        return _problem(file, key, value, expected)

    return check


def boolean(file: str, key: str, value: object) -> list[ConfigProblem]:
    return [] if isinstance(value, bool) else _problem(file, key, value, "true or false")


def choice(options: tuple[str, ...]) -> Checker:
    expected = "one of " + ", ".join(f"`{o}`" for o in options)

    def check(file: str, key: str, value: object) -> list[ConfigProblem]:
        return [] if value in options else _problem(file, key, value, expected)

    return check


def text(
    pattern: re.Pattern[str] | None, expected: str, limit: int = 256, *, nullable: bool = False
) -> Checker:
    def check(file: str, key: str, value: object) -> list[ConfigProblem]:
        if value is None and nullable:
            return []
        fits = isinstance(value, str) and bool(value.strip()) and len(value) <= limit
        if fits and (pattern is None or pattern.match(str(value))):
            return []
        return _problem(file, key, value, expected)

    return check


def list_of(item: Checker, expected: str, *, unique: bool = False, limit: int = 1000) -> Checker:
    def check(file: str, key: str, value: object) -> list[ConfigProblem]:
        if not isinstance(value, list) or len(value) > limit:
            return _problem(file, key, value, f"a list of {expected}")
        problems: list[ConfigProblem] = []
        seen: set[object] = set()
        for index, entry in enumerate(value):
            problems += item(file, f"{key}.{index}", entry)
            if unique and isinstance(entry, str):
                if entry in seen:
                    problems += _problem(file, f"{key}.{index}", entry, "no repeated entries")
                seen.add(entry)
        return problems

    return check


def mapping_of(keys: tuple[str, ...], value: Checker) -> Checker:
    def check(file: str, key: str, raw: object) -> list[ConfigProblem]:
        if not isinstance(raw, Mapping):
            return _problem(file, key, raw, f"a mapping with keys among {', '.join(keys)}")
        problems: list[ConfigProblem] = []
        for sub, entry in raw.items():
            dotted = f"{key}.{key_name(sub)}"
            if sub not in keys:
                problems.append(unknown_key(file, dotted, keys))
            else:
                problems += value(file, dotted, entry)
        return problems

    return check


PLEDGE_KEYS: Final = ("report_url", "last_report_date")
_URL: Final = re.compile(r"^https?://[^\s/]+\.[^\s/]+(/\S*)?$")


def pledge_settings(file: str, key: str, value: object) -> list[ConfigProblem]:
    """`pledge:` — `report_url` (the published report) and `last_report_date`, each or null."""
    if not isinstance(value, Mapping):
        return _problem(file, key, value, f"a mapping with keys among {', '.join(PLEDGE_KEYS)}")
    problems: list[ConfigProblem] = []
    for sub, entry in value.items():
        dotted = f"{key}.{key_name(sub)}"
        if sub not in PLEDGE_KEYS:
            problems.append(unknown_key(file, dotted, PLEDGE_KEYS))
        elif entry is None:
            continue
        elif sub == "report_url":
            if not (isinstance(entry, str) and len(entry) <= 2000 and _URL.match(entry)):
                problems += _problem(file, dotted, entry, "an http(s) URL, or null")
        elif not _is_day(entry):
            problems += _problem(file, dotted, entry, "a date like 2025-10-08, or null")
    return problems


def _is_day(value: object) -> bool:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return True
    if not isinstance(value, str):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def extends(file: str, key: str, value: object) -> list[ConfigProblem]:
    expected = "`repo`, `owner/repo` or `owner/repo:path/to/file.yml` (Probot's `_extends`)"
    if isinstance(value, str) and EXTENDS_RE.match(value) and ".." not in value.split(":")[-1]:
        return []
    return _problem(file, key, value, expected)


_STRING = text(None, "a non-empty string")
_LABEL = text(None, "a label name of 1 to 50 characters", limit=50)
_PLATFORM = choice(PLATFORMS)

# Every key of `.github/fundbot.yml`, in the order of config/default.yml.
SCHEMA: Final[dict[str, Checker]] = {
    "developers": whole(1, nullable=True, meaning=" (null: estimate from commit authors)"),
    "per_developer": whole(0),
    "budget": whole(0, nullable=True, meaning=" (null: developers x per_developer)"),
    "currency": text(_CURRENCY, "a three-letter currency code such as USD"),
    "scope_weights": mapping_of(SCOPES, number(0)),
    "transitive_weight": number(0),
    "pass_down": number(0, high=1),
    # Each level multiplies the paths walked; past 10 the shares are too thin to matter.
    "depth": whole(1, maximum=10, meaning=" (levels of the graph; 1: direct dependencies only)"),
    "min_amount": whole(0),
    "max_share": number(0, low_open=True, high=1),
    "max_recipients": whole(1, nullable=True),
    "platform_order": list_of(_PLATFORM, "platform ids", unique=True),
    "exclude": list_of(_STRING, "glob patterns (strings)"),
    "ignore_paths": list_of(_STRING, "glob patterns (strings)"),
    "include_forks": boolean,
    "include_archived": boolean,
    "plan_repository": text(_REPO_NAME, "a repository name in the organisation, like .github"),
    "repository_issues": boolean,
    "min_fundable": whole(1),
    "issue_title": text(None, "a non-empty title of at most 256 characters"),
    "plan_issue_title": text(None, "a non-empty title of at most 256 characters"),
    "show_private_repositories": boolean,
    "labels": list_of(_LABEL, "label names", unique=True, limit=20),
    "pull_request_comments": boolean,
    "sponsors_frequency": choice(SPONSORS_FREQUENCIES),
    "payments_repository": text(
        _REPO_NAME, "a repository name in the organisation, like finance, or null", nullable=True
    ),
    "pledge": pledge_settings,
    EXTENDS_KEY: extends,
}
SETTINGS_KEYS: Final = tuple(k for k in SCHEMA if k != EXTENDS_KEY)


# What an issue says instead of the text of a file in another repository (`hide_values`).
NOT_SHOWN: Final = "a value not shown here (the file is in another repository)"
NOT_SHOWN_KEY: Final = "(a key not shown)"
# An `_extends` target that is missing, may not be read, or failed to come: one answer, as
# which of them it was would tell a reader of the issue what another repository holds.
EXTENDS_UNREADABLE: Final = "no settings file fundbot can read there"
EXTENDS_OTHER_OWNER: Final = "a repository of another owner"
# Problems whose `found` fundbot writes itself, never quoting the file: shown anywhere.
OWN_WORDS: Final = frozenset({"an unknown key", "a cycle", EXTENDS_UNREADABLE, EXTENDS_OTHER_OWNER})


def hide_values(problem: ConfigProblem) -> ConfigProblem:
    """The problem as an issue of another repository may show it: the file and the key,
    never a value, a key the schema does not know, or YAML's quote of the text."""
    parts = problem.key.split(".")
    known = problem.key == TOP_LEVEL or all(
        part in SCHEMA or part in SCOPES or part in PLEDGE_KEYS or part.isdigit() for part in parts
    )
    found = problem.found
    if found.startswith("invalid YAML"):
        found = "invalid YAML (not quoted here: the file is in another repository)"
    elif found not in OWN_WORDS:
        found = NOT_SHOWN
    expected = problem.expected
    if problem.found == "an unknown key" or not known:
        expected = "a known key"
    return ConfigProblem(problem.file, problem.key if known else NOT_SHOWN_KEY, found, expected)


def check(raw: object, file: str) -> list[ConfigProblem]:
    """Every problem in one layer of configuration, in the file's order; [] when valid."""
    if not isinstance(raw, Mapping):
        return _problem(file, TOP_LEVEL, raw, "a mapping of settings (`key: value` lines)")
    problems: list[ConfigProblem] = []
    for key, value in raw.items():
        if not isinstance(key, str) or key not in SCHEMA:
            problems.append(unknown_key(file, key_name(key), SETTINGS_KEYS))
        else:
            problems += SCHEMA[key](file, key, value)
    return problems
