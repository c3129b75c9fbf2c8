"""Parse and validate fundingjson.org manifests (v1.0.0, v1.1.0) into channels and plans."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from fundbot.funding.platforms import channel_from_url
from fundbot.funding.urls import normalize_url
from fundbot.model import FundingChannel, FundingPlanOffer

FOUND_VIA: Final = "funding.json"
VERSIONS: Final = ("v1.0.0", "v1.1.0")
WELL_KNOWN_PATH: Final = "/.well-known/funding-manifest-urls"
MAX_BYTES: Final = 256 * 1024
MAX_WELL_KNOWN_LINES: Final = 100

ENTITY_TYPES: Final = ("individual", "group", "organisation", "other")
ENTITY_ROLES: Final = ("owner", "steward", "maintainer", "contributor", "other")
CHANNEL_TYPES: Final = ("bank", "payment-provider", "cheque", "cash", "other")
PLAN_STATUSES: Final = ("active", "inactive")
FREQUENCIES: Final = ("one-time", "weekly", "fortnightly", "monthly", "yearly", "other")
_GUID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")
_TAG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class Entity:
    """Who solicits the money."""

    type: str
    role: str
    name: str
    email: str
    webpage_url: str | None


@dataclass(frozen=True, slots=True)
class UrlClaim:
    """A URL the manifest speaks for (entity/project webpage, repository), with its proof."""

    field: str  # e.g. `projects[0].repositoryUrl`
    url: str
    well_known: str | None
    # The URL is not under the manifest's own host and path: trust needs a wellKnown proof.
    needs_proof: bool


@dataclass(frozen=True, slots=True)
class FundingJson:
    """What one funding.json says, and one line per way it breaks the schema."""

    version: str | None = None
    entity: Entity | None = None
    channels: tuple[FundingChannel, ...] = ()
    offers: tuple[FundingPlanOffer, ...] = ()
    claims: tuple[UrlClaim, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def repositories(self) -> tuple[str, ...]:
        return tuple(c.url for c in self.claims if c.field.endswith(".repositoryUrl"))


def parse_funding_json(text: str, *, found_via: str = FOUND_VIA, manifest_url: str) -> FundingJson:
    """Validate by hand against the v1 schema; never raises on bad content."""
    data, problem = _load(text)
    if problem:
        return FundingJson(problems=(problem,))
    assert isinstance(data, dict)
    problems: list[str] = []
    version = _version(data, problems)
    if version is None:
        return FundingJson(problems=tuple(problems))
    entity = _entity(data.get("entity"), problems)
    claims = _claims(data, manifest_url, version, problems)
    funding = data.get("funding")
    if not isinstance(funding, dict):
        problems.append("`funding`: required object missing")
        return FundingJson(version, entity, claims=claims, problems=tuple(problems))
    guids, channels = _channels(funding.get("channels"), manifest_url, found_via, problems)
    offers = _plans(funding.get("plans"), guids, problems)
    _history(funding.get("history"), version, problems)
    return FundingJson(version, entity, channels, offers, claims, tuple(problems))


def _load(text: str) -> tuple[Any, str | None]:
    if not isinstance(text, str):
        return None, "not a text file"
    if len(text) > MAX_BYTES:
        return None, f"file larger than {MAX_BYTES // 1024} KB; ignored"
    stripped = text.strip().lstrip("\ufeff")
    try:
        data = json.loads(stripped)
    except (ValueError, RecursionError):
        if re.fullmatch(r"[\w./-]+\.json", stripped):
            return None, f"not JSON: the file holds the path `{stripped}` (a git symlink?)"
        return None, "not valid JSON"
    if not isinstance(data, dict):
        return None, "not a funding.json manifest: expected a JSON object"
    return data, None


def _version(data: dict[str, Any], problems: list[str]) -> str | None:
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
    problems.append(f"`version`: unsupported version {_short(version)}")
    return None


def _entity(raw: Any, problems: list[str]) -> Entity | None:
    if not isinstance(raw, dict):
        problems.append("`entity`: required object missing")
        return None
    _enum(raw, "type", ENTITY_TYPES, "entity", problems)
    _enum(raw, "role", ENTITY_ROLES, "entity", problems)
    _text(raw, "name", "entity", problems, maximum=250)
    _text(raw, "description", "entity", problems, maximum=2000)
    email = _text(raw, "email", "entity", problems, maximum=250)
    if email and not _EMAIL.match(email):
        problems.append(f"`entity.email`: `{_short(email)}` is not an e-mail address")
    _text(raw, "phone", "entity", problems, maximum=32, required=False)
    webpage = raw.get("webpageUrl")
    url = webpage.get("url") if isinstance(webpage, dict) else None
    return Entity(
        type=str(raw.get("type", "")),
        role=str(raw.get("role", "")),
        name=str(raw.get("name", "")),
        email=str(raw.get("email", "")),
        webpage_url=normalize_url(url) if isinstance(url, str) else None,
    )


def _claims(
    data: dict[str, Any], manifest_url: str, version: str, problems: list[str]
) -> tuple[UrlClaim, ...]:
    fields: list[tuple[str, Any]] = []
    entity = data.get("entity")
    if isinstance(entity, dict):
        fields.append(("entity.webpageUrl", entity.get("webpageUrl")))
    projects = data.get("projects")
    if projects is None and version == "v1.0.0":
        problems.append("`projects`: required in v1.0.0")
    elif projects is not None and not isinstance(projects, list):
        problems.append("`projects`: expected a list")
    for n, project in enumerate(projects if isinstance(projects, list) else []):
        where = f"projects[{n}]"
        if not isinstance(project, dict):
            problems.append(f"`{where}`: expected an object")
            continue
        _project_fields(project, where, problems)
        fields.append((f"{where}.webpageUrl", project.get("webpageUrl")))
        fields.append((f"{where}.repositoryUrl", project.get("repositoryUrl")))
    claims = []
    for field, raw in fields:
        claim = _claim(field, raw, manifest_url, problems)
        if claim is not None:
            claims.append(claim)
    return tuple(claims)


def _project_fields(project: dict[str, Any], where: str, problems: list[str]) -> None:
    guid = _text(project, "guid", where, problems, maximum=32)
    if guid and not _GUID.match(guid):
        problems.append(f"`{where}.guid`: lower-case letters, digits and dashes only")
    _text(project, "name", where, problems, maximum=250)
    _text(project, "description", where, problems, maximum=2000)
    licenses = project.get("licenses")
    if not isinstance(licenses, list) or not 1 <= len(licenses) <= 5:
        problems.append(f"`{where}.licenses`: expected 1 to 5 licences")
    tags = project.get("tags")
    if not isinstance(tags, list) or not 1 <= len(tags) <= 10:
        problems.append(f"`{where}.tags`: expected 1 to 10 tags")
    elif not all(isinstance(t, str) and _TAG.match(t) for t in tags):
        problems.append(f"`{where}.tags`: lower-case letters, digits and dashes only")


def _claim(field: str, raw: Any, manifest_url: str, problems: list[str]) -> UrlClaim | None:
    url = raw.get("url") if isinstance(raw, dict) else None
    normal = normalize_url(url) if isinstance(url, str) else None
    if normal is None:
        problems.append(f"`{field}.url`: required http(s) URL missing")
        return None
    well_known_raw = raw.get("wellKnown") or None
    well_known = normalize_url(well_known_raw) if isinstance(well_known_raw, str) else None
    needs = needs_proof(manifest_url, normal)
    if needs and well_known is None:
        problems.append(
            f"`{field}`: {normal} is not under the manifest's address and has no "
            "`wellKnown` proof; not trusted"
        )
    return UrlClaim(field, normal, well_known, needs)


def _channels(
    raw: Any, manifest_url: str, found_via: str, problems: list[str]
) -> tuple[dict[str, str], tuple[FundingChannel, ...]]:
    """Channels by guid (for plans) and as FundingChannels; non-URL addresses link the file."""
    if not isinstance(raw, list) or not raw:
        problems.append("`funding.channels`: expected at least one channel")
        return {}, ()
    guids: dict[str, str] = {}
    channels: list[FundingChannel] = []
    for n, item in enumerate(raw):
        where = f"funding.channels[{n}]"
        if not isinstance(item, dict):
            problems.append(f"`{where}`: expected an object")
            continue
        guid = _text(item, "guid", where, problems, maximum=32)
        if guid and not _GUID.match(guid):
            problems.append(f"`{where}.guid`: lower-case letters, digits and dashes only")
        _enum(item, "type", CHANNEL_TYPES, where, problems)
        address = _text(item, "address", where, problems, maximum=250, required=False)
        _text(item, "description", where, problems, maximum=500, required=False)
        channel = _channel(address, manifest_url, found_via)
        if channel is None:
            continue
        if guid:
            guids[guid] = channel.url
        if all(c.url != channel.url for c in channels):
            channels.append(channel)
    return guids, tuple(channels)


def _channel(address: str | None, manifest_url: str, found_via: str) -> FundingChannel | None:
    """A payment link when the address is one; else the manifest itself says how to pay."""
    if address and "://" in address:
        link = channel_from_url(address, found_via)
        if link is not None:
            return link
    manifest = normalize_url(manifest_url)
    return FundingChannel("funding_json", manifest, None, found_via) if manifest else None


def _plans(raw: Any, guids: dict[str, str], problems: list[str]) -> tuple[FundingPlanOffer, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append("`funding.plans`: expected at least one plan")
        return ()
    offers = []
    for n, item in enumerate(raw):
        offer = _plan(item, f"funding.plans[{n}]", guids, problems)
        if offer is not None:
            offers.append(offer)
    return tuple(offers)


def _plan(
    item: Any, where: str, guids: dict[str, str], problems: list[str]
) -> FundingPlanOffer | None:
    if not isinstance(item, dict):
        problems.append(f"`{where}`: expected an object")
        return None
    _text(item, "guid", where, problems, maximum=32)
    status = _enum(item, "status", PLAN_STATUSES, where, problems)
    name = _text(item, "name", where, problems, maximum=250)
    frequency = _enum(item, "frequency", FREQUENCIES, where, problems)
    amount = _amount(item.get("amount"), where, problems)
    currency = item.get("currency")
    if not isinstance(currency, str) or not _CURRENCY.match(currency):
        problems.append(f"`{where}.currency`: expected a three-letter ISO 4217 code")
        currency = None
    refs = item.get("channels")
    if not isinstance(refs, list) or not refs:
        problems.append(f"`{where}.channels`: expected at least one channel guid")
        refs = []
    unknown = [_short(r) for r in refs if not isinstance(r, str) or r not in guids]
    if unknown:
        problems.append(f"`{where}.channels`: unknown channel {', '.join(unknown)}")
    urls = tuple(dict.fromkeys(guids[r] for r in refs if isinstance(r, str) and r in guids))
    # An inactive plan, or one with no channel to pay through, is no offer.
    if status != "active" or amount is None or not (name and frequency and currency and urls):
        return None
    return FundingPlanOffer(name, amount, currency, frequency, urls)


def _amount(value: Any, where: str, problems: list[str]) -> float | None:
    """0 is the schema's wildcard for "any amount"."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1e9:
        return float(value)
    problems.append(f"`{where}.amount`: expected a number from 0 (any amount) upwards")
    return None


