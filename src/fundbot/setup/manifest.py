"""The App manifest (pure): read `app.yml`, fill in this run's URLs, and where to post it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import yaml

from fundbot.errors import FundbotError

# GitHub's organisation logins: letters, digits and single hyphens.
_ORG = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
# GitHub refuses App names longer than this.
MAX_NAME = 34


class SetupError(FundbotError):
    """`fundbot setup` cannot go on; the message says what to do."""


def load_manifest(path: Path) -> dict[str, Any]:
    """`app.yml` as a mapping; a missing or malformed file is a SetupError naming it."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise SetupError(f"cannot read the App manifest {path}: {exc.strerror}") from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        # `loader` is yaml's SafeLoader (the C one when libyaml is there): no object construction.
        data = yaml.load(text, Loader=loader)  # noqa: S506
    except yaml.YAMLError as exc:
        raise SetupError(f"{path} is not valid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        raise SetupError(f"{path} must be a mapping of GitHub App manifest parameters")
    return data


def build_manifest(
    base: dict[str, Any], *, webhook_url: str, redirect_url: str, name: str | None = None
) -> dict[str, Any]:
    """The manifest GitHub receives: `app.yml` with this run's webhook and redirect URLs."""
    if not is_http_url(webhook_url):
        raise SetupError(f"the webhook URL must be an http(s) URL, found {webhook_url!r}")
    manifest = dict(base)
    if name is not None:
        name = name.strip()
        if not name or len(name) > MAX_NAME:
            raise SetupError(f"--name must be 1 to {MAX_NAME} characters, found {name!r}")
        manifest["name"] = name
    hook = base.get("hook_attributes")
    manifest["hook_attributes"] = {**(hook if isinstance(hook, dict) else {}), "url": webhook_url}
    manifest["redirect_url"] = redirect_url
    manifest.setdefault("public", False)
    if not manifest.get("url"):
        # Required by GitHub: the App's homepage.
        manifest["url"] = "https://github.com/apps/fundbot"
    return manifest


def create_app_url(web_url: str, state: str, org: str | None = None) -> str:
    """Where the form posts: a personal account's or an organisation's new-App page."""
    if org is not None and not _ORG.fullmatch(org):
        raise SetupError(f"--org must be an organisation login, found {org!r}")
    page = f"/organizations/{quote(org)}/settings/apps/new" if org else "/settings/apps/new"
    return f"{web_url.rstrip('/')}{page}?{urlencode({'state': state})}"


def install_url(html_url: str) -> str:
    """The page where the new App is installed on accounts and repositories."""
    return f"{html_url.rstrip('/')}/installations/new"


def is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
