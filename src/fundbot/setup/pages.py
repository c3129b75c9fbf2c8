"""The few HTML pages `fundbot setup` shows in the browser (pure, escaped)."""

from __future__ import annotations

import json
from html import escape
from typing import Any

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;line-height:1.5}}
code{{background:#f3f3f3;padding:0 .2em}}button{{font-size:1.1em;padding:.4em 1em}}</style>
</head><body>
<h1>{title}</h1>
{body}
</body></html>
"""


def page(title: str, body_html: str) -> str:
    return _PAGE.format(title=escape(title), body=body_html)


def form_page(manifest: dict[str, Any], action: str, owner: str) -> str:
    """The button that posts the manifest to GitHub, as the manifest flow asks."""
    permissions = manifest.get("default_permissions") or {}
    events = manifest.get("default_events") or []
    rows = "".join(
        f"<li><code>{escape(str(k))}</code>: {escape(str(v))}</li>"
        for k, v in sorted(permissions.items())
    )
    body = (
        f"<p>This registers the GitHub App <strong>{escape(str(manifest.get('name', '')))}"
        f"</strong> on {escape(owner)}. GitHub asks you to confirm its name; then it sends "
        "you back here and fundbot saves the App's credentials to <code>.env</code>.</p>"
        f"<p>Webhooks go to <code>{escape(str(manifest['hook_attributes']['url']))}</code>.</p>"
        f"<p>Permissions:</p><ul>{rows}</ul>"
        f"<p>Events: {escape(', '.join(str(e) for e in events)) or 'none'}</p>"
        f'<form action="{escape(action)}" method="post">'
        f'<input type="hidden" name="manifest" value="{escape(json.dumps(manifest))}">'
        '<button type="submit">Create the GitHub App</button></form>'
    )
    return page("Create the fundbot GitHub App", body)


def success_page(name: str, install: str, env_file: str) -> str:
    body = (
        f"<p>The App <strong>{escape(name)}</strong> exists, and its credentials are in "
        f"<code>{escape(env_file)}</code> (readable by you only).</p>"
        f'<p>Next: <a href="{escape(install)}">install it on your organisation</a>, '
        "then run <code>fundbot serve</code>.</p>"
        "<p>You can close this tab.</p>"
    )
    return page("The GitHub App is ready", body)


def error_page(title: str, reason: str, advice: str) -> str:
    return page(title, f"<p>{escape(reason)}</p><p>{escape(advice)}</p>")
