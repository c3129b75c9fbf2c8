"""The command line's main job, `fundbot scan`, and `fundbot deps`, against the fakes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from fundbot.cli import main
from tests.fakes.registries import PREFIXES, serve_npm, serve_pypi
from tests.fakes.server import FakeServer

PACKAGE_JSON = {
    "name": "shop",
    "dependencies": {"chalk": "^5.0.0"},
    "devDependencies": {"axios": "^1.6.0"},
}
REQUIREMENTS = "flask==3.0.0\nrequests==2.32.0\n"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    (root / "web").mkdir(parents=True)
    (root / "web" / "package.json").write_text(json.dumps(PACKAGE_JSON))
    (root / "requirements.txt").write_text(REQUIREMENTS)
    # A test fixture: ignored like Renovate's ignorePaths.
    (root / "tests").mkdir()
    (root / "tests" / "package.json").write_text('{"dependencies": {"left-pad": "1"}}')
    (root / "broken").mkdir()
    (root / "broken" / "package.json").write_text('{"dependencies": ')
    return root


@pytest.fixture
def registries(fake: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    """Every registry pointed at the strict fake; the four packages answered once each."""
    for attr, prefix in PREFIXES.items():
        monkeypatch.setenv(f"FUNDBOT_{attr.upper()}", fake.url + prefix)
    monkeypatch.setenv("FUNDBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    for name in ("chalk", "axios"):
        serve_npm(fake, name)
    for name in ("flask", "requests"):
        serve_pypi(fake, name)
    return fake


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_scan_json_has_plan_dependencies_and_errors(
    checkout: Path, registries: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--format json` gives the plan, each dependency with repository and funding, errors."""
    code, out, _ = run(capsys, "scan", str(checkout), "--developers", "3", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert set(data) == {"plan", "dependencies", "errors"}
    assert data["plan"]["budget"] == 6000
    assert data["plan"]["developers_source"] == "configured"
    # No GitHub token: packages whose registry names a GitHub repository but no funding are
    # unchecked, and their share is held back rather than handed to the others.
    held = data["plan"]["held_back"]
    assert (
        sum(line["amount_usd_per_year"] for line in data["plan"]["lines"])
        + held["amount_usd_per_year"]
        == 6000
    )
    assert set(held["reasons"]) <= {"GitHub not consulted"}
    names = {d["name"] for d in data["dependencies"]}
    assert names == {"chalk", "axios", "flask", "requests"}
    flask = next(d for d in data["dependencies"] if d["name"] == "flask")
    assert flask["repository"] == "https://github.com/pallets/flask"
    assert {"platform", "url", "found_via"} <= set(flask["funding"][0])
    assert [e["manifest"] for e in data["errors"]] == ["broken/package.json"]


def test_warm_rerun_and_offline_make_no_registry_request(
    checkout: Path, registries: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second scan, and an --offline one, answer from the cache: no request at all."""
    run(capsys, "scan", str(checkout), "--developers", "2", "--format", "json")
    before = len(registries.requests)
    run(capsys, "scan", str(checkout), "--developers", "2", "--format", "json")
    code, out, _ = run(
        capsys, "scan", str(checkout), "--developers", "2", "--offline", "--format", "json"
    )
    assert code == 0
    assert len(registries.requests) == before
    assert json.loads(out)["plan"]["lines"]


@pytest.mark.parametrize(
    ("fmt", "check"),
    [
        ("markdown", lambda out: out.startswith("<!-- fundbot:plan:")),
        ("csv", lambda out: out.splitlines()[0].startswith("recipient")),
        (
            "sponsors-csv",
            lambda out: (
                next(csv.reader(io.StringIO(out)))
                == ["Maintainer username", "Sponsorship amount in USD"]
            ),
        ),
        # No report URL and no ledger: no member entry, a draft of what is planned.
        ("pledge", lambda out: "annualReports" not in out and "*Draft:" in out),
        ("table", lambda out: "The plan" in out and "Where to pay" in out),
    ],
)
def test_scan_formats(
    checkout: Path,
    registries: FakeServer,
    capsys: pytest.CaptureFixture[str],
    fmt: str,
    check: Any,
) -> None:
    """Every output format prints what a person or a spreadsheet expects."""
    code, out, _ = run(capsys, "scan", str(checkout), "--developers", "4", "--format", fmt)
    assert code == 0
    assert check(out), out[:500]


def test_scan_of_a_missing_directory_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad PATH is a usage error: exit 2 and a message."""
    code, _, err = run(capsys, "scan", str(tmp_path / "nope"))
    assert code == 2
    assert "does not exist" in err


def test_invalid_explicit_config_names_file_key_and_fix(
    checkout: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An invalid --config stops the scan with every problem: file, key, found, expected."""
    config = tmp_path / "fundbot.yml"
    config.write_text("developers: lots\nmax_share: 3\n")
    code, _, err = run(capsys, "scan", str(checkout), "--config", str(config))
    assert code == 2
    assert "`developers`" in err
    assert "`max_share`" in err
    assert str(config) in err


def test_deps_json_lists_exactly_the_dependency_fields(
    checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`fundbot deps --format json`: each dependency with exactly the Dependency fields."""
    code, out, _ = run(capsys, "deps", str(checkout), "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert set(data["dependencies"][0]) == {
        "ecosystem",
        "name",
        "version",
        "scope",
        "direct",
        "requires",
        "via",
        "manifest",
        "skip_reason",
    }
    assert data["errors"] == [
        {"manifest": "broken/package.json", "error": data["errors"][0]["error"]}
    ]
    assert "left-pad" not in out


def test_deps_of_a_missing_directory_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`fundbot deps` on a missing directory exits 2."""
    code, _, _ = run(capsys, "deps", str(tmp_path / "missing"))
    assert code == 2
