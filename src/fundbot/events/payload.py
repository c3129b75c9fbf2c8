"""Defensive reads of webhook payloads: real ones vary, hostile ones lie."""

from __future__ import annotations

from typing import Any

from gidgethub import sansio


def installation_id(event: sansio.Event) -> int | None:
    """The App installation a delivery is for; None for repository/org webhooks."""
    installation = event.data.get("installation")
    if not isinstance(installation, dict):
        return None
    value = installation.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def repository_name(data: Any) -> str | None:
    """`owner/repo` from a `repository` object, when it is well formed."""
    if not isinstance(data, dict):
        return None
    name = data.get("full_name")
    if isinstance(name, str) and name.count("/") == 1 and all(name.split("/")):
        return name
    return None
