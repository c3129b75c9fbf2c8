"""The setup flow's edges: the code conversion and channel creation against a refusing or
absent server, and `.env` writing when values, old files or the directory get in the way."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import aiohttp
import pytest

from fundbot.dotenv import parse_env
from fundbot.setup import SetupError
from fundbot.setup.envfile import (
    _atomic_write,
    check_writable,
    conflicts,
    env_values,
    format_line,
    write_env,
)
from fundbot.setup.flow import convert, new_channel
from fundbot.setup.manifest import build_manifest, load_manifest
from tests.fakes.server import FakeServer

CONVERSION = {
    "id": 42,
    "pem": "-----BEGIN KEY-----\nabc\n-----END KEY-----\n",
    "webhook_secret": "s3cret",
    "client_id": "Iv1.abc",
    "client_secret": "cs",
}


def closed_port() -> int:
    """A port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- the code conversion ---------------------------------------------------------------------
async def test_convert_reports_githubs_refusal_with_its_message(fake: FakeServer) -> None:
    fake.add("POST", "/app-manifests/abc/conversions", json={"message": "Not  Found"}, status=404)
    fake.add("POST", "/app-manifests/def/conversions", body="bad\n  gateway", status=502)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(SetupError, match=r"GitHub refused the code: 404 Not Found$"):
            await convert(session, fake.url + "/", "abc")
        with pytest.raises(SetupError, match=r"GitHub refused the code: 502 bad gateway$"):
            await convert(session, fake.url, "def")


async def test_convert_rejects_an_answer_that_is_not_a_json_object(fake: FakeServer) -> None:
    fake.add("POST", "/app-manifests/abc/conversions", body="<html>oops</html>", status=201)
    fake.add("POST", "/app-manifests/def/conversions", json=[1, 2], status=201)
    async with aiohttp.ClientSession() as session:
        for code in ("abc", "def"):
            with pytest.raises(SetupError, match="not a JSON object"):
                await convert(session, fake.url, code)


async def test_convert_says_when_github_cannot_be_reached() -> None:
    api = f"http://127.0.0.1:{closed_port()}"
    async with aiohttp.ClientSession() as session:
        with pytest.raises(SetupError, match=f"cannot reach GitHub at {api}"):
            await convert(session, api, "abc")


# -- a new webhook channel -------------------------------------------------------------------
async def test_new_channel_resolves_the_redirect_location(fake: FakeServer) -> None:
    fake.add("HEAD", "/new", status=307, headers={"Location": "/chan123"})
    async with aiohttp.ClientSession() as session:
        assert await new_channel(session, fake.url + "/new") == fake.url + "/chan123"


async def test_new_channel_without_a_location_advises_webhook_url(fake: FakeServer) -> None:
    fake.add("HEAD", "/new", status=200)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(SetupError, match=r"\(200 without a Location\); pass --webhook-url"):
            await new_channel(session, fake.url + "/new")


async def test_new_channel_when_the_service_is_down() -> None:
    service = f"http://127.0.0.1:{closed_port()}/new"
    async with aiohttp.ClientSession() as session:
        with pytest.raises(SetupError, match="cannot create a webhook channel at"):
            await new_channel(session, service)


# -- .env values and lines -------------------------------------------------------------------
def test_env_values_maps_githubs_fields_to_probot_names() -> None:
    values = env_values(CONVERSION)
    assert values["APP_ID"] == "42"
    assert values["GITHUB_CLIENT_ID"] == "Iv1.abc"
    assert values["PRIVATE_KEY"] == CONVERSION["pem"]


@pytest.mark.parametrize(
    "change", [{"id": True}, {"pem": ""}, {"client_secret": None}, {"webhook_secret": 1.5}]
)
def test_env_values_refuses_a_missing_or_odd_field(change: dict[str, object]) -> None:
    with pytest.raises(SetupError, match="no usable"):
        env_values({**CONVERSION, **change})


