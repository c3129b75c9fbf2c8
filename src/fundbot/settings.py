"""Server and client settings, read from the environment once, never at import time."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Final

from fundbot.errors import SettingsError

# The public services; every one can be pointed elsewhere (tests, mirrors, GHES).
DEFAULT_REGISTRY_URLS: dict[str, str] = {
    "npm_registry_url": "https://registry.npmjs.org",
    "pypi_url": "https://pypi.org",
    "crates_url": "https://crates.io",
    "rubygems_url": "https://rubygems.org",
    "packagist_url": "https://repo.packagist.org",
    "pubdev_url": "https://pub.dev",
    "maven_url": "https://repo1.maven.org/maven2",
    "nuget_url": "https://api.nuget.org",
    "go_proxy_url": "https://proxy.golang.org",
    "hex_url": "https://hex.pm",
}


class Secret(str):
    """A string whose repr and str never show the value (tokens, keys, webhook secrets)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('***')" if self else "Secret('')"

    def __str__(self) -> str:
        return "***" if self else ""

    def reveal(self) -> str:
        return str.__str__(self)


# `serve` listens on every interface by default: in a container it is reached through the
# published port, so binding to loopback only would make it unreachable.
ALL_INTERFACES: Final = "0.0.0.0"  # noqa: S104
WILDCARD_HOSTS: Final = ("", ALL_INTERFACES, "::")


def local_url_host(host: str) -> str:
    """How this machine reaches a server bound to `host`, written as it goes in a URL."""
    if host in WILDCARD_HOSTS:
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


# Probot's (pino's) level names beside Python's, so a Probot deployment's LOG_LEVEL works.
LOG_LEVELS: dict[str, int] = {
    "trace": logging.DEBUG,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "fatal": logging.CRITICAL,
    "critical": logging.CRITICAL,
}


def parse_level(name: str) -> int | None:
    """The logging level a LOG_LEVEL value names (any case), or None."""
    return LOG_LEVELS.get(name.strip().lower())


def default_data_dir(env: Mapping[str, str]) -> Path:
    """The user cache directory (XDG), as pip and friends use it."""
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".cache")
    return Path(base) / "fundbot"


