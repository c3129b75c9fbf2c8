"""funding.json schema checks: the hand-written v1 rules for each field, one problem a line."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final

from fundbot.links.urls import normalize_url

VERSIONS: Final = ("v1.0.0", "v1.1.0")
MAX_BYTES: Final = 256 * 1024

ENTITY_TYPES: Final = ("individual", "group", "organisation", "other")
ENTITY_ROLES: Final = ("owner", "steward", "maintainer", "contributor", "other")
CHANNEL_TYPES: Final = ("bank", "payment-provider", "cheque", "cash", "other")
PLAN_STATUSES: Final = ("active", "inactive")
FREQUENCIES: Final = ("one-time", "weekly", "fortnightly", "monthly", "yearly", "other")
GUID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")
TAG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class Entity:
    """Who solicits the money."""

    type: str
    role: str
    name: str
    email: str
    webpage_url: str | None


def load(text: str) -> dict[str, Any] | str:
    """The manifest's top-level object, or one line saying why there is none."""
    if not isinstance(text, str):
        return "not a text file"
    if len(text) > MAX_BYTES:
        return f"file larger than {MAX_BYTES // 1024} KB; ignored"
    stripped = text.strip().lstrip("\ufeff")
    try:
        data = json.loads(stripped)
    except (ValueError, RecursionError):
        if re.fullmatch(r"[\w./-]+\.json", stripped):
            return f"not JSON: the file holds the path `{stripped}` (a git symlink?)"
        return "not valid JSON"
    if not isinstance(data, dict):
        return "not a funding.json manifest: expected a JSON object"
    return data


def read_version(data: dict[str, Any], problems: list[str]) -> str | None:
    version = data.get("version")
    if "entity" not in data and "funding" not in data:
        keys = ", ".join(sorted(str(k) for k in data)[:5]) or "none"
        problems.append(f"not a fundingjson.org manifest (top-level keys: {keys})")
        return None
    if not isinstance(version, str):
        schema = str(data.get("$schema", ""))
        problems.append("`version`: missing; read as v1.1.0")
        return "v1.0.0" if "v1.0.0" in schema else "v1.1.0"
    if version in VERSIONS:
        return version
    if version.startswith("v1."):
        problems.append(f"`version`: unknown version {version}; read as v1.1.0")
        return "v1.1.0"
    problems.append(f"`version`: unsupported version {short(version)}")
    return None


def read_entity(raw: Any, problems: list[str]) -> Entity | None:
    if not isinstance(raw, dict):
        problems.append("`entity`: required object missing")
        return None
    check_enum(raw, "type", ENTITY_TYPES, "entity", problems)
    check_enum(raw, "role", ENTITY_ROLES, "entity", problems)
    check_text(raw, "name", "entity", problems, maximum=250)
    check_text(raw, "description", "entity", problems, maximum=2000)
    email = check_text(raw, "email", "entity", problems, maximum=250)
    if email and not EMAIL.match(email):
        problems.append(f"`entity.email`: `{short(email)}` is not an e-mail address")
    check_text(raw, "phone", "entity", problems, maximum=32, required=False)
    webpage = raw.get("webpageUrl")
    url = webpage.get("url") if isinstance(webpage, dict) else None
    return Entity(
        type=str(raw.get("type", "")),
        role=str(raw.get("role", "")),
        name=str(raw.get("name", "")),
        email=str(raw.get("email", "")),
        webpage_url=normalize_url(url) if isinstance(url, str) else None,
    )


def check_project(project: dict[str, Any], where: str, problems: list[str]) -> None:
    guid = check_text(project, "guid", where, problems, maximum=32)
    if guid and not GUID.match(guid):
        problems.append(f"`{where}.guid`: lower-case letters, digits and dashes only")
    check_text(project, "name", where, problems, maximum=250)
    check_text(project, "description", where, problems, maximum=2000)
    licenses = project.get("licenses")
    if not isinstance(licenses, list) or not 1 <= len(licenses) <= 5:
        problems.append(f"`{where}.licenses`: expected 1 to 5 licences")
    tags = project.get("tags")
    if not isinstance(tags, list) or not 1 <= len(tags) <= 10:
        problems.append(f"`{where}.tags`: expected 1 to 10 tags")
    elif not all(isinstance(t, str) and TAG.match(t) for t in tags):
        problems.append(f"`{where}.tags`: lower-case letters, digits and dashes only")


def check_history(raw: Any, version: str, problems: list[str]) -> None:
    if raw is None:
        return
    if not isinstance(raw, list):
        problems.append("`funding.history`: expected a list")
        return
    for n, item in enumerate(raw):
        where = f"funding.history[{n}]"
        if not isinstance(item, dict) or not isinstance(item.get("year"), int):
            problems.append(f"`{where}.year`: expected a year")
            continue
        if version == "v1.1.0" and not CURRENCY.match(str(item.get("currency", ""))):
            problems.append(f"`{where}.currency`: expected a three-letter ISO 4217 code")


def check_text(
    raw: dict[str, Any],
    key: str,
    where: str,
    problems: list[str],
    *,
    maximum: int,
    required: bool = True,
) -> str | None:
    value = raw.get(key)
    if value is None or value == "":
        if required:
            problems.append(f"`{where}.{key}`: required")
        return None
    if not isinstance(value, str):
        problems.append(f"`{where}.{key}`: expected text")
        return None
    if len(value) > maximum:
        problems.append(f"`{where}.{key}`: longer than {maximum} characters")
    return value


def check_enum(
    raw: dict[str, Any], key: str, allowed: tuple[str, ...], where: str, problems: list[str]
) -> str | None:
    value = raw.get(key)
    if value not in allowed:
        problems.append(f"`{where}.{key}`: expected one of {', '.join(allowed)}")
        return None
    return str(value)


def short(value: Any) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= 60 else text[:57] + "..."
