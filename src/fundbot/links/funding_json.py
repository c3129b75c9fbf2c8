"""Parse fundingjson.org manifests (v1.0.0, v1.1.0): the URL claims and their wellKnown proof."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from fundbot.links._funding_json_offers import read_channels, read_plans
from fundbot.links._funding_json_schema import MAX_BYTES as MAX_BYTES
from fundbot.links._funding_json_schema import VERSIONS as VERSIONS
from fundbot.links._funding_json_schema import Entity as Entity
from fundbot.links._funding_json_schema import (
    check_history,
    check_project,
    load,
    read_entity,
    read_version,
)
from fundbot.links.urls import normalize_url
from fundbot.model import FundingChannel, FundingPlanOffer

FOUND_VIA: Final = "funding.json"


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
    data = load(text)
    if isinstance(data, str):
        return FundingJson(problems=(data,))
    problems: list[str] = []
    version = read_version(data, problems)
    if version is None:
        return FundingJson(problems=tuple(problems))
    entity = read_entity(data.get("entity"), problems)
    claims = _claims(data, manifest_url, version, problems)
    funding = data.get("funding")
    if not isinstance(funding, dict):
        problems.append("`funding`: required object missing")
        return FundingJson(version, entity, claims=claims, problems=tuple(problems))
    guids, channels = read_channels(funding.get("channels"), manifest_url, found_via, problems)
    offers = read_plans(funding.get("plans"), guids, problems)
    check_history(funding.get("history"), version, problems)
    return FundingJson(version, entity, channels, offers, claims, tuple(problems))


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
        check_project(project, where, problems)
        fields.append((f"{where}.webpageUrl", project.get("webpageUrl")))
        fields.append((f"{where}.repositoryUrl", project.get("repositoryUrl")))
    claims = []
    for field, raw in fields:
        claim = _claim(field, raw, manifest_url, problems)
        if claim is not None:
            claims.append(claim)
    return tuple(claims)


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
