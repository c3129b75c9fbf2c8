"""`fundbot setup`: GitHub's App manifest flow driven headlessly against the fake GitHub."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from fundbot.app import require_app_settings
from fundbot.cli import build_parser, main
from fundbot.dotenv import parse_env
from fundbot.settings import Settings
from fundbot.setup import SetupError, SetupOptions, build_manifest, create_app_url, run_setup
from fundbot.setup.envfile import ENV_KEYS, format_line, write_env
from tests.fakes.github import FakeGitHub
from tests.fakes.openapi import problems
from tests.fakes.server import FakeServer

APP_YML = Path(__file__).parents[2] / "app.yml"
HOOK = "https://hooks.example.com/api/github/webhooks"


class _Form(HTMLParser):
    """The form on the setup page, read the way a browser would submit it."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.method = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action, self.method = values["action"], values["method"]
        elif tag == "input":
            self.fields[values["name"]] = values["value"]


@dataclass
class Run:
    """A `run_setup` in progress: its task, its local URL, what it printed."""

    task: asyncio.Task[int]
    url: str
    lines: list[str] = field(default_factory=list)

    async def result(self) -> int:
        return await asyncio.wait_for(self.task, 10)


@pytest.fixture
def github(fake: FakeServer) -> FakeGitHub:
    gh = FakeGitHub()
    gh.install(fake)
    gh.install_web(fake)
    return gh


@pytest.fixture
def settings(fake: FakeServer) -> Settings:
    """GitHub Enterprise-style URLs, so the web side and the REST API are both the fake."""
    return Settings(ghe_host=f"127.0.0.1:{fake.port}", ghe_protocol="http", http_timeout=5)


@pytest.fixture
async def browser() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def options(tmp_path: Path, **changes: Any) -> SetupOptions:
    base = SetupOptions(
        manifest_path=APP_YML, env_file=tmp_path / ".env", port=0, webhook_url=HOOK, timeout=10
    )
    return replace(base, **changes)


