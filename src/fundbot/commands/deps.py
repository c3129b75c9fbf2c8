"""`fundbot deps PATH`: list the dependencies of a local checkout."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from fundbot.model import ScanResult
from fundbot.scanners import scan_tree


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "deps", help="list the dependencies found in a directory"
    )
    parser.add_argument("path", type=Path, help="the directory to scan")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not args.path.is_dir():
        print(f"fundbot deps: {args.path} is not a directory", file=sys.stderr)
        return 2
    result = scan_tree(args.path)
    if args.format == "json":
        json.dump(scan_result_json(result), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_table(result, Console())
    return 0


def scan_result_json(result: ScanResult) -> dict[str, Any]:
    """`{"dependencies": [...Dependency fields...], "errors": [{"manifest", "error"}]}`."""
    return {
        "dependencies": [asdict(dep) for dep in result.dependencies],
        "errors": [asdict(err) for err in result.errors],
    }


def print_table(result: ScanResult, console: Console) -> None:
    table = Table(title=f"{len(result.dependencies)} dependencies", title_justify="left")
    for column in ("ecosystem", "name", "version", "scope", "direct", "manifest", "skipped"):
        table.add_column(column, overflow="fold")
    for dep in result.dependencies:
        # Names come from user files: Text() keeps them from being read as console markup.
        table.add_row(
            *(
                Text(cell)
                for cell in (
                    dep.ecosystem,
                    dep.name,
                    dep.version or "",
                    dep.scope,
                    "yes" if dep.direct else "",
                    dep.manifest,
                    dep.skip_reason or "",
                )
            )
        )
    console.print(table, markup=False, highlight=False)
    for err in result.errors:
        console.print(f"unreadable: {err.manifest}: {err.error}", markup=False, highlight=False)