def _history(raw: Any, version: str, problems: list[str]) -> None:
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
        if version == "v1.1.0" and not _CURRENCY.match(str(item.get("currency", ""))):
            problems.append(f"`{where}.currency`: expected a three-letter ISO 4217 code")


def _text(
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


def _enum(
    raw: dict[str, Any], key: str, allowed: tuple[str, ...], where: str, problems: list[str]
) -> str | None:
    value = raw.get(key)
    if value not in allowed:
        problems.append(f"`{where}.{key}`: expected one of {', '.join(allowed)}")
        return None
    return str(value)


def _short(value: Any) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------------------------------
# The wellKnown proof (pure: the source fetches the well-known file and passes its text).


def needs_proof(manifest_url: str, url: str) -> bool:
    """A URL outside the manifest's host, or beside rather than above/below its path."""
    manifest, target = urlsplit(manifest_url), urlsplit(url)
    if manifest.hostname != target.hostname:
        return True
    base = manifest.path.rsplit("/", 1)[0].rstrip("/") + "/"
    path = target.path.rstrip("/") + "/"
    return not (base == "/" or path.startswith(base) or base.startswith(path))


def check_proof(claim: UrlClaim, manifest_url: str, well_known_text: str | None) -> str | None:
    """None when the claim is trusted; else why not, in one line."""
    if not claim.needs_proof:
        return None
    if claim.well_known is None:
        return f"{claim.url}: no wellKnown proof"
    proof, target = urlsplit(claim.well_known), urlsplit(claim.url)
    if not proof.path.endswith(WELL_KNOWN_PATH):
        return f"{claim.url}: wellKnown must end in {WELL_KNOWN_PATH}"
    if proof.hostname != target.hostname:
        return f"{claim.url}: wellKnown is on another host"
    prefix = proof.path.removesuffix(WELL_KNOWN_PATH).rstrip("/")
    target_path = target.path.rstrip("/")
    if prefix and not (prefix + "/").startswith(target_path + "/"):
        return f"{claim.url}: wellKnown is not under that address"
    if well_known_text is None:
        return f"{claim.url}: wellKnown file could not be fetched"
    listed = {
        normalize_url(line)
        for line in well_known_text.splitlines()[:MAX_WELL_KNOWN_LINES]
        if line.strip() and not line.lstrip().startswith("#")
    }
    if normalize_url(manifest_url) not in listed:
        return f"{claim.url}: the wellKnown file does not list {manifest_url}"
    return None
