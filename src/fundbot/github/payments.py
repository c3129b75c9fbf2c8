"""Reading what was paid from GitHub: ledger files in the payments repository, and the
organisation's GitHub Sponsors activity (when the App may read it)."""

from __future__ import annotations

import json
import logging
from typing import Any, Final

from gidgethub import BadRequest, GraphQLException

from fundbot.github.client import GitHubClient
from fundbot.github.reading import read_file
from fundbot.ledger.ledger_csv import LEDGER_DIR, Ledger, merge, parse_ledger
from fundbot.ledger.sponsors import Activity

log = logging.getLogger(__name__)

MAX_LEDGER_FILES: Final = 100
MAX_ACTIVITY_PAGES: Final = 50  # 5,000 activities: decades of an organisation's sponsoring


# (repository lower, path) -> (blob sha, the file read as a ledger): an unchanged file is
# never fetched again, so a changed ledger costs the listing and the files that changed.
LedgerFiles = dict[tuple[str, str], tuple[str, Ledger]]


async def read_repository_ledger(
    gh: GitHubClient, repository: str, known: LedgerFiles | None = None
) -> Ledger:
    """Every `*.csv` under `.github/fundbot/payments/` of `repository` (default branch).

    No such directory (or repository) is an empty ledger: most organisations keep none.
    `known` (updated in place) holds files already read, by blob sha.
    """
    known = {} if known is None else known
    try:
        listing = await gh.getitem(
            "/repos/{+repo}/contents/{+path}", {"repo": repository, "path": LEDGER_DIR}
        )
    except BadRequest as exc:
        if exc.status_code in (403, 404):
            return Ledger()
        raise
    if not isinstance(listing, list):
        return Ledger()
    files = sorted(
        (str(item["path"]), str(item.get("sha") or ""))
        for item in listing
        if isinstance(item, dict)
        and item.get("type") == "file"
        and str(item.get("name", "")).lower().endswith(".csv")
    )[:MAX_LEDGER_FILES]
    ledgers = []
    for path, sha in files:
        key = (repository.lower(), path)
        cached = known.get(key)
        if sha and cached is not None and cached[0] == sha:
            ledgers.append(cached[1])
            continue
        text = await read_file(gh, repository, path)
        if text is not None:
            ledger = parse_ledger(text, f"{repository}:{path}")
            known[key] = (sha, ledger)
            ledgers.append(ledger)
    return merge(ledgers)


def _activities_query(login: str, after: str | None) -> str:
    # Arguments written into the query (as JSON strings): no variables to keep in step.
    cursor = f", after: {json.dumps(after)}" if after else ""
    return (
        "query { organization(login: " + json.dumps(login) + ") { "
        f"sponsorsActivities(first: 100, period: ALL, includeAsSponsor: true{cursor}) {{ "
        "nodes { action timestamp "
        "sponsorable { ... on User { login } ... on Organization { login } } "
        "sponsorsTier { monthlyPriceInCents isOneTime } } "
        "pageInfo { hasNextPage endCursor } } } }"
    )


async def sponsors_activities(gh: GitHubClient, login: str, endpoint: str) -> list[Activity] | None:
    """The organisation's sponsorship activity as a sponsor, oldest first; None when the App
    may not read it (the permission is not granted, or GitHub refused)."""
    activities: list[Activity] = []
    after: str | None = None
    for _ in range(MAX_ACTIVITY_PAGES):
        try:
            data: Any = await gh.graphql(_activities_query(login, after), endpoint=endpoint)
        except (GraphQLException, BadRequest) as exc:
            log.info("sponsorships not readable", extra={"owner": login, "error": str(exc)})
            return None
        found = ((data or {}).get("organization") or {}).get("sponsorsActivities")
        if not isinstance(found, dict):
            return None
        for node in found.get("nodes") or []:
            activity = Activity.from_node(node) if isinstance(node, dict) else None
            if activity is not None:
                activities.append(activity)
        page = found.get("pageInfo") or {}
        if not page.get("hasNextPage") or not page.get("endCursor"):
            break
        after = str(page["endCursor"])
    return sorted(activities, key=lambda a: a.day)
