"""`fundbot setup`: register the GitHub App from `app.yml` and save its credentials to `.env`."""

from __future__ import annotations

import argparse
import asyncio
import sys
import webbrowser
from importlib import resources
from pathlib import Path
from typing import Any

from fundbot.dotenv import load_dotenv
from fundbot.errors import SettingsError
from fundbot.settings import Settings
from fundbot.setup import SetupOptions, run_setup


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "setup",
        help="create the GitHub App from app.yml and write its credentials to .env",
        description="Run GitHub's App manifest flow: open a local page that registers the "
        "App described by app.yml on your account (or --org), then save APP_ID, "
        "PRIVATE_KEY, WEBHOOK_SECRET, GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET to .env "
        "(mode 0600). GitHub Enterprise Server: set GHE_HOST. Webhooks go to "
        "--webhook-url, else WEBHOOK_PROXY_URL, else a new smee.io channel.",
    )
    parser.add_argument("--org", metavar="ORG", help="register the App on this organisation")
    parser.add_argument(
        "--name", metavar="NAME", help="the App's name (GitHub lets you change it there too)"
    )
    parser.add_argument("--webhook-url", metavar="URL", help="this server's public webhook URL")
    parser.add_argument(
        "--manifest",
        type=Path,
        metavar="PATH",
        default=Path(str(resources.files("fundbot") / "data" / "app.yml")),
        help="the App manifest (default: the app.yml shipped with fundbot)",
    )
    parser.add_argument(
        "--env-file",
        type=Path,
        default=Path(".env"),
        metavar="PATH",
        help="where the credentials go (default .env)",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", metavar="HOST", help="where the local page listens"
    )
    parser.add_argument(
        "--port", type=int, default=3000, metavar="N", help="the local page's port (3000)"
    )
    parser.add_argument("--force", action="store_true", help="replace keys already in .env")
    parser.add_argument("--no-browser", action="store_true", help="print the URL only")
    parser.add_argument(
        "--channel-service",
        default="https://smee.io/new",
        metavar="URL",
        help="where a webhook channel is created when none is given",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # GHE_HOST or WEBHOOK_PROXY_URL may already be in .env.
    load_dotenv(args.env_file)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"fundbot setup: {exc}", file=sys.stderr)
        return 2
    options = SetupOptions(
        manifest_path=args.manifest,
        env_file=args.env_file,
        org=args.org,
        name=args.name,
        host=args.host,
        port=args.port,
        webhook_url=args.webhook_url,
        force=args.force,
        new_channel_url=args.channel_service,
    )

    def ready(url: str) -> None:
        print(f"Open {url} and press 'Create the GitHub App' (Ctrl-C to give up).", flush=True)
        if not args.no_browser:
            webbrowser.open(url)

    try:
        return asyncio.run(run_setup(settings, options, on_ready=ready, out=_print))
    except KeyboardInterrupt:
        print("fundbot setup: interrupted; nothing was written", file=sys.stderr)
        return 130


def _print(line: str) -> None:
    stream = sys.stderr if line.startswith("fundbot setup:") else sys.stdout
    print(line, file=stream, flush=True)
