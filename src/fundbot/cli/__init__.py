"""The `fundbot` command: parse arguments and hand over to one module per command."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from fundbot import __version__
from fundbot.cli import config_cmd, db, deps, payments, scan, serve, setup, worker
from fundbot.logs import setup_logging

# Explicit, in the order `fundbot --help` shows them.
COMMANDS: tuple[ModuleType, ...] = (scan, deps, config_cmd, payments, setup, serve, worker, db)

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a killed writer


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fundbot",
        description="Fund the open source your organisation depends on.",
    )
    parser.add_argument("--version", action="version", version=f"fundbot {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more (-v info, -vv debug)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    # Commands print what matters themselves; logs are for -v (the server sets its own).
    setup_logging(("ERROR", "INFO", "DEBUG")[min(args.verbose, 2)])
    try:
        result: int = args.run(args)
    except BrokenPipeError:
        # `fundbot deps . | head`: the reader left; say nothing more, as cat does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return result
