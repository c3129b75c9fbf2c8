"""`fundbot scan PATH`: the main job for a local checkout — dependencies, funding, the plan."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from rich.console import Console

from fundbot.cli.deps import nothing_found
from fundbot.cli.scan_output import output_console, print_table, unchecked_sentence
from fundbot.config import (
    SETTINGS_PATH,
    FundbotConfig,
    default_config,
    effective_config,
    load_yaml_config,
)
from fundbot.errors import ConfigError, ConfigProblem, SettingsError
from fundbot.ledger.local import read_ledger
from fundbot.ledger.reconcile import reconcile
from fundbot.model import Dependency, DeveloperCount, PackageFunding, Payment, Plan, ScanResult
from fundbot.pipeline import Estimate, Funding, Planned, Repositories, plan_repositories
from fundbot.render.context import IssueContext
from fundbot.render.exports import plan_csv, plan_json, sponsors_csv
from fundbot.render.issue import render_plan_issue
from fundbot.render.pledge import (
    NO_URL_NOTE,
    pledge_post,
    pledge_report,
    report_due_note,
    report_problems,
)
from fundbot.render.text import coverage_sentence
from fundbot.resolve.resolver import ResolveStats, resolve_dependencies
from fundbot.scan import scan_tree
from fundbot.scan.local_git import estimate_developers, repository_name
from fundbot.scan.own_owner import FIELDS as OWNER_FIELDS
from fundbot.scan.own_owner import owner_from_manifests
from fundbot.settings import Settings

# Root manifests larger than this are not read for the owner (no real one comes close).
MAX_ROOT_MANIFEST = 1024 * 1024
# `--strict`: the plan was printed, but part of its budget is held back for unchecked packages.
EXIT_UNCHECKED = 3
NOTHING_TO_FUND = "nothing to fund here"
FORMATS = ("table", "markdown", "json", "csv", "sponsors-csv", "pledge")
REPO_CONFIG = Path(SETTINGS_PATH)


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "scan",
        help="scan a checkout, find who accepts funding, and print the pledge plan",
        description="Scan a local checkout's dependency files, find where each dependency "
        "accepts money, and print a funding plan sized by the Open Source Pledge.",
    )
    parser.add_argument("path", type=Path, metavar="PATH", help="the directory to scan")
    parser.add_argument(
        "--developers",
        type=_positive,
        metavar="N",
        help="full-time developers (default: "
        "`developers` in the config, else an estimate from git history)",
    )
    parser.add_argument(
        "--per-developer",
        type=_positive,
        metavar="USD",
        help="USD per developer per year (default 2000, the Pledge's minimum)",
    )
    parser.add_argument(
        "--budget",
        type=_positive,
        metavar="USD",
        help="USD per year in total (overrides developers times per developer)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="a fundbot.yml; an invalid one stops the scan "
        "(default: PATH/.github/fundbot.yml when present, which only warns)",
    )
    parser.add_argument(
        "--owner",
        metavar="ORG",
        help="your GitHub organisation: its own packages are "
        "excluded (default: from the `origin` remote)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table (default), markdown (the plan issue), json, csv (one row per "
        "recipient), sponsors-csv (GitHub Sponsors bulk upload), pledge (report JSON "
        "and blog post)",
    )
    parser.add_argument("--offline", action="store_true", help="answer from the cache only")
    parser.add_argument(
        "--strict",
        action="store_true",
        help=f"exit {EXIT_UNCHECKED} (after printing the plan) when any dependency could not "
        "be checked, for CI",
    )
    parser.add_argument(
        "--github-token",
        metavar="TOKEN",
        help="enables GitHub funding lookups (default: $GITHUB_TOKEN)",
    )
    parser.add_argument(
        "--year",
        type=int,
        metavar="YYYY",
        default=datetime.date.today().year,
        help="the year of the plan's payments and of the Pledge report (default: this year)",
    )
    parser.add_argument(
        "--payments",
        type=Path,
        metavar="PATH",
        help="a payments ledger file, or a directory of them (like .github/fundbot/payments): "
        "the plan shows planned against paid, the Pledge report what was paid",
    )
    parser.add_argument(
        "--report-url",
        metavar="URL",
        help="where the Pledge report is published (default: `pledge.report_url` in the config)",
    )
    parser.set_defaults(run=run)


def _say(message: str) -> None:
    """Messages go to stderr unwrapped: they name files and keys people search for."""
    print(message, file=sys.stderr)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def run(args: argparse.Namespace) -> int:
    prepared = _prepare(args)
    if prepared is None:
        return 2
    settings, config, problems = prepared
    for problem in problems:
        _say(f"warning: {problem} (that key alone falls back to its default)")
    payments = _payments(args)
    if payments is None:
        return 2
    result = scan_tree(args.path, ignore_paths=config.ignore_paths)
    if not result.dependencies and not result.errors:
        _nothing_to_fund(args, config)
        return 0
    err = Console(stderr=True, highlight=False)
    name = repository_name(args.path) or args.path.resolve().name
    owner = args.owner or (name.partition("/")[0] if "/" in name else None)
    if owner is None:
        owner = _owner_from_manifests(args.path)
    planned, stats = asyncio.run(
        _plan(Repositories.checkout(name, result), config, owner, settings, args, err)
    )
    _say_stats(args, stats)
    plan, funding = planned.plan, planned.funding
    if args.payments is not None:
        plan = reconcile(plan, payments, args.year)
    due = report_due_note(config.pledge.get("last_report_date"), datetime.date.today())
    if due:
        # In every format's notes, as in the plan issue (the pledge format says it on stderr).
        plan = replace(plan, notes=(*plan.notes, due))
    _print(args, plan, result, funding, (config, problems), owner or name)
    if args.format != "table":
        # The table says these itself; other formats go to files, so tell the person here.
        _warn_unchecked_and_unreadable(plan, result)
    if args.strict and plan.unchecked:
        _say(f"fundbot scan --strict: {coverage_sentence(plan)}")
        return EXIT_UNCHECKED
    return 0


def _nothing_to_fund(args: argparse.Namespace, config: FundbotConfig) -> None:
    """No plan at all rather than a plan of nothing: said plainly, and it is not an error."""
    found = nothing_found(args.path, config.ignore_paths).removeprefix("warning: ")
    message = f"{NOTHING_TO_FUND}: {found}"
    if args.format == "table":
        print(message[:1].upper() + message[1:])
    else:
        _say(message)


def _say_stats(args: argparse.Namespace, stats: ResolveStats) -> None:
    if getattr(args, "verbose", 0):
        # `-v`: per host, requests made, answers from the cache and the time spent.
        for line in stats.per_source():
            _say(f"info: {line}")
    for note in stats.notes:
        _say(f"note: {note}")


def _payments(args: argparse.Namespace) -> list[Payment] | None:
    """The ledger at --payments (each bad row said on stderr), [] without; None: unusable."""
    if args.payments is None:
        return []
    try:
        ledger = read_ledger(args.payments)
    except FileNotFoundError:
        _say(f"fundbot scan: --payments {args.payments} does not exist")
        return None
    for problem in ledger.problems:
        _say(f"warning: {problem} (left out)")
    return list(ledger.payments)


def _owner_from_manifests(root: Path) -> str | None:
    """Without `--owner` or a GitHub remote: the one GitHub owner the root manifests name."""
    files: dict[str, str] = {}
    for name in OWNER_FIELDS:
        path = root / name
        try:
            if path.is_file() and path.stat().st_size <= MAX_ROOT_MANIFEST:
                files[name] = path.read_text(encoding="utf-8-sig", errors="replace")
        except OSError:
            continue
    found = owner_from_manifests(files)
    if found is None:
        return None
    owner, fields = found
    _say(
        f"note: {owner} is taken as your own organisation (from {', '.join(fields)}): its "
        "packages are excluded; --owner ORG overrides"
    )
    return owner


def _prepare(
    args: argparse.Namespace,
) -> tuple[Settings, FundbotConfig, list[ConfigProblem]] | None:
    """Settings and config, or None once every reason not to start has been said."""
    if not args.path.is_dir():
        what = "is not a directory" if args.path.exists() else "does not exist"
        _say(f"fundbot scan: {args.path} {what}: give the directory to scan")
        return None
    if args.config is not None and not args.config.is_file():
        what = "is a directory" if args.config.is_dir() else "does not exist"
        _say(f"fundbot scan: --config {args.config} {what}: give a fundbot.yml file")
        return None
    try:
        settings = Settings.from_env()
        config, problems = _load_config(args)
    except SettingsError as exc:
        _say(f"fundbot scan: {exc}")
        return None
    except ConfigError as exc:
        for problem in exc.problems:
            _say(f"fundbot scan: {problem}")
        return None
    try:
        settings.check_data_dir()
    except SettingsError as exc:
        _say(f"fundbot scan: {exc.detail}")
        return None
    return settings, config, problems


def _warn_unchecked_and_unreadable(plan: Plan, result: ScanResult) -> None:
    unchecked = unchecked_sentence(plan)
    if unchecked:
        # Once: the coverage sentence already names every reason and its count.
        _say(f"warning: {unchecked}; their funding is unknown")
    for error in result.errors:
        _say(f"warning: unreadable: {error.manifest}: {error.error}")


def _load_config(args: argparse.Namespace) -> tuple[FundbotConfig, list[ConfigProblem]]:
    """An explicit --config must be valid; the checkout's own file only warns."""
    overrides: dict[str, Any] = {}
    if args.per_developer is not None:
        overrides["per_developer"] = args.per_developer
    if args.budget is not None:
        overrides["budget"] = args.budget
    layers: list[tuple[str, Any]] = []
    if args.config is not None:
        try:
            text = args.config.read_text()
        except OSError as exc:
            raise ConfigError(
                [
                    ConfigProblem(
                        str(args.config),
                        "(file)",
                        exc.strerror or "unreadable",
                        "a readable YAML file",
                    )
                ]
            ) from None
        layers.append((str(args.config), load_yaml_config(text, str(args.config))))
    elif (args.path / REPO_CONFIG).is_file():
        file = str(REPO_CONFIG)
        try:
            layers.append((file, load_yaml_config((args.path / REPO_CONFIG).read_text(), file)))
        except ConfigError as exc:
            config = default_config()
            return _with(config, overrides), list(exc.problems)
    config, problems = effective_config(layers)
    if args.config is not None and problems:
        raise ConfigError(problems)
    return _with(config, overrides), problems


