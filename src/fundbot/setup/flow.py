"""The manifest flow: a local page posts `app.yml` to GitHub, the callback saves the App."""

from __future__ import annotations

import asyncio
import hmac
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

import aiohttp
from aiohttp import web

from fundbot.settings import Settings, local_url_host
from fundbot.setup import pages
from fundbot.setup.envfile import ENV_KEYS, check_writable, env_values, write_env
from fundbot.setup.manifest import (
    SetupError,
    build_manifest,
    create_app_url,
    install_url,
    load_manifest,
)

CALLBACK_PATH = "/setup/callback"
# GitHub's temporary codes are short hex strings; anything else is not worth sending on.
_CODE = re.compile(r"[A-Za-z0-9_.-]{1,200}")
_API_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


@dataclass(frozen=True)
class SetupOptions:
    """What `fundbot setup` was asked for (the command line)."""

    manifest_path: Path = Path("app.yml")
    env_file: Path = Path(".env")
    org: str | None = None
    name: str | None = None
    host: str = "127.0.0.1"
    port: int = 3000
    webhook_url: str | None = None
    force: bool = False
    # GitHub's code is valid for one hour; waiting longer cannot succeed.
    timeout: float = 3600.0
    new_channel_url: str = "https://smee.io/new"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    lines: tuple[str, ...]


@dataclass
class _Flow:
    """One run's state: the CSRF token, the manifest, and the result once there is one."""

    settings: Settings
    options: SetupOptions
    session: aiohttp.ClientSession
    manifest: dict[str, Any] = field(default_factory=dict)
    action: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)
    state: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    done: asyncio.Future[Outcome] = field(default_factory=asyncio.Future)
    busy: bool = False

    def owner(self) -> str:
        return f"the organisation {self.options.org}" if self.options.org else "your account"

    async def form(self, request: web.Request) -> web.Response:
        return _html(pages.form_page(self.manifest, self.action, self.owner()))

    async def callback(self, request: web.Request) -> web.Response:
        state, code = request.query.get("state", ""), request.query.get("code", "")
        if not hmac.compare_digest(state.encode(), self.state.encode()):
            # Not from the page we served (CSRF or a stale tab): refuse, keep waiting.
            return _error(400, "Unknown request", "The state does not match this setup run.")
        if not _CODE.fullmatch(code):
            return _error(400, "No code", "GitHub's redirect carried no usable code.")
        if self.busy or self.done.done():
            return _error(409, "Already handled", "This setup run has finished.")
        self.busy = True
        try:
            conversion = await convert(self.session, self.settings.github_api_url, code)
        except SetupError as exc:
            self._finish(False, f"fundbot setup: {exc}")
            return _error(400, "GitHub did not create the App", str(exc), RETRY)
        return self._save(conversion)

    def _save(self, conversion: dict[str, Any]) -> web.Response:
        name = str(conversion.get("name") or conversion.get("slug") or "")
        html_url = str(conversion.get("html_url") or "")
        env_file = str(self.options.env_file)
        try:
            values = {**env_values(conversion), **self.extra_env}
            write_env(self.options.env_file, values, force=self.options.force)
        except (SetupError, OSError) as exc:
            advice = (
                f"The App {name} was created but its credentials could not be saved. Delete "
                f"it at {html_url}/advanced (or generate a new private key there) and run "
                "`fundbot setup` again."
            )
            self._finish(False, f"fundbot setup: {exc}", advice)
            return _error(500, "Could not save the credentials", str(exc), advice)
        install = install_url(html_url)
        self._finish(
            True,
            f"Created the GitHub App {name} (id {conversion.get('id')}), "
            f"owned by {_owner(conversion)}.",
            f"Wrote {', '.join(values)} to {env_file} (mode 0600).",
            f"Install it: {install}",
            "Then run: fundbot serve",
        )
        return _html(pages.success_page(name, install, env_file))

    def _finish(self, ok: bool, *lines: str) -> None:
        if not self.done.done():
            self.done.set_result(Outcome(ok, lines))


RETRY = "GitHub's code can be used once, within an hour. Run `fundbot setup` again."