@dataclass(frozen=True)
class Settings:
    """Everything fundbot reads from its environment. Build with `Settings.from_env()`."""

    # GitHub App (Probot's names)
    app_id: int | None = None
    private_key: Secret = field(default=Secret(""), repr=False)
    webhook_secret: Secret = field(default=Secret(""), repr=False)
    webhook_path: str = "/api/github/webhooks"
    ghe_host: str | None = None
    ghe_protocol: str = "https"
    host: str = ALL_INTERFACES
    port: int = 3000
    log_level: str = "INFO"
    log_format: str = "pretty"
    redis_url: str | None = None
    # `postgresql://...`: store, funding cache, de-dup and queue in PostgreSQL (scale-out).
    database_url: Secret = field(default=Secret(""), repr=False)
    webhook_proxy_url: str | None = None
    github_client_id: str | None = None
    github_client_secret: Secret = field(default=Secret(""), repr=False)
    # A personal/installation token for local scans (`GITHUB_TOKEN`).
    github_token: Secret = field(default=Secret(""), repr=False)

    # fundbot's own
    data_dir: Path = field(default_factory=lambda: default_data_dir(os.environ))
    npm_registry_url: str = DEFAULT_REGISTRY_URLS["npm_registry_url"]
    pypi_url: str = DEFAULT_REGISTRY_URLS["pypi_url"]
    crates_url: str = DEFAULT_REGISTRY_URLS["crates_url"]
    rubygems_url: str = DEFAULT_REGISTRY_URLS["rubygems_url"]
    packagist_url: str = DEFAULT_REGISTRY_URLS["packagist_url"]
    pubdev_url: str = DEFAULT_REGISTRY_URLS["pubdev_url"]
    maven_url: str = DEFAULT_REGISTRY_URLS["maven_url"]
    nuget_url: str = DEFAULT_REGISTRY_URLS["nuget_url"]
    go_proxy_url: str = DEFAULT_REGISTRY_URLS["go_proxy_url"]
    hex_url: str = DEFAULT_REGISTRY_URLS["hex_url"]
    # Where `?go-get=1` lookups of vanity Go module paths go; `{path}` is the module path.
    go_get_url: str = "https://{path}?go-get=1"
    # Per-host concurrency for outgoing lookups.
    http_concurrency: int = 16
    # GraphQL batches (of up to 100 repositories) in flight at once.
    github_concurrency: int = 3
    http_timeout: float = 30.0
    # Overall seconds per host per resolve run; after it the host's packages are unchecked.
    http_deadline: float = 20.0
    http_retries: int = 3
    # Tests turn the sleeping between retries off (as stamina does).
    retry_sleep: bool = True
    cache_ttl_found: float = 24 * 3600
    cache_ttl_not_found: float = 6 * 3600
    reconcile_interval: float = 24 * 3600
    # PostgreSQL workers: how often each says it is alive, and after how long without a
    # word its running job is handed to another worker (tests shorten both).
    worker_heartbeat: float = 10.0
    # Seconds between content-creating GitHub requests (GitHub's advice: one a second).
    github_write_gap: float = 1.0
    stalled_after: float = 30.0
    # Slow clients: seconds a webhook client gets to send its headers, and again its body,
    # before the connection is closed; and how many connections may be open at once.
    read_timeout: float = 30.0
    max_connections: int = 256
    # Bytes of registry and GitHub answers being read at once, over every request of the
    # process: a scan of thousands of packages stays within this much memory for answers.
    inflight_bytes: int = 64 * 1024 * 1024
    max_manifest_bytes: int = 20 * 1024 * 1024
    user_agent: str = "fundbot (+https://github.com/apps/fundbot)"

    @property
    def logging_level(self) -> int:
        """LOG_LEVEL as a `logging` level (Probot's `trace`…`fatal` included)."""
        return parse_level(self.log_level) or logging.INFO

    @property
    def github_api_url(self) -> str:
        """REST base URL: api.github.com, or `{protocol}://{GHE_HOST}/api/v3`."""
        if self.ghe_host:
            return f"{self.ghe_protocol}://{self.ghe_host}/api/v3"
        return "https://api.github.com"

    @property
    def github_graphql_url(self) -> str:
        if self.ghe_host:
            return f"{self.ghe_protocol}://{self.ghe_host}/api/graphql"
        return "https://api.github.com/graphql"

    @property
    def github_web_url(self) -> str:
        if self.ghe_host:
            return f"{self.ghe_protocol}://{self.ghe_host}"
        return "https://github.com"

    def check_data_dir(self) -> None:
        """Make sure the cache, queue and state can live in `data_dir`, before any of them
        is opened: a SettingsError naming FUNDBOT_DATA_DIR rather than a traceback later."""
        directory = self.data_dir
        problem = None
        if directory.exists() and not directory.is_dir():
            problem = "is a file"
        else:
            try:
                # Private: it lists an organisation's repositories, private ones too. The
                # same rule as storage.private_files (which this layer may not import).
                if not directory.is_dir():
                    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
                    os.chmod(directory, 0o700)
            except OSError as exc:
                problem = f"cannot be created ({exc.strerror or type(exc).__name__})"
            else:
                if not os.access(directory, os.W_OK | os.X_OK):
                    problem = "is not writable"
        if problem is not None:
            raise SettingsError(
                "FUNDBOT_DATA_DIR",
                f"the cache directory {directory} {problem}: "
                "set FUNDBOT_DATA_DIR to a writable directory",
            )

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings; a malformed value raises SettingsError naming the variable."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {"data_dir": default_data_dir(env)}
        private_key = env.get("PRIVATE_KEY", "")
        key_path = env.get("PRIVATE_KEY_PATH")
        if not private_key and key_path:
            try:
                private_key = Path(key_path).read_text()
            except OSError as exc:
                raise SettingsError(
                    "PRIVATE_KEY_PATH", f"cannot read {key_path}: {exc.strerror}"
                ) from None
        # Keys pasted into one-line env files often carry literal "\n".
        values["private_key"] = Secret(private_key.replace("\\n", "\n"))
        values["webhook_secret"] = Secret(env.get("WEBHOOK_SECRET", ""))
        values["github_client_secret"] = Secret(env.get("GITHUB_CLIENT_SECRET", ""))
        values["github_token"] = Secret(env.get("GITHUB_TOKEN", ""))
        values["database_url"] = Secret(env.get("DATABASE_URL", ""))
        if env.get("APP_ID"):
            values["app_id"] = _int(env, "APP_ID")
        plain = {
            "WEBHOOK_PATH": "webhook_path",
            "GHE_HOST": "ghe_host",
            "GHE_PROTOCOL": "ghe_protocol",
            "HOST": "host",
            "LOG_LEVEL": "log_level",
            "LOG_FORMAT": "log_format",
            "REDIS_URL": "redis_url",
            "WEBHOOK_PROXY_URL": "webhook_proxy_url",
            "GITHUB_CLIENT_ID": "github_client_id",
            "FUNDBOT_USER_AGENT": "user_agent",
            "FUNDBOT_GO_GET_URL": "go_get_url",
        }
        for var, attr in plain.items():
            if env.get(var):
                values[attr] = env[var]
        for attr in DEFAULT_REGISTRY_URLS:
            var = f"FUNDBOT_{attr.upper()}"
            if env.get(var):
                values[attr] = env[var].rstrip("/")
        if env.get("PORT"):
            values["port"] = _int(env, "PORT")
        if env.get("FUNDBOT_DATA_DIR"):
            values["data_dir"] = Path(env["FUNDBOT_DATA_DIR"]).expanduser()
        numeric = {
            "FUNDBOT_HTTP_CONCURRENCY": ("http_concurrency", int),
            "FUNDBOT_GITHUB_CONCURRENCY": ("github_concurrency", int),
            "FUNDBOT_HTTP_TIMEOUT": ("http_timeout", float),
            "FUNDBOT_HTTP_DEADLINE": ("http_deadline", float),
            "FUNDBOT_HTTP_RETRIES": ("http_retries", int),
            "FUNDBOT_CACHE_TTL_FOUND": ("cache_ttl_found", float),
            "FUNDBOT_CACHE_TTL_NOT_FOUND": ("cache_ttl_not_found", float),
            "FUNDBOT_RECONCILE_INTERVAL": ("reconcile_interval", float),
            "FUNDBOT_MAX_MANIFEST_BYTES": ("max_manifest_bytes", int),
            "FUNDBOT_WORKER_HEARTBEAT": ("worker_heartbeat", float),
            "FUNDBOT_GITHUB_WRITE_GAP": ("github_write_gap", float),
            "FUNDBOT_STALLED_AFTER": ("stalled_after", float),
            "FUNDBOT_READ_TIMEOUT": ("read_timeout", float),
            "FUNDBOT_MAX_CONNECTIONS": ("max_connections", int),
            "FUNDBOT_INFLIGHT_BYTES": ("inflight_bytes", int),
        }
        for var, (attr, kind) in numeric.items():
            if env.get(var):
                values[attr] = _number(env, var, kind)
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.ghe_protocol not in ("http", "https"):
            raise SettingsError("GHE_PROTOCOL", "must be http or https")
        if self.log_format not in ("json", "pretty"):
            raise SettingsError("LOG_FORMAT", "must be json or pretty")
        if parse_level(self.log_level) is None:
            raise SettingsError(
                "LOG_LEVEL", "must be trace, debug, info, warn(ing), error, fatal or critical"
            )
        url = self.database_url.reveal()
        if url and not url.startswith(("postgresql://", "postgres://")):
            raise SettingsError("DATABASE_URL", "must be a postgresql:// URL")
        if not self.webhook_path.startswith("/"):
            raise SettingsError("WEBHOOK_PATH", "must start with /")
        if not 0 < self.port < 65536:
            raise SettingsError("PORT", "must be between 1 and 65535")
        if self.http_concurrency < 1:
            raise SettingsError("FUNDBOT_HTTP_CONCURRENCY", "must be at least 1")
        if self.http_deadline <= 0:
            raise SettingsError("FUNDBOT_HTTP_DEADLINE", "must be more than 0 seconds")
        if self.read_timeout <= 0:
            raise SettingsError("FUNDBOT_READ_TIMEOUT", "must be more than 0 seconds")
        if self.max_connections < 1:
            raise SettingsError("FUNDBOT_MAX_CONNECTIONS", "must be at least 1")
        if self.inflight_bytes < 64 * 1024:
            raise SettingsError("FUNDBOT_INFLIGHT_BYTES", "must be at least 65536 (64 KB)")

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)
        return f"Settings({shown})"


def _int(env: Mapping[str, str], name: str) -> int:
    return int(_number(env, name, int))


def _number(env: Mapping[str, str], name: str, kind: type[int] | type[float]) -> float:
    try:
        value = kind(env[name])
    except ValueError:
        raise SettingsError(name, f"expected a number, found {env[name]!r}") from None
    if value < 0:
        raise SettingsError(name, "must not be negative")
    return value