def _with(config: FundbotConfig, overrides: dict[str, Any]) -> FundbotConfig:
    return replace(config, **overrides) if overrides else config


async def _plan(
    repositories: Repositories,
    config: FundbotConfig,
    owner: str | None,
    settings: Settings,
    args: argparse.Namespace,
    err: Console,
) -> tuple[Planned, ResolveStats]:
    stats = ResolveStats()

    async def resolve(dependencies: Iterable[Dependency]) -> Funding:
        nonlocal stats
        funding, stats = await _resolve(dependencies, settings, args, err)
        return funding

    async def estimate() -> Estimate | None:
        return estimate_developers(args.path)

    given = (
        DeveloperCount(args.developers, "configured", "`--developers` on the command line")
        if args.developers is not None
        else None
    )
    planned = await plan_repositories(
        repositories,
        config,
        owner=owner,
        resolve=resolve,
        estimate=estimate,
        given=given,
        no_estimate="no git history to count authors from: pass --developers N",
    )
    return planned, stats


async def _resolve(
    dependencies: Iterable[Dependency], settings: Settings, args: argparse.Namespace, err: Console
) -> tuple[Funding, ResolveStats]:
    progress: Callable[[int, int], None] | None = None
    if err.is_terminal:
        # Per package, with the hosts still answering and the time spent; only on a terminal.
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[waiting]}", style="dim"),
            console=err,
            transient=True,
        )
        task = bar.add_task("Looking up funding", total=None, waiting="")
        bar.start()

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        def waiting(hosts: tuple[str, ...]) -> None:
            bar.update(task, waiting=f"waiting on {', '.join(hosts)}" if hosts else "")

        try:
            return await resolve_dependencies(
                dependencies,
                settings,
                github_token=args.github_token,
                offline=args.offline,
                progress=progress,
                waiting=waiting,
            )
        finally:
            bar.stop()
    return await resolve_dependencies(
        dependencies, settings, github_token=args.github_token, offline=args.offline
    )