async def run_setup(
    settings: Settings,
    options: SetupOptions,
    *,
    on_ready: Callable[[str], None] = lambda url: None,
    out: Callable[[str], None] = print,
) -> int:
    """Serve the page, wait for GitHub's redirect, save the App; 0 on success, 1 otherwise."""
    try:
        outcome = await _run(settings, options, on_ready)
    except SetupError as exc:
        outcome = Outcome(False, (f"fundbot setup: {exc}",))
    for line in outcome.lines:
        out(line)
    return 0 if outcome.ok else 1


async def _run(
    settings: Settings, options: SetupOptions, on_ready: Callable[[str], None]
) -> Outcome:
    base = load_manifest(options.manifest_path)
    keys = [*ENV_KEYS]
    create_channel = not (options.webhook_url or settings.webhook_proxy_url)
    if create_channel:
        keys.append("WEBHOOK_PROXY_URL")
    check_writable(options.env_file, keys, force=options.force)
    timeout = aiohttp.ClientTimeout(total=settings.http_timeout)
    headers = {"User-Agent": settings.user_agent}
    async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
        flow = _Flow(settings, options, session)
        webhook_url = options.webhook_url or settings.webhook_proxy_url
        if webhook_url is None:
            webhook_url = await new_channel(session, options.new_channel_url)
            flow.extra_env["WEBHOOK_PROXY_URL"] = webhook_url
        runner, url = await _start(flow, options)
        try:
            flow.manifest = build_manifest(
                base,
                webhook_url=webhook_url,
                redirect_url=url + CALLBACK_PATH.lstrip("/"),
                name=options.name,
            )
            flow.action = create_app_url(settings.github_web_url, flow.state, options.org)
            on_ready(url)
            try:
                return await asyncio.wait_for(asyncio.shield(flow.done), options.timeout)
            except TimeoutError:
                raise SetupError(f"no answer from GitHub within {options.timeout:g} s") from None
        finally:
            await runner.cleanup()


async def _start(flow: _Flow, options: SetupOptions) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_get("/", flow.form)
    app.router.add_get(CALLBACK_PATH, flow.callback)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, options.host, options.port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise SetupError(
            f"cannot listen on {options.host}:{options.port} ({exc.strerror}); pass --port"
        ) from None
    port = runner.addresses[0][1]
    # The browser runs here too: a wildcard address is reached through loopback.
    return runner, f"http://{local_url_host(options.host)}:{port}/"


async def convert(session: aiohttp.ClientSession, api_url: str, code: str) -> dict[str, Any]:
    """Exchange the temporary code for the App's id, key and secrets (one use, one hour)."""
    url = f"{api_url.rstrip('/')}/app-manifests/{quote(code, safe='')}/conversions"
    try:
        async with session.post(url, headers=_API_HEADERS) as resp:
            text = await resp.text()
            status = resp.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise SetupError(f"cannot reach GitHub at {api_url}: {exc or type(exc).__name__}") from None
    if status != 201:
        raise SetupError(f"GitHub refused the code: {status} {_message(text)}")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise SetupError("GitHub's answer to the code conversion is not a JSON object")
    return data


async def new_channel(session: aiohttp.ClientSession, service: str) -> str:
    """A new smee.io-style channel (its URL is where the service redirects), as Probot does."""
    try:
        async with session.head(service, allow_redirects=False) as resp:
            location = resp.headers.get("Location")
    except (aiohttp.ClientError, TimeoutError) as exc:
        location = None
        reason = str(exc) or type(exc).__name__
    else:
        reason = f"{resp.status} without a Location"
    if not location:
        raise SetupError(
            f"cannot create a webhook channel at {service} ({reason}); pass --webhook-url "
            "with this server's public URL, or set WEBHOOK_PROXY_URL to a channel"
        )
    return urljoin(service, location)


def _message(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    message = data.get("message") if isinstance(data, dict) else None
    return " ".join(str(message or text or "(no message)").split())[:300]


def _owner(conversion: dict[str, Any]) -> str:
    owner = conversion.get("owner")
    return str(owner.get("login")) if isinstance(owner, dict) else "you"


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html")


def _error(status: int, title: str, reason: str, advice: str = "") -> web.Response:
    return _html(pages.error_page(title, reason, advice), status)
