"""Parse GitHub's FUNDING.yml into channels, reporting every problem and never raising."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

import yaml

from fundbot.links.platforms import channel_from_platform, funding_yml_keys, is_deprecated
from fundbot.links.urls import normalize_url
from fundbot.model import FundingChannel

MAX_BYTES: Final = 64 * 1024
# GitHub's documented caps: one organisation and up to four developers for `github`,
# up to four custom URLs, one name for every other platform.
LIMITS: Final = {"github": 5, "custom": 4}
# Values copied from GitHub's template and docs examples rather than filled in.
PLACEHOLDERS: Final = frozenset(
    {
        "user1",
        "user2",
        "username",
        "link1",
        "link2",
        "link3",
        "link4",
        "project-name",
        "platform-name/package-name",
        "octocat",
        "surftocat",
        "npm/octo-package",
        "https://www.paypal.me/octocat",
        "octocat.com",
    }
)


@dataclass(frozen=True, slots=True)
class FundingYml:
    """The channels a FUNDING.yml names, and one line per thing wrong with it."""

    channels: tuple[FundingChannel, ...] = ()
    problems: tuple[str, ...] = ()


def _load(text: str) -> tuple[Any, str | None]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        # `loader` is yaml's SafeLoader (the C one when libyaml is there): no object construction.
        return yaml.load(text, Loader=loader), None  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        return None, f"invalid YAML{where}: {problem}"
    except (ValueError, RecursionError, TypeError) as exc:
        return None, f"invalid YAML: {type(exc).__name__}"


def parse_funding_yml(text: str, *, found_via: str) -> FundingYml:
    """Every channel the file names (deduplicated by URL), in file order."""
    if not isinstance(text, str):
        return FundingYml(problems=("not a text file",))
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        return FundingYml(problems=(f"file larger than {MAX_BYTES // 1024} KB; ignored",))
    data, error = _load(text)
    if error:
        return FundingYml(problems=(error,))
    if data is None:
        return FundingYml()
    if not isinstance(data, dict):
        return FundingYml(problems=(f"expected a mapping of platforms, found {_kind(data)}",))
    channels: list[FundingChannel] = []
    problems: list[str] = []
    known = funding_yml_keys()
    for raw_key, raw_value in data.items():
        key = str(raw_key).strip().lower()
        if key not in known:
            problems.append(f"unknown key `{_short(raw_key)}` ignored")
            continue
        values = _values(key, raw_value, problems)
        if is_deprecated(key):
            if values:
                problems.append(f"`{key}` is no longer supported by GitHub; ignored")
            continue
        channels.extend(_channels(key, values, found_via, problems))
    return FundingYml(tuple(_dedupe(channels)), tuple(problems))


def _values(key: str, raw: Any, problems: list[str]) -> list[str]:
    """The non-empty, non-placeholder strings under one key."""
    items = raw if isinstance(raw, list) else [raw]
    values: list[str] = []
    for item in items:
        if item is None:
            continue
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            problems.append(f"`{key}`: expected a name or a list of names, found {_kind(item)}")
            continue
        for value in _split_commas(str(item).strip()):
            if value and not _is_placeholder(value):
                values.append(value)
    return values


def _split_commas(value: str) -> list[str]:
    """`github: a, b` means two names; a comma inside one URL does not split it."""
    if "," not in value:
        return [value]
    parts = [p.strip().strip("'\"") for p in value.strip("[]").split(",")]
    parts = [p for p in parts if p]
    if all(" " not in p for p in parts) and (
        all("://" not in p for p in parts) or all(normalize_url(p) for p in parts)
    ):
        return parts
    return [value]


def _is_placeholder(value: str) -> bool:
    lowered = value.lower()
    return lowered in PLACEHOLDERS or lowered.startswith(("replace with", "# replace"))


def _channels(
    key: str, values: list[str], found_via: str, problems: list[str]
) -> list[FundingChannel]:
    limit = LIMITS.get(key, 1)
    if len(values) > limit:
        dropped = ", ".join(f"`{_short(v)}`" for v in values[limit:])
        problems.append(f"`{key}`: GitHub shows at most {limit}; ignored {dropped}")
        values = values[:limit]
    channels = []
    for value in values:
        channel = channel_from_platform(key, value, found_via)
        if channel is None:
            problems.append(f"`{key}`: `{_short(value)}` is not a valid {_expected(key)}")
        else:
            channels.append(channel)
    return channels


def _expected(key: str) -> str:
    return "URL" if key == "custom" else "name"


def _dedupe(channels: Iterable[FundingChannel]) -> list[FundingChannel]:
    seen: set[str] = set()
    kept = []
    for channel in channels:
        if channel.url not in seen:
            seen.add(channel.url)
            kept.append(channel)
    return kept


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"`{_short(value)}`"


def _short(value: Any) -> str:
    """A one-line, bounded rendering of user content for problem messages."""
    text = " ".join(str(value).split())
    return text if len(text) <= 60 else text[:57] + "..."
