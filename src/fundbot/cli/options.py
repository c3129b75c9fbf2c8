"""Options several sub-commands share, spelt once so their help and defaults agree."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_env_file(parser: argparse.ArgumentParser) -> None:
    """`--env-file`: the Probot-style settings file read before the environment."""
    parser.add_argument(
        "--env-file",
        type=Path,
        default=Path(".env"),
        metavar="PATH",
        help="settings file read before starting (default .env; the environment wins)",
    )