async def start(settings: Settings, opts: SetupOptions) -> Run:
    """Start the flow and wait until its page is served (or it ended before that)."""
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    lines: list[str] = []
    task = asyncio.create_task(
        run_setup(settings, opts, on_ready=ready.set_result, out=lines.append)
    )
    waiting: set[asyncio.Future[Any]] = {task, ready}
    await asyncio.wait(waiting, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    return Run(task, ready.result() if ready.done() else "", lines)


async def open_form(browser: aiohttp.ClientSession, run: Run) -> _Form:
    async with browser.get(run.url) as resp:
        assert resp.status == 200
        form = _Form()
        form.feed(await resp.text())
    return form


async def submit(browser: aiohttp.ClientSession, form: _Form) -> tuple[int, str]:
    """Post the manifest to GitHub; follow its redirect back to the local callback."""
    async with browser.post(form.action, data=form.fields) as resp:
        return resp.status, await resp.text()


def env_of(path: Path) -> dict[str, str]:
    return parse_env(path.read_text())


async def test_personal_account_flow_writes_env_with_mode_0600(
    settings: Settings, github: FakeGitHub, browser: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """Page → GitHub → callback: the App's credentials land in .env, 0600, never printed."""
    run = await start(settings, options(tmp_path))
    form = await open_form(browser, run)
    manifest = json.loads(form.fields["manifest"])
    assert form.method == "post"
    assert form.action.startswith(f"http://127.0.0.1:{github.base_url.rsplit(':', 1)[1]}")
    assert "/settings/apps/new?state=" in form.action
    assert manifest["hook_attributes"] == {"url": HOOK, "active": True}
    assert manifest["redirect_url"] == run.url + "setup/callback"
    assert manifest["default_permissions"]["issues"] == "write"
    assert manifest["name"] == "fundbot"
    status, page = await submit(browser, form)
    assert (status, await run.result()) == (200, 0)
    assert "installations/new" in page
    env_file = tmp_path / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    values = env_of(env_file)
    assert sorted(values) == sorted(ENV_KEYS)
    loaded = Settings.from_env(values)
    require_app_settings(loaded)
    assert loaded.private_key.reveal() == github.private_key
    assert loaded.github_client_id
    assert loaded.github_client_id.startswith("Iv1.")
    printed = "\n".join(run.lines)
    assert f"{github.base_url}/apps/fundbot/installations/new" in printed
    secrets = [values[k] for k in ("WEBHOOK_SECRET", "GITHUB_CLIENT_SECRET")]
    assert not any(s in printed or s in page for s in secrets)
    assert "BEGIN" not in printed + page
    conversions = [b for b in github.bodies if b[1].startswith("/app-manifests/")]
    assert [problems(*c) for c in conversions] == [[]]


async def test_organisation_flow_posts_to_the_organisation_page(
    settings: Settings, github: FakeGitHub, browser: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """`--org acme --name`: the form targets acme's new-App page and the App is acme's."""
    run = await start(settings, options(tmp_path, org="acme", name="acme-fundbot"))
    form = await open_form(browser, run)
    assert "/organizations/acme/settings/apps/new?state=" in form.action
    assert json.loads(form.fields["manifest"])["name"] == "acme-fundbot"
    await submit(browser, form)
    assert await run.result() == 0
    assert any("owned by acme" in line for line in run.lines)
    assert any("apps/acme-fundbot/installations/new" in line for line in run.lines)


@pytest.mark.parametrize(
    ("refusal", "shown"),
    [("unknown-code", "404 Not Found"), ("validation", "422 injected failure")],
)
async def test_refused_conversion_shows_why_and_exits_non_zero(
    settings: Settings,
    github: FakeGitHub,
    browser: aiohttp.ClientSession,
    tmp_path: Path,
    refusal: str,
    shown: str,
) -> None:
    """GitHub refusing the code: the page and the terminal say why; no .env; exit 1."""
    run = await start(settings, options(tmp_path))
    form = await open_form(browser, run)
    state = form.action.split("state=")[1]
    if refusal == "unknown-code":
        callback = f"{run.url}setup/callback?code=0123abcd&state={state}"
        async with browser.get(callback) as resp:
            status, page = resp.status, await resp.text()
    else:
        github.fail("POST", r"^/app-manifests/", 422)
        status, page = await submit(browser, form)
    assert await run.result() == 1
    assert status == 400
    assert shown in page
    assert "Run `fundbot setup` again" in page
    assert any(shown in line for line in run.lines)
    assert not (tmp_path / ".env").exists()


async def test_a_callback_with_the_wrong_state_is_refused_and_the_flow_goes_on(
    settings: Settings, github: FakeGitHub, browser: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """CSRF: a redirect that did not come from our page converts nothing; the real one works."""
    run = await start(settings, options(tmp_path))
    async with browser.get(f"{run.url}setup/callback?code=abc&state=forged") as resp:
        assert resp.status == 400
    async with browser.get(f"{run.url}setup/callback?code=abc") as resp:
        assert resp.status == 400
    assert not run.task.done()
    await submit(browser, await open_form(browser, run))
    assert await run.result() == 0
    assert github.count("POST", "/app-manifests/") == 1


async def test_without_a_webhook_url_a_channel_is_created_and_saved(
    fake: FakeServer,
    settings: Settings,
    github: FakeGitHub,
    browser: aiohttp.ClientSession,
    tmp_path: Path,
) -> None:
    """No --webhook-url nor WEBHOOK_PROXY_URL: a new smee-style channel, as Probot does."""
    fake.add("HEAD", "/new", status=307, headers={"Location": "/Xk3Channel"})
    opts = options(tmp_path, webhook_url=None, new_channel_url=f"{fake.url}/new")
    run = await start(settings, opts)
    form = await open_form(browser, run)
    channel = f"{fake.url}/Xk3Channel"
    assert json.loads(form.fields["manifest"])["hook_attributes"]["url"] == channel
    await submit(browser, form)
    assert await run.result() == 0
    assert env_of(tmp_path / ".env")["WEBHOOK_PROXY_URL"] == channel


async def test_an_existing_proxy_channel_becomes_the_webhook_url(
    settings: Settings, github: FakeGitHub, browser: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """WEBHOOK_PROXY_URL already set (and no --webhook-url): webhooks go to that channel."""
    channel = "https://smee.io/existing"
    proxied = settings.with_overrides(webhook_proxy_url=channel)
    run = await start(proxied, options(tmp_path, webhook_url=None))
    form = await open_form(browser, run)
    assert json.loads(form.fields["manifest"])["hook_attributes"]["url"] == channel
    await submit(browser, form)
    assert await run.result() == 0
    assert "WEBHOOK_PROXY_URL" not in env_of(tmp_path / ".env")


async def test_existing_keys_are_kept_unless_forced(
    settings: Settings, github: FakeGitHub, browser: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """An .env that already has APP_ID: refused before anything starts; --force replaces."""
    env_file = tmp_path / ".env"
    env_file.write_text('# mine\nGHE_PROTOCOL=http\nAPP_ID=1\nPRIVATE_KEY="-----BEGIN\nx\n"\n')
    env_file.chmod(0o644)
    refused = await start(settings, options(tmp_path))
    assert (refused.url, await refused.result()) == ("", 1)
    assert "already sets APP_ID, PRIVATE_KEY" in refused.lines[0]
    run = await start(settings, options(tmp_path, force=True))
    await submit(browser, await open_form(browser, run))
    assert await run.result() == 0
    text = env_file.read_text()
    assert text.startswith("# mine\nGHE_PROTOCOL=http\n")
    assert "APP_ID=1\n" not in text
    assert "\nx\n" not in text
    assert env_of(env_file)["PRIVATE_KEY"].replace("\\n", "\n") == github.private_key
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("org", "web", "expected"),
    [
        (None, "https://github.com", "https://github.com/settings/apps/new?state=s1"),
        (
            "acme",
            "https://github.com",
            "https://github.com/organizations/acme/settings/apps/new?state=s1",
        ),
        (None, "https://ghe.corp", "https://ghe.corp/settings/apps/new?state=s1"),
    ],
)
def test_create_app_url(org: str | None, web: str, expected: str) -> None:
    """The manifest form posts to the account's or the organisation's page, GHES included."""
    assert create_app_url(web, "s1", org) == expected


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: create_app_url("https://github.com", "s", "../evil"), "--org"),
        (lambda: build_manifest({}, webhook_url="ftp://x", redirect_url="r"), "webhook URL"),
        (lambda: build_manifest({}, webhook_url=HOOK, redirect_url="r", name="x" * 35), "--name"),
    ],
)
def test_bad_arguments_are_setup_errors(call: Any, message: str) -> None:
    """An org that is not a login, a non-http webhook URL, an over-long name: clear errors."""
    with pytest.raises(SetupError, match=message):
        call()


@pytest.mark.parametrize(
    ("key", "value", "line"),
    [
        ("APP_ID", "1234", "APP_ID=1234"),
        ("GITHUB_CLIENT_ID", "Iv1.abc", "GITHUB_CLIENT_ID=Iv1.abc"),
        ("PRIVATE_KEY", "-----BEGIN K-----\nab\n", 'PRIVATE_KEY="-----BEGIN K-----\\nab\\n"'),
        ("WEBHOOK_SECRET", 'say "hi"', "WEBHOOK_SECRET='say \"hi\"'"),
    ],
)
def test_env_lines_read_back_through_dotenv(key: str, value: str, line: str) -> None:
    """Each written line is what `fundbot serve` reads back (PEM newlines as `\\n`)."""
    assert format_line(key, value) == line
    read = parse_env(line)[key]
    assert (read.replace("\\n", "\n") if key == "PRIVATE_KEY" else read) == value


def test_write_env_creates_an_owner_only_file(tmp_path: Path) -> None:
    """A new .env is created 0600 even under a permissive umask, in one atomic step."""
    path = tmp_path / ".env"
    previous = os.umask(0)
    try:
        write_env(path, {"APP_ID": "7"})
    finally:
        os.umask(previous)
    assert (path.read_text(), stat.S_IMODE(path.stat().st_mode)) == ("APP_ID=7\n", 0o600)
    assert [p.name for p in tmp_path.iterdir()] == [".env"]


def test_cli_without_a_manifest_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`fundbot setup --manifest` naming a missing file says which, and exits 1."""
    monkeypatch.chdir(tmp_path)
    for var in ("APP_ID", "PRIVATE_KEY", "WEBHOOK_PROXY_URL", "GHE_HOST"):
        monkeypatch.delenv(var, raising=False)
    args = ["setup", "--no-browser", "--webhook-url", HOOK, "--manifest", "missing.yml"]
    assert main(args) == 1
    assert "cannot read the App manifest missing.yml" in capsys.readouterr().err


def test_the_manifest_ships_with_fundbot() -> None:
    """The default manifest is the app.yml inside the package, so setup works anywhere."""
    parser = build_parser()
    args = parser.parse_args(["setup"])
    assert args.manifest.name == "app.yml"
    assert args.manifest.is_file()


async def test_no_answer_within_the_timeout_exits_non_zero(
    settings: Settings, github: FakeGitHub, tmp_path: Path
) -> None:
    """Nobody completes the flow in time (GitHub's code lives an hour): exit 1, say so."""
    run = await start(settings, options(tmp_path, timeout=0.05))
    assert await run.result() == 1
    assert run.lines == ["fundbot setup: no answer from GitHub within 0.05 s"]
    assert not (tmp_path / ".env").exists()


async def test_a_channel_service_without_a_redirect_is_explained(
    fake: FakeServer, settings: Settings, github: FakeGitHub, tmp_path: Path
) -> None:
    """No channel could be created: the message names the two ways to give a webhook URL."""
    fake.add("HEAD", "/new", status=200)
    opts = options(tmp_path, webhook_url=None, new_channel_url=f"{fake.url}/new")
    run = await start(settings, opts)
    assert (run.url, await run.result()) == ("", 1)
    assert "200 without a Location" in run.lines[0]
    assert "--webhook-url" in run.lines[0]
    assert "WEBHOOK_PROXY_URL" in run.lines[0]


async def test_a_second_callback_after_the_app_was_saved_is_refused(
    settings: Settings, github: FakeGitHub, browser: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """A replayed redirect (reload, second tab) converts nothing once the run has finished."""
    run = await start(settings, options(tmp_path))
    form = await open_form(browser, run)
    state = form.action.split("state=")[1]
    async with browser.get(f"{run.url}setup/callback?code=&state={state}") as resp:
        assert resp.status == 400
        assert "carried no usable code" in await resp.text()
    assert (await submit(browser, form))[0] == 200
    async with browser.get(f"{run.url}setup/callback?code=0123abcd&state={state}") as resp:
        assert resp.status == 409
        assert "This setup run has finished." in await resp.text()
    assert await run.result() == 0
    assert github.count("POST", "/app-manifests/") == 1


async def test_credentials_that_cannot_be_saved_say_how_to_clean_up(
    settings: Settings, github: FakeGitHub, browser: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """The App exists on GitHub but .env's directory vanished: exit 1, advise deleting the App."""
    directory = tmp_path / "conf"
    directory.mkdir()
    run = await start(settings, options(tmp_path, env_file=directory / ".env"))
    form = await open_form(browser, run)
    directory.rmdir()
    status, page = await submit(browser, form)
    assert (status, await run.result()) == (500, 1)
    assert "Could not save the credentials" in page
    printed = "\n".join(run.lines)
    assert "cannot write to" in printed
    assert f"{github.base_url}/apps/fundbot/advanced" in printed
    assert not directory.exists()


async def test_a_port_in_use_is_a_clear_error(
    settings: Settings, github: FakeGitHub, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = await start(settings, options(tmp_path, host="127.0.0.1", port=port))
        assert (run.url, await run.result()) == ("", 1)
    assert f"cannot listen on 127.0.0.1:{port}" in run.lines[0]
    assert "pass --port" in run.lines[0]
