"""Hidden markers and the JSON data block that let fundbot find and rebuild its own texts."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final, Literal, get_args
from urllib.parse import quote, unquote

from fundbot.model import Plan, PlanLine

Kind = Literal["repository", "plan", "pull-request"]
KINDS: Final[tuple[Kind, ...]] = get_args(Kind)

DATA_VERSION: Final = 1
# The data block never takes more than this; the visible text gets the rest of the body.
MAX_DATA: Final = 16_000
_DATA_START: Final = "<!-- fundbot:data "
_DATA_END: Final = " -->"
_MARKER: Final = re.compile(r"<!-- fundbot:(repository|plan|pull-request):(\S{1,300}) -->")
# Scopes are `owner`, `owner/repo` or `owner/repo#N`; anything else is percent-encoded so
# that no scope can end the comment.
_SCOPE_SAFE: Final = "/#"


def marker(kind: Kind, scope: str) -> str:
    """`<!-- fundbot:KIND:SCOPE -->`: how fundbot finds its own issue or comment again."""
    if kind not in KINDS:
        raise ValueError(f"unknown marker kind {kind!r}")
    return f"<!-- fundbot:{kind}:{quote(scope, safe=_SCOPE_SAFE) or '-'} -->"


def find_marker(body: str | None) -> tuple[Kind, str] | None:
    """(kind, scope) of the first fundbot marker of a known kind in a body, or None."""
    match = _MARKER.search(body or "")
    kind = as_kind(match.group(1)) if match else None
    if match is None or kind is None:
        return None
    return kind, unquote(match.group(2))


def as_kind(value: object) -> Kind | None:
    """`value` as a marker kind, or None when it names none."""
    return next((kind for kind in KINDS if kind == value), None)


def render_data_block(data: Mapping[str, Any]) -> str:
    """`<!-- fundbot:data {JSON} -->`, with the JSON unable to close the comment early."""
    text = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=_jsonable
    )
    # `<`, `>` and `--` only ever appear inside JSON strings, where \u escapes mean the same.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e")
    text = text.replace("--", "-\\u002d")
    return f"{_DATA_START}{text}{_DATA_END}"


def _jsonable(value: object) -> object:
    """Sets (as state often holds) become sorted lists; anything else its string."""
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def parse_data_block(body: str | None) -> dict[str, Any] | None:
    """The last data block's JSON object in a body, or None when absent or unreadable."""
    body = body or ""
    start = body.rfind(_DATA_START)
    if start < 0:
        return None
    end = body.find(_DATA_END, start + len(_DATA_START))
    if end < 0:
        return None
    try:
        data = json.loads(body[start + len(_DATA_START) : end])
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def line_data(line: PlanLine, *, amount: int | None = None) -> dict[str, Any]:
    """One plan line as stored in the data block."""
    entry: dict[str, Any] = {
        "recipient": line.recipient,
        "platform": line.platform,
        "url": line.url,
        "amount_usd_per_year": line.amount if amount is None else amount,
        "packages": list(line.packages),
    }
    if line.funded_elsewhere:
        entry["funded_elsewhere"] = True
    return entry


def plan_data(plan: Plan, *, state: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What the data block holds for a plan: lines, budget, developers, fingerprint, state.

    `state` is what people changed through the issue (keys used by the renderers:
    `excluded` and `funded_elsewhere`, lists of recipient ids; `rescan`, a bool).
    """
    lines = [line_data(line) for line in plan.lines]
    data: dict[str, Any] = {
        "version": DATA_VERSION,
        "budget": plan.budget,
        "currency": plan.currency,
        "developers": {
            "count": plan.developers,
            "source": plan.developers_source,
            "method": plan.developers_method,
        },
        "per_developer": plan.per_developer,
        "fingerprint": plan.fingerprint,
        "lines": lines,
        "state": dict(state or {}),
    }
    if plan.paid_known:
        # Planned against paid, as the table and the JSON output have it.
        for entry, line in zip(lines, plan.lines, strict=True):
            entry.update(paid_usd=line.paid_usd, remaining_usd=line.remaining_usd)
        data["paid"] = {
            "year": plan.paid_year,
            "paid_usd": plan.paid_usd,
            "payments_outside_plan": plan.payments_outside_plan,
            "remaining_usd": sum(line.remaining_usd for line in plan.lines),
        }
    return data


def fit_data(data: Mapping[str, Any], *, limit: int = MAX_DATA, items: str = "lines") -> str:
    """The rendered data block within `limit`: package lists dropped first, then URLs,
    then the smallest entries of the `items` list, each step recorded so a reader knows the
    data is partial."""
    block = render_data_block(data)
    if len(block) <= limit:
        return block
    slim = dict(data, truncated=True)
    entries = [dict(entry) for entry in data.get(items, [])]
    for drop in ("packages", "url"):
        for entry in entries:
            entry.pop(drop, None)
        slim[items] = entries
        block = render_data_block(slim)
        if len(block) <= limit:
            return block
    entries.sort(key=lambda entry: (-_amount(entry), json.dumps(entry, sort_keys=True)))
    # Binary search for how many of the largest entries fit; the rest are counted only.
    low, high = 0, len(entries)
    while low < high:
        mid = (low + high + 1) // 2
        slim.update({items: entries[:mid], f"{items}_omitted": len(entries) - mid})
        if len(render_data_block(slim)) <= limit:
            low = mid
        else:
            high = mid - 1
    slim.update({items: entries[:low], f"{items}_omitted": len(entries) - low})
    block = render_data_block(slim)
    if len(block) <= limit:
        return block
    # Only an enormous `state` gets here; a partial block beats a body GitHub refuses.
    keep = ("version", "fingerprint", "budget", "scope")
    return render_data_block({k: data[k] for k in keep if k in data} | {"truncated": True})


def _amount(entry: Mapping[str, Any]) -> int:
    value = entry.get("amount_usd_per_year", entry.get("amount_after"))
    return value if isinstance(value, int) else 0