def test_format_line_refuses_line_breaks_and_both_quotes() -> None:
    with pytest.raises(SetupError, match="line break"):
        format_line("WEBHOOK_SECRET", "a\nb")
    with pytest.raises(SetupError, match="both kinds of quote"):
        format_line("WEBHOOK_SECRET", 'it\'s "x"')
    assert format_line("X", 'say "hi"') == "X='say \"hi\"'"
    assert parse_env(format_line("X", 'say "hi"'))["X"] == 'say "hi"'


# -- old files and directories ---------------------------------------------------------------
def test_conflicts_lists_only_keys_already_set(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    assert conflicts(env, ["APP_ID"]) == []
    env.write_text("APP_ID=7\nWEBHOOK_SECRET=\n")
    assert conflicts(env, ["APP_ID", "WEBHOOK_SECRET", "PRIVATE_KEY"]) == ["APP_ID"]


def test_an_unreadable_env_file_is_a_setup_error(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_bytes(b"APP_ID=\xff\xfe\n")
    with pytest.raises(SetupError, match="cannot read"):
        conflicts(env, ["APP_ID"])


def test_check_writable_refuses_a_directory_that_is_not_there(tmp_path: Path) -> None:
    with pytest.raises(SetupError, match=r"cannot write to .*missing: choose another --env-file"):
        check_writable(tmp_path / "missing" / ".env", ["APP_ID"], force=False)


def test_a_failed_replace_leaves_no_temporary_behind(tmp_path: Path) -> None:
    """The target is a non-empty directory: the rename fails, the error shows, nothing is left."""
    target = tmp_path / "taken"
    target.mkdir()
    (target / "inside").write_text("x")
    with pytest.raises(IsADirectoryError):
        _atomic_write(target, "APP_ID=1\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
    assert (target / "inside").read_text() == "x"


def test_write_env_keeps_other_lines_and_replaces_old_keys_with_force(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    # No final newline, and an old multi-line quoted key that must go as a whole.
    env.write_text('# mine\nexport APP_ID=1\nPRIVATE_KEY="line1\nline2"\nOTHER=keep')
    with pytest.raises(SetupError, match="already sets APP_ID, PRIVATE_KEY; pass --force"):
        write_env(env, {"APP_ID": "2", "PRIVATE_KEY": "k"})
    write_env(env, {"APP_ID": "2", "PRIVATE_KEY": "k"}, force=True)
    text = env.read_text()
    assert text == "# mine\nOTHER=keep\nAPP_ID=2\nPRIVATE_KEY=k\n"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600


def test_write_env_with_an_unclosed_quote_drops_the_rest_of_that_key(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text('APP_ID="never closed\nmore\n')
    write_env(env, {"APP_ID": "3"}, force=True)
    assert parse_env(env.read_text()) == {"APP_ID": "3"}


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("OTHER=1\n")
    with pytest.raises(SetupError, match="line break"):
        write_env(env, {"WEBHOOK_SECRET": "a\rb"})
    assert env.read_text() == "OTHER=1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env"]


# -- the App manifest ------------------------------------------------------------------------
def test_a_manifest_that_is_not_yaml_or_not_a_mapping_is_named(tmp_path: Path) -> None:
    broken = tmp_path / "app.yml"
    broken.write_text("name: [unclosed\n")
    with pytest.raises(SetupError, match=r"app\.yml is not valid YAML"):
        load_manifest(broken)
    broken.write_text("- just\n- a list\n")
    with pytest.raises(SetupError, match="must be a mapping"):
        load_manifest(broken)


def test_a_manifest_without_a_homepage_gets_fundbots() -> None:
    """GitHub requires `url`; app.yml may leave it out."""
    built = build_manifest(
        {"name": "x", "hook_attributes": "odd"},
        webhook_url="https://hooks.example/x",
        redirect_url="http://127.0.0.1:1/setup/callback",
    )
    assert built["url"] == "https://github.com/apps/fundbot"
    assert built["hook_attributes"] == {"url": "https://hooks.example/x"}
    assert built["public"] is False
