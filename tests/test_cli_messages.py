"""What a new user meets on the command line: messages, exit codes, 80 columns, git estimates."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from fundbot.cli import build_parser, main
from fundbot.cli import deps as deps_cmd
from fundbot.cli.scan_output import print_table, recipient_label
from fundbot.model import (
    Dependency,
    FundingChannel,
    PackageFunding,
    Plan,
    PlanLine,
    ScanResult,
)
from fundbot.scan.local_git import estimate_developers
from tests.fakes.registries import PREFIXES
from tests.fakes.server import FakeServer

ROOT = Path(__file__).parent.parent
MARKUP = "[bold]x[/bold]"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def offline_env(fake: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Registries on the strict fake with no route: any request at all fails the test."""
    for attr, prefix in PREFIXES.items():
        monkeypatch.setenv(f"FUNDBOT_{attr.upper()}", fake.url + prefix)
    monkeypatch.setenv("FUNDBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    root = tmp_path / "shop"
    root.mkdir()
    (root / "package.json").write_text(json.dumps({"dependencies": {MARKUP: "1.0.0"}}))
    return root


def _plan(*lines: PlanLine) -> Plan:
    return Plan(
        budget=2000,
        developers=1,
        developers_source="estimate",
        developers_method="a guess",
        per_developer=2000,
        currency="USD",
        lines=lines,
        dependencies_covered=len(lines),
    )


def _line(name: str, url: str, handle: str | None = None) -> PlanLine:
    return PlanLine(
        recipient=f"url:{url}",
        platform="custom" if handle is None else "github",
        url=url,
        handle=handle,
        amount=1000,
        weight=1.0,
        packages=(f"npm:{name}",),
        repositories=("shop",),
    )


def _render(draw: object, *args: object) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, highlight=False, color_system=None)
    draw(*args, console)  # type: ignore[operator]
    return buffer.getvalue()


def test_scan_table_shows_markup_names_literally_within_80_columns() -> None:
    """A package named `[bold]x[/bold]` is printed as written, and no line passes 80 columns."""
    dep = Dependency("npm", MARKUP, "1", "runtime", True, "package.json")
    plan = _plan(
        _line(MARKUP, "https://example.org/a/very/long/donation/page/for/this/project"),
        _line("y", "https://github.com/sponsors/someone", handle="someone"),
    )
    out = _render(print_table, plan, ScanResult((dep,), ()), {})
    assert "npm:[bold]x[/bold]" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "1 developer " in out
    assert "2 recipients" in out


def test_deps_table_shows_markup_names_literally_within_80_columns() -> None:
    """`fundbot deps` prints names as written, fits 80 columns, and adds `skipped` only if used."""
    plain = Dependency("npm", MARKUP, "1.0.0", "runtime", True, "web/package.json")
    out = _render(deps_cmd.print_table, ScanResult((plain,), ()))
    assert "npm:[bold]x[/bold]" in out
    assert "skipped" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    skipped = Dependency("npm", "local", None, "runtime", True, "package.json", "path")
    assert "skipped" in _render(deps_cmd.print_table, ScanResult((plain, skipped), ()))


def test_scan_table_lists_the_20_most_shared_links_then_counts_the_rest() -> None:
    """Hundreds of funding links do not flood the terminal: 20 rows, then `… and N more`."""
    deps = tuple(
        Dependency("npm", f"p{i}", "1", "runtime", True, "package.json") for i in range(25)
    )
    funding = {
        d.key: PackageFunding(
            "npm",
            d.name,
            None,
            (FundingChannel("custom", f"https://example.org/{d.name}", None, "npm:funding"),),
            0.0,
        )
        for d in deps
    }
    out = _render(print_table, _plan(), ScanResult(deps, ()), funding)
    assert "Where 25 of 25 packages accept funding" in out
    assert out.count("https://example.org/") == 20
    assert "… and 5 more links (--format json)" in out


@pytest.mark.parametrize(
    ("handle", "url", "label"),
    [
        ("hynek", "https://github.com/sponsors/hynek", "hynek"),
        (None, "https://www.djangoproject.com/fundraising/", "djangoproject.com/fundraising"),
        (None, "https://github.com/chalk/chalk?sponsor=1", "github.com/chalk/chalk"),
        (None, "not a url", "not a url"),
    ],
)
def test_recipient_labels_tell_two_links_on_one_site_apart(
    handle: str | None, url: str, label: str
) -> None:
    """A custom link is labelled by site and path, so two on github.com do not look alike."""
    assert recipient_label(handle, url) == label


