"""Settings from the environment: names, defaults, clear refusals, secrets kept out of sight."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from fundbot.cli import main
from fundbot.errors import SettingsError
from fundbot.logs import JsonFormatter, PrettyFormatter
from fundbot.settings import Secret, Settings

PEM = "-----BEGIN RSA PRIVATE KEY-----\\nMIIBOgIBAAJBAK\\n-----END RSA PRIVATE KEY-----"


def test_probot_names_and_registry_urls_are_read() -> None:
    """Probot's variable names and FUNDBOT_* base URLs land in their settings."""
    settings = Settings.from_env(
        {
            "APP_ID": "123",
            "PRIVATE_KEY": PEM,
            "WEBHOOK_SECRET": "s3cret",
            "WEBHOOK_PATH": "/hooks",
            "GHE_HOST": "ghe.example.com",
            "PORT": "8080",
            "LOG_FORMAT": "json",
            "FUNDBOT_PYPI_URL": "http://mirror.local/pypi/",
            "FUNDBOT_DATA_DIR": "/tmp/fundbot-data",
        }
    )
    assert settings.app_id == 123
    assert settings.private_key.reveal().count("\n") == 2  # literal \n turned into newlines
    assert settings.webhook_path == "/hooks"
    assert settings.github_api_url == "https://ghe.example.com/api/v3"
    assert settings.github_graphql_url == "https://ghe.example.com/api/graphql"
    assert settings.port == 8080
    assert settings.pypi_url == "http://mirror.local/pypi"
    assert settings.data_dir == Path("/tmp/fundbot-data")


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"APP_ID": "twelve"}, "APP_ID"),
        ({"PORT": "70000"}, "PORT"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"GHE_PROTOCOL": "ftp"}, "GHE_PROTOCOL"),
        ({"PRIVATE_KEY_PATH": "/nonexistent/key.pem"}, "PRIVATE_KEY_PATH"),
        ({"FUNDBOT_HTTP_TIMEOUT": "soon"}, "FUNDBOT_HTTP_TIMEOUT"),
    ],
)
def test_a_bad_setting_is_named(env: dict[str, str], name: str) -> None:
    """A malformed value raises SettingsError naming the variable."""
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    assert caught.value.name == name


def test_secrets_never_show_in_reprs() -> None:
    """Neither repr(settings) nor str() of a secret shows the value."""
    settings = Settings.from_env(
        {"PRIVATE_KEY": PEM, "WEBHOOK_SECRET": "s3cret", "GITHUB_TOKEN": "ghp_abc"}
    )
    shown = repr(settings) + str(settings.webhook_secret) + repr(settings.github_token)
    assert "s3cret" not in shown
    assert "ghp_abc" not in shown
    assert "PRIVATE" not in shown


@pytest.mark.parametrize("formatter", [JsonFormatter(), PrettyFormatter()])
def test_logs_mask_secret_fields(formatter: logging.Formatter) -> None:
    """A token passed in `extra` by mistake is printed as ***."""
    record = logging.LogRecord("fundbot", logging.INFO, __file__, 1, "minted", (), None)
    record.token = "ghs_secret"
    record.installation_id = 7
    line = formatter.format(record)
    assert "ghs_secret" not in line
    assert "7" in line
    if isinstance(formatter, JsonFormatter):
        assert json.loads(line)["token"] == "***"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "APP_ID: is not set"),
        ({"APP_ID": "1"}, "PRIVATE_KEY: is not set"),
        ({"APP_ID": "1", "PRIVATE_KEY": "not a key"}, "PRIVATE_KEY: is not a PEM private key"),
        ({"APP_ID": "1", "PRIVATE_KEY": PEM}, "WEBHOOK_SECRET: is not set"),
    ],
)
def test_serve_refuses_to_start_naming_the_missing_setting(
    env: dict[str, str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`fundbot serve` without the App's settings exits 2 with one message naming it."""
    for var in ("APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET"):
        monkeypatch.delenv(var, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code = main(["serve", "--env-file", str(tmp_path / "none.env")])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "BEGIN RSA" not in err


def test_secret_reveal_gives_the_value() -> None:
    """Code that needs the value asks for it explicitly."""
    assert Secret("x").reveal() == "x"


def test_serve_refuses_a_data_dir_it_cannot_write(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`fundbot serve` checks FUNDBOT_DATA_DIR before opening the queue and store in it."""
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("APP_ID", "1")
    monkeypatch.setenv("PRIVATE_KEY", PEM)
    monkeypatch.setenv("WEBHOOK_SECRET", "x")
    monkeypatch.setenv("FUNDBOT_DATA_DIR", str(tmp_path / "file"))
    code = main(["serve", "--env-file", str(tmp_path / "none.env")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"FUNDBOT_DATA_DIR: the cache directory {tmp_path / 'file'} is a file" in err
