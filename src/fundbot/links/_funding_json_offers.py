"""funding.json: turn the manifest's `funding` section into payment channels and plan offers."""

from __future__ import annotations

from typing import Any

from fundbot.links._funding_json_schema import (
    CHANNEL_TYPES,
    CURRENCY,
    FREQUENCIES,
    GUID,
    PLAN_STATUSES,
    check_enum,
    check_text,
    short,
)
from fundbot.links.platforms import channel_from_url
from fundbot.links.urls import normalize_url
from fundbot.model import FundingChannel, FundingPlanOffer


def read_channels(
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
        guid = check_text(item, "guid", where, problems, maximum=32)
        if guid and not GUID.match(guid):
            problems.append(f"`{where}.guid`: lower-case letters, digits and dashes only")
        check_enum(item, "type", CHANNEL_TYPES, where, problems)
        address = check_text(item, "address", where, problems, maximum=250, required=False)
        check_text(item, "description", where, problems, maximum=500, required=False)
        channel = channel_for(address, manifest_url, found_via)
        if channel is None:
            continue
        if guid:
            guids[guid] = channel.url
        if all(c.url != channel.url for c in channels):
            channels.append(channel)
    return guids, tuple(channels)


def channel_for(address: str | None, manifest_url: str, found_via: str) -> FundingChannel | None:
    """A payment link when the address is one; else the manifest itself says how to pay."""
    if address and "://" in address:
        link = channel_from_url(address, found_via)
        if link is not None:
            return link
    manifest = normalize_url(manifest_url)
    return FundingChannel("funding_json", manifest, None, found_via) if manifest else None


def read_plans(
    raw: Any, guids: dict[str, str], problems: list[str]
) -> tuple[FundingPlanOffer, ...]:
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
    check_text(item, "guid", where, problems, maximum=32)
    status = check_enum(item, "status", PLAN_STATUSES, where, problems)
    name = check_text(item, "name", where, problems, maximum=250)
    frequency = check_enum(item, "frequency", FREQUENCIES, where, problems)
    amount = _amount(item.get("amount"), where, problems)
    currency = item.get("currency")
    if not isinstance(currency, str) or not CURRENCY.match(currency):
        problems.append(f"`{where}.currency`: expected a three-letter ISO 4217 code")
        currency = None
    refs = item.get("channels")
    if not isinstance(refs, list) or not refs:
        problems.append(f"`{where}.channels`: expected at least one channel guid")
        refs = []
    unknown = [short(r) for r in refs if not isinstance(r, str) or r not in guids]
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
