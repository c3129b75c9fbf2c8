"""`fundbot setup`: create the GitHub App from `app.yml` with GitHub's manifest flow."""

from __future__ import annotations

from fundbot.setup.envfile import ENV_KEYS, write_env
from fundbot.setup.flow import SetupOptions, run_setup
from fundbot.setup.manifest import SetupError, build_manifest, create_app_url, load_manifest

__all__ = [
    "ENV_KEYS",
    "SetupError",
    "SetupOptions",
    "build_manifest",
    "create_app_url",
    "load_manifest",
    "run_setup",
    "write_env",
]
