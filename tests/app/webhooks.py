"""Helpers to build signed webhook deliveries from the real octokit example payloads."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).parent.parent / "fixtures" / "webhooks" / "octokit-examples.json"
SECRET = "It's a Secret to Everybody"


@cache
def examples() -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = json.loads(EXAMPLES.read_text())
    return data


def example(event: str, action: str | None = None, index: int = 0) -> dict[str, Any]:
    """A deep copy of a real example payload for the event (and action)."""
    found = [p for p in examples()[event] if action is None or p.get("action") == action]
    payload: dict[str, Any] = json.loads(json.dumps(found[index]))
    return payload


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def delivery_headers(
    event: str, body: bytes, *, delivery_id: str | None = None, secret: str = SECRET
) -> dict[str, str]:
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id or str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(body, secret),
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/test",
    }