@pytest.mark.parametrize("fmt", ["csv", "json", "markdown", "sponsors-csv", "pledge"])
def test_file_formats_warn_on_stderr_about_unchecked_packages(
    offline_env: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """Formats meant for files still tell the person, on stderr, what could not be checked."""
    code, _, err = run(capsys, "scan", str(offline_env), "--offline", "--format", fmt)
    assert code == 0
    # Once, in the coverage sentence that names every reason (not a second summary line).
    assert (
        "warning: checked 0% of dependency weight; $2,000 held back until 1 package can be "
        "checked: not in cache (--offline) (1); their funding is unknown"
    ) in err
    assert err.count("not in cache (--offline)") == 1


def test_table_reports_unchecked_packages_and_an_empty_funding_list(
    offline_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With nothing found, the table says so in a line instead of drawing empty tables."""
    code, out, _ = run(capsys, "scan", str(offline_env), "--offline", "--developers", "1")
    assert code == 0
    assert "None of the 1 package found lists funding." in out
    assert "The plan" not in out
    # Said once, by the coverage sentence the table opens with.
    assert " ".join(out.split()).count("checked: not in cache (--offline) (1)") == 1
    assert "could not be checked" not in out


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing.yml", "does not exist"),
        (lambda tmp: tmp, "is a directory"),
    ],
)
def test_scan_with_an_unusable_config_path_exits_2_naming_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: object, message: str
) -> None:
    """`--config` that is missing or a directory: exit 2, naming the flag, the path and why."""
    config = make(tmp_path)  # type: ignore[operator]
    code, _, err = run(capsys, "scan", str(tmp_path), "--config", str(config))
    assert code == 2
    assert f"--config {config} {message}" in err


@pytest.mark.parametrize(
    ("command", "message"),
    [("scan", "is not a directory"), ("deps", "is not a directory")],
)
def test_a_file_given_as_path_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, message: str
) -> None:
    """A file where a directory is expected is a usage error that says what was wrong."""
    file = tmp_path / "package.json"
    file.write_text("{}")
    code, _, err = run(capsys, command, str(file))
    assert code == 2
    assert f"{file} {message}" in err


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (None, 2, "is a directory"),
        (b"\xff\xfe\x00bad", 1, "not UTF-8 text"),
    ],
)
def test_config_check_unreadable_files(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes | None,
    code: int,
    message: str,
) -> None:
    """`config check` on a directory exits 2; on a file that is not text, 1 (a problem)."""
    path = tmp_path
    if content is not None:
        path = tmp_path / "fundbot.yml"
        path.write_bytes(content)
    found, _, err = run(capsys, "config", "check", str(path))
    assert found == code
    assert message in err
    assert "Errno" not in err


def test_config_without_a_subcommand_names_check(capsys: pytest.CaptureFixture[str]) -> None:
    """`fundbot config` alone is a usage error that names `check`, not an internal name."""
    with pytest.raises(SystemExit) as exit_info:
        main(["config"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "required: check" in err
    assert "config_command" not in err


def test_serve_without_settings_points_at_setup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`fundbot serve` on a fresh machine exits 2 and says `fundbot setup` writes the .env."""
    monkeypatch.chdir(tmp_path)
    for name in ("APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    code, _, err = run(capsys, "serve")
    assert code == 2
    assert "APP_ID" in err
    assert "`fundbot setup`" in err


def _scan_options() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    scan = sub.choices["scan"]  # type: ignore[index]
    return {s for a in scan._actions for s in a.option_strings if s.startswith("--")}


def test_readme_synopsis_names_every_scan_option_and_format() -> None:
    """The README's command-line synopsis lists every `scan` flag and every format."""
    readme = (ROOT / "README.md").read_text()
    synopsis = readme.split("## The command line", 1)[1].split("## Configuration", 1)[0]
    for option in _scan_options() - {"--help"}:
        assert option in synopsis, option
    for fmt in ("table", "markdown", "json", "csv", "sponsors-csv", "pledge"):
        assert re.search(rf"\b{re.escape(fmt)}\b", synopsis), fmt


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`fundbot deps --format json | head -c1`: no traceback, exit 141 like a killed writer."""
    many = {f"pkg-{i}": "1.0.0" for i in range(4000)}
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": many}))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "fundbot", "deps", str(tmp_path), "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.read(1)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=30) == 141
    assert "Traceback" not in err


def _git(repo: Path, *args: str, author: str = "Ada <ada@example.com>") -> None:
    name, _, email = author.partition(" <")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email.rstrip(">"),
        "GIT_COMMITTER_NAME": "c",
        "GIT_COMMITTER_EMAIL": "c@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@needs_git
def test_developer_estimate_counts_humans_not_bots(tmp_path: Path) -> None:
    """Two humans and three bots committed: the estimate is 2, labelled as an estimate."""
    _git(tmp_path, "init", "-q")
    authors = [
        "Ada <ada@example.com>",
        "Ada Again <ADA@example.com>",
        "Grace <grace@example.com>",
        "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
        "renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>",
        "GitHub <noreply@github.com>",
    ]
    for i, author in enumerate(authors):
        (tmp_path / "f").write_text(str(i))
        _git(tmp_path, "add", "f")
        _git(tmp_path, "commit", "-q", "-m", f"c{i}", author=author)
    found = estimate_developers(tmp_path)
    assert found is not None
    assert found[0] == 2
    assert "commit authors" in found[1]


@needs_git
def test_developer_estimate_is_none_outside_a_repository_and_the_scan_says_so(
    offline_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No git history: no estimate; the scan sizes for 1 developer and asks for --developers."""
    assert estimate_developers(offline_env) is None
    code, out, _ = run(capsys, "scan", str(offline_env), "--offline", "--format", "json")
    plan = json.loads(out)["plan"]
    assert code == 0
    assert plan["developers"] == 1
    assert plan["developers_source"] == "estimate"
    assert "--developers N" in plan["developers_method"]


def test_readme_names_every_key_of_the_json_plan(
    offline_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every key `--format json` puts in `plan` and in a dependency is named in the README."""
    code, out, _ = run(capsys, "scan", str(offline_env), "--offline", "--format", "json")
    data = json.loads(out)
    readme = (ROOT / "README.md").read_text()
    assert code == 0
    for key in [*data["plan"], *data["dependencies"][0]]:
        assert f"`{key}`" in readme, key


def test_markdown_shows_the_checkouts_config_problems(
    offline_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad `.github/fundbot.yml` in the checkout warns on stderr and shows in the Markdown."""
    (offline_env / ".github").mkdir()
    (offline_env / ".github" / "fundbot.yml").write_text("developers: lots\n")
    code, out, err = run(capsys, "scan", str(offline_env), "--offline", "--format", "markdown")
    assert code == 0
    assert "warning: .github/fundbot.yml: `developers`" in err
    assert "The configuration has 1 problem" in out


@needs_git
def test_repository_name_and_owner_come_from_the_origin_remote(
    offline_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With a GitHub `origin`, the scan names the repository `owner/repo` from it."""
    _git(offline_env, "init", "-q")
    _git(offline_env, "remote", "add", "origin", "git@github.com:acme/shop.git")
    code, out, _ = run(
        capsys, "scan", str(offline_env), "--offline", "--developers", "2", "--format", "json"
    )
    assert code == 0
    assert json.loads(out)["plan"]["unchecked"][0]["repositories"] == ["acme/shop"]


@pytest.mark.parametrize("command", ["scan", "deps"])
def test_an_empty_directory_warns_and_names_the_skipped_directories(
    offline_env: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """No dependency file (here only under `examples/`, skipped): exit 0 with a warning why."""
    (offline_env / "package.json").rename(offline_env / "moved.json")
    (offline_env / "examples").mkdir()
    (offline_env / "examples" / "package.json").write_text('{"dependencies": {"a": "1"}}')
    code, _, err = run(capsys, command, str(offline_env), "--format", "json")
    assert code == 0
    assert f"no dependency files found under {offline_env}" in err
    assert "examples" in err


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "file", "is a file"),
        (lambda tmp: tmp / "file" / "below", "cannot be created"),
    ],
)
def test_an_unusable_cache_directory_exits_2_naming_the_variable(
    offline_env: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    make: object,
    message: str,
) -> None:
    """FUNDBOT_DATA_DIR that cannot hold the cache: exit 2 and the fix, not a traceback."""
    (tmp_path / "file").write_text("")
    data_dir = make(tmp_path)  # type: ignore[operator]
    monkeypatch.setenv("FUNDBOT_DATA_DIR", str(data_dir))
    code, _, err = run(capsys, "scan", str(offline_env), "--offline")
    assert code == 2
    assert f"the cache directory {data_dir} {message}" in err
    assert "set FUNDBOT_DATA_DIR" in err


@pytest.mark.parametrize(
    ("config", "listed"),
    [
        ("ignore_paths: [legacy]\n", {MARKUP}),
        ("ignore_paths: 3\n", {MARKUP, "old"}),
        (None, {MARKUP, "old"}),
    ],
)
def test_deps_honours_the_checkouts_ignore_paths_like_scan(
    offline_env: Path, capsys: pytest.CaptureFixture[str], config: str | None, listed: set[str]
) -> None:
    """`deps` skips the checkout's `ignore_paths` as `scan` does; a broken file means defaults."""
    (offline_env / "legacy").mkdir()
    (offline_env / "legacy" / "package.json").write_text('{"dependencies": {"old": "1"}}')
    if config is not None:
        (offline_env / ".github").mkdir()
        (offline_env / ".github" / "fundbot.yml").write_text(config)
    code, out, _ = run(capsys, "deps", str(offline_env), "--format", "json")
    names = {d["name"] for d in json.loads(out)["dependencies"]}
    assert code == 0
    assert names == listed