def dependency_json(
    dep: Dependency, funding: dict[tuple[str, str], PackageFunding]
) -> dict[str, Any]:
    info = funding.get(dep.key)
    return {
        **asdict(dep),
        "repository": info.repository if info else None,
        "funding": [
            {"platform": c.platform, "url": c.url, "found_via": c.found_via}
            for c in (info.channels if info else ())
        ],
    }


def _print(
    args: argparse.Namespace,
    plan: Plan,
    result: ScanResult,
    funding: dict[tuple[str, str], PackageFunding],
    settings: tuple[FundbotConfig, list[ConfigProblem]],
    organisation: str,
) -> None:
    config, problems = settings
    fmt = args.format
    if fmt == "json":
        deps = [dependency_json(d, funding) for d in result.dependencies]
        errors = [asdict(e) for e in result.errors]
        json.dump(plan_json(plan, deps, errors), sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif fmt == "markdown":
        ctx = IssueContext(
            owner=organisation,
            repository=None,
            plan_issue_url=None,
            frequency=config.sponsors_frequency,
            # The checkout's own file warned on stderr; the issue text says it too.
            config_problems=tuple(problems),
            interactive=False,
        )
        sys.stdout.write(render_plan_issue(plan, ctx) + "\n")
    elif fmt == "csv":
        sys.stdout.write(plan_csv(plan))
    elif fmt == "sponsors-csv":
        sys.stdout.write(sponsors_csv(plan, config.sponsors_frequency))
    elif fmt == "pledge":
        _print_pledge(args, plan, config, organisation)
    else:
        print_table(plan, result, funding, output_console())


def _print_pledge(
    args: argparse.Namespace, plan: Plan, config: FundbotConfig, organisation: str
) -> None:
    """The member entry (only with a real URL to put in it), then the post; notes on stderr."""
    if args.payments is None:
        _say("note: no --payments ledger: nothing is recorded as paid, so the post is a draft")
    url = args.report_url or config.pledge.get("report_url")
    today = datetime.date.today().isoformat()
    entry = pledge_report(plan, year=args.year, url=url or "", report_date=today)
    wrong = report_problems(entry)
    if not url:
        _say(f"note: {NO_URL_NOTE}")
    elif wrong:
        _say("note: the Pledge entry is not shown: " + "; ".join(wrong))
    else:
        sys.stdout.write(json.dumps({"annualReports": [entry]}, indent=2) + "\n\n")
    due = report_due_note(config.pledge.get("last_report_date"), datetime.date.today())
    if due:
        _say(f"note: {due}")
    sys.stdout.write(pledge_post(plan, year=args.year, organisation=organisation) + "\n")
