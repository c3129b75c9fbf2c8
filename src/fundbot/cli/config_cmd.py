"""`fundbot config check FILE`: report every problem in a settings file, or show its effect."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from fundbot.config import as_dict, extends_target, load_yaml_config, validate
from fundbot.errors import ConfigError
from fundbot.words import plural

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_NO_FILE = 2


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "config", help="check a .github/fundbot.yml settings file"
    )
    actions = parser.add_subparsers(dest="config_command", metavar="check", required=True)
    check = actions.add_parser(
        "check", help="print every problem (exit 1), or the effective settings (exit 0)"
    )
    check.add_argument("file", type=Path, help="the settings file, e.g. .github/fundbot.yml")
    check.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        print(f"fundbot config check: {path}: no such file", file=sys.stderr)
        return EXIT_NO_FILE
    except IsADirectoryError:
        print(f"fundbot config check: {path} is a directory: give the file", file=sys.stderr)
        return EXIT_NO_FILE
    except OSError as exc:
        print(f"fundbot config check: {path}: cannot read: {exc.strerror}", file=sys.stderr)
        return EXIT_NO_FILE
    except UnicodeDecodeError:
        print(f"fundbot config check: {path}: not UTF-8 text", file=sys.stderr)
        return EXIT_INVALID
    name = str(path)
    try:
        raw = load_yaml_config(text, name)
        config = validate(raw, name)
        target = extends_target(raw, name)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{plural(len(exc.problems), 'problem')} in {name}", file=sys.stderr)
        return EXIT_INVALID
    if target is not None:
        owner, repo, file = target
        where = f"{owner}/{repo}" if owner else repo
        # A local check cannot fetch another repository: say what is shown instead.
        print(
            f"note: `_extends` ({where}:{file}) is applied by the App, not here;"
            " shown: this file over the defaults",
            file=sys.stderr,
        )
    sys.stdout.write(yaml.safe_dump(as_dict(config), sort_keys=False, allow_unicode=True))
    return EXIT_OK
