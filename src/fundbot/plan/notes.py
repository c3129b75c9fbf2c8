"""What a pledge plan says about itself: its fingerprint and its notes to the reader (pure)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping

from fundbot.config import FundbotConfig
from fundbot.model import DeveloperCount, Exclusion, FundingChannel
from fundbot.plan.allocation import recipient_id
from fundbot.words import plural

# The settings (besides scope weights and exclusions) that change a plan's lines.
_RULES = ("transitive_weight", "min_amount", "max_share", "max_recipients", "platform_order")


def plan_notes(
    config: FundbotConfig, developers: DeveloperCount, budget: int, any_recipient: bool
) -> tuple[str, ...]:
    notes: list[str] = []
    if config.budget is not None:
        notes.append(
            f"the budget is set by `budget` ({config.currency} {budget}), not by developers"
            " x `per_developer`"
        )
    if developers.source == "estimate":
        notes.append(
            f"{plural(developers.count, 'developer')} is an"
            f" estimate ({developers.method}); set"
            " `developers` in .github/fundbot.yml to use your own count"
        )
    if not any_recipient:
        notes.append("no dependency accepts funding on a usable platform yet: nothing allocated")
    return tuple(notes)


def plan_fingerprint(
    budget: int,
    developers: DeveloperCount,
    config: FundbotConfig,
    weights: Mapping[str, Mapping[str, float]],
    chosen: Mapping[str, FundingChannel],
    excluded: Mapping[str, Exclusion],
    paid_elsewhere: Collection[str],
    held_back: int = 0,
) -> str:
    """16 hex digits of sha256 over what decides the plan, in a canonical order."""
    canonical = {
        "budget": budget,
        "currency": config.currency,
        "developers": [developers.count, developers.source],
        "rules": [sorted(config.scope_weights.items()), sorted(config.exclude)]
        + [getattr(config, key) for key in _RULES],
        "weights": {pkg: {r: round(w, 9) for r, w in per.items()} for pkg, per in weights.items()},
        "channels": {pkg: [recipient_id(c), c.platform, c.url] for pkg, c in chosen.items()},
        # Reason texts only, as before kinds existed: an unchanged plan keeps its fingerprint.
        "excluded": sorted((key, e.reason) for key, e in excluded.items()),
        "funded_elsewhere": sorted(paid_elsewhere),
    }
    if held_back:
        # Only when money is held back, so plans without any keep their fingerprints.
        canonical["held_back"] = held_back
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
