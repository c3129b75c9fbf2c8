"""A ledger's recipient written the way plan lines write theirs, so the two can meet."""

from __future__ import annotations

from fundbot.links.platforms import channel_from_url, platform_url
from fundbot.links.urls import normalize_url
from fundbot.model import PLATFORMS
from fundbot.plan.allocation import recipient_id

URL_PREFIX = "url:"


def recipient_key(text: str) -> str | None:
    """`github:Hynek` → `github:hynek`; a funding URL → its platform id; None if neither.

    Handles are case-insensitive on every platform fundbot knows, as in plan lines.
    """
    text = text.strip()
    if text.startswith(("http://", "https://")):
        channel = channel_from_url(text, "ledger")
        if channel is not None:
            return recipient_id(channel)
        url = normalize_url(text)
        return URL_PREFIX + url if url else None
    if text.startswith(URL_PREFIX):
        url = normalize_url(text[len(URL_PREFIX) :])
        return URL_PREFIX + url if url else None
    platform, sep, handle = text.partition(":")
    if not sep or platform not in PLATFORMS or not handle or any(c.isspace() for c in handle):
        return None
    return f"{platform}:{handle.casefold()}"


def split_recipient(recipient: str) -> tuple[str, str | None, str]:
    """(platform, handle, url) of a recipient id, for links and labels."""
    if recipient.startswith(URL_PREFIX):
        url = recipient[len(URL_PREFIX) :]
        return "custom", None, url
    platform, _, handle = recipient.partition(":")
    return platform, handle, platform_url(platform, handle) or ""
