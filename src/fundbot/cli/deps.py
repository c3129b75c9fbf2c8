"""`fundbot deps PATH`: list the dependencies of a local checkout."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from fundbot.config import SETTINGS_PATH, effective_config, load_yaml_config
from fundbot.errors import ConfigError
from fundbot.graph import build_graph, package_id, via
from fundbot.model import ScanResult
from fundbot.safe_text import one_line
from fundbot.scan import DEFAULT_IGNORE_PATHS, scan_tree
from fundbot.words import plural


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "deps",
        help="list the dependencies found in a directory",
        description="List every dependency fundbot finds under PATH, with no network use.",
    )
    parser.add_argument("path", type=Path, metavar="PATH", help="the directory to scan")
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="table (default) or json"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not args.path.is_dir():
        what = "is not a directory" if args.path.exists() else "does not exist"
        print(f"fundbot deps: {args.path} {what}: give the directory to scan", file=sys.stderr)
        return 2
    ignore_paths = checkout_ignore_paths(args.path)
    result = scan_tree(args.path, ignore_paths=ignore_paths)
    if not result.dependencies and not result.errors:
        print(nothing_found(args.path, ignore_paths), file=sys.stderr)
    if args.format == "json":
        json.dump(scan_result_json(result), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_table(result, Console())
    return 0


def checkout_ignore_paths(path: Path) -> tuple[str, ...]:
    """`ignore_paths` from PATH/.github/fundbot.yml, as `scan` uses; the defaults otherwise."""
    file = path / SETTINGS_PATH
    try:
        raw = load_yaml_config(file.read_text(encoding="utf-8"), str(file))
    except (OSError, UnicodeDecodeError, ConfigError):
        # `scan` and `config check` report a broken file; the inventory just goes on.
        return tuple(DEFAULT_IGNORE_PATHS)
    config, _ = effective_config([(str(file), raw)])
    return tuple(config.ignore_paths)


def nothing_found(path: Path, ignored: Sequence[str]) -> str:
    """Why an empty result may be surprising: the default ignores include `examples`."""
    return (
        f"warning: no dependency files found under {path} "
        f"(directories skipped: {', '.join(ignored)})"
    )


def scan_result_json(result: ScanResult) -> dict[str, Any]:
    """`{"dependencies": [...Dependency fields, via...], "errors": [{"manifest", "error"}]}`.

    `via`: the sorted names of the direct dependencies a package is reached through, so a
    reader sees why a transitive package is in the plan (empty for a direct one, and where
    the format records no edges).
    """
    reached = via(build_graph(result.dependencies))
    return {
        "dependencies": [
            asdict(dep)
            | {"via": [_name(pkg) for pkg in reached.get(package_id(dep.ecosystem, dep.name), ())]}
            for dep in result.dependencies
        ],
        "errors": [asdict(err) for err in result.errors],
    }


def _name(pkg: str) -> str:
    return pkg.partition(":")[2]


def print_table(result: ScanResult, console: Console) -> None:
    """One row per dependency; fits 80 columns by joining ecosystem and name."""
    files = len({dep.manifest for dep in result.dependencies})
    table = Table(
        title=f"{plural(len(result.dependencies), 'dependency')} in {plural(files, 'file')}",
        title_justify="left",
    )
    table.add_column("package", overflow="fold", ratio=3)
    table.add_column("version", overflow="fold", ratio=1)
    table.add_column("scope", no_wrap=True)
    table.add_column("direct", no_wrap=True)
    table.add_column("manifest", overflow="fold", ratio=2)
    skipped = any(dep.skip_reason for dep in result.dependencies)
    if skipped:
        table.add_column("skipped", overflow="fold", ratio=1)
    for dep in result.dependencies:
        # Names come from user files: Text() keeps them from being read as console markup.
        cells = [
            f"{dep.ecosystem}:{dep.name}",
            dep.version or "",
            dep.scope,
            "yes" if dep.direct else "",
            dep.manifest,
        ]
        table.add_row(
            *(Text(one_line(cell)) for cell in cells + ([dep.skip_reason or ""] if skipped else []))
        )
    console.print(table, markup=False, highlight=False)
    for err in result.errors:
        line = one_line(f"unreadable: {err.manifest}: {err.error}")
        console.print(line, markup=False, highlight=False)
