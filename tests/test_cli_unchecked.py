"""Issue 11, end to end: `fundbot scan` with one registry down, one silent, one rate-limited and
no GitHub token. Every package is funded, unfunded (checked) or unchecked with its reason; the
unchecked share is held back; every output says so the same way; `--strict` exits 3."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fundbot.cli import main
from tests.fakes.registries import PREFIXES
from tests.fakes.server import FakeServer, RefusingPort, SilentListener

COVERAGE = (
    "checked 28% of dependency weight; $5,000 held back until 5 packages can be checked: "
    "crates.io unreachable (2), GitHub not consulted (1), pypi rate-limited (1), "
    "rubygems unreachable (1)"
)


@pytest.fixture
def trouble(fake: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """npm answers; crates.io is down; RubyGems accepts and never answers; PyPI says 429."""
    for attr, prefix in PREFIXES.items():
        monkeypatch.setenv(f"FUNDBOT_{attr.upper()}", fake.url + prefix)
    monkeypatch.setenv("FUNDBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FUNDBOT_HTTP_DEADLINE", "2")
    monkeypatch.setenv("FUNDBOT_HTTP_RETRIES", "1")
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    docs = {
        "funded-pkg": {
            "funding": {"type": "opencollective", "url": "https://opencollective.com/funded"}
        },
        "plain-pkg": {},  # no repository, no funding: checked everywhere fundbot can look
        "gh-pkg": {"repository": "github:someone/gh-pkg"},  # its FUNDING.yml is unread
    }
    for name, doc in docs.items():
        fake.add("GET", f"/npm/{name}/latest", json={"name": name, **doc}, times=None)
    fake.add(
        "GET", "/pypi/pypi/requests/json", status=429, headers={"Retry-After": "3600"}, times=None
    )
    root = tmp_path / "app"
    root.mkdir()
    (root / "package.json").write_text(json.dumps({"dependencies": dict.fromkeys(docs, "1.0.0")}))
    (root / "Cargo.toml").write_text(
        '[package]\nname = "app"\nversion = "0.1.0"\n\n[dependencies]\nserde = "1"\ntokio = "1"\n'
    )
    (root / "requirements.txt").write_text("requests==2.32.3\n")
    (root / "Gemfile").write_text('source "https://rubygems.org"\ngem "rails", "7.1.0"\n')
    with SilentListener() as silent, RefusingPort() as down:
        monkeypatch.setenv("FUNDBOT_RUBYGEMS_URL", silent.url)
        monkeypatch.setenv("FUNDBOT_CRATES_URL", down.url)
        yield root


def scan(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    code = main(["scan", str(root), "--budget", "7000", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_keeps_the_three_states_apart_and_holds_back_the_unchecked_share(
    trouble: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = time.monotonic()
    code, out, err = scan(capsys, trouble, "--format", "json")
    assert time.monotonic() - start < 20  # the silent registry costs its deadline only
    plan = json.loads(out)["plan"]
    assert code == 0
    assert [line["packages"] for line in plan["lines"]] == [["npm:funded-pkg"]]
    assert [u["package"] for u in plan["unfunded"]] == ["npm:plain-pkg"]
    assert {u["package"]: u["reason"] for u in plan["unchecked"]} == {
        "cargo:serde": "crates.io unreachable",
        "cargo:tokio": "crates.io unreachable",
        "npm:gh-pkg": "GitHub not consulted",
        "pypi:requests": "pypi rate-limited",
        "rubygems:rails": "rubygems unreachable",
    }
    # W = 7 packages of weight 1, U = 5: 7000 x 5/7 = 5000 held back, 2000 allocated.
    assert plan["held_back"] == {
        "amount_usd_per_year": 5000,
        "packages": 5,
        "reasons": {
            "crates.io unreachable": 2,
            "GitHub not consulted": 1,
            "pypi rate-limited": 1,
            "rubygems unreachable": 1,
        },
    }
    assert sum(line["amount_usd_per_year"] for line in plan["lines"]) == 2000
    assert f"warning: {COVERAGE}" in err
    assert "Looking up funding" not in err  # stderr is not a terminal: no progress bar drawn


def test_table_leads_with_coverage_and_names_every_failing_host(
    trouble: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    code, out, _ = scan(capsys, trouble)
    assert code == 0
    assert out.splitlines()[0] == COVERAGE[0].upper() + COVERAGE[1:] + "."
    assert "and 1 more" not in out
    for host in ("crates.io", "pypi", "rubygems", "GitHub not consulted"):
        assert host in out


def test_markdown_and_pledge_never_call_unchecked_packages_unfunded(
    trouble: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, markdown, _ = scan(capsys, trouble, "--format", "markdown")
    assert "**Coverage:** Checked 28% of dependency weight; \\$5,000 held back" in markdown
    assert "5 dependencies could not be checked this time (not unfunded)" in markdown
    assert "1 dependency without a known funding channel" in markdown
    _, pledge, _ = scan(capsys, trouble, "--format", "pledge")
    assert "1 dependency we use had no known way to receive money." in pledge
    assert "We could not yet check whether 5 dependencies accept money" in pledge


def test_strict_exits_3_after_printing_the_plan(
    trouble: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = scan(capsys, trouble, "--strict", "--format", "json")
    assert code == 3
    assert json.loads(out)["plan"]["held_back"]["amount_usd_per_year"] == 5000
    assert f"fundbot scan --strict: {COVERAGE}" in err


def test_strict_exits_0_when_everything_was_checked(
    fake: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for attr, prefix in PREFIXES.items():
        monkeypatch.setenv(f"FUNDBOT_{attr.upper()}", fake.url + prefix)
    monkeypatch.setenv("FUNDBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    fake.add("GET", "/npm/plain-pkg/latest", json={"name": "plain-pkg"})
    (tmp_path / "package.json").write_text('{"dependencies": {"plain-pkg": "1.0.0"}}')
    code, out, _ = scan(capsys, tmp_path, "--strict")
    assert code == 0
    assert out.startswith("Checked 100% of dependency weight; nothing held back.")


def test_an_empty_directory_has_nothing_to_fund_and_no_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FUNDBOT_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "empty").mkdir()
    code = main(["scan", str(tmp_path / "empty"), "--strict"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert out.startswith("Nothing to fund here: no dependency files found under")
    assert "Plan" not in out


def test_the_next_run_rechecks_held_back_packages_and_releases_their_share(
    fake: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A failed lookup is never cached as "no funding": the next scan asks again."""
    for attr, prefix in PREFIXES.items():
        monkeypatch.setenv(f"FUNDBOT_{attr.upper()}", fake.url + prefix)
    monkeypatch.setenv("FUNDBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FUNDBOT_HTTP_RETRIES", "0")
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    funded = {"name": "a", "funding": "https://opencollective.com/a"}
    fake.add("GET", "/npm/a/latest", json=funded, times=None)
    fake.add("GET", "/npm/b/latest", status=503, times=1)
    (tmp_path / "package.json").write_text('{"dependencies": {"a": "1", "b": "1"}}')
    _, first, _ = scan(capsys, tmp_path, "--format", "json")
    assert json.loads(first)["plan"]["held_back"]["amount_usd_per_year"] == 3500
    fake.add("GET", "/npm/b/latest", json={"name": "b", "funding": "https://opencollective.com/b"})
    _, second, _ = scan(capsys, tmp_path, "--format", "json")
    plan = json.loads(second)["plan"]
    assert plan["held_back"] == {"amount_usd_per_year": 0, "packages": 0, "reasons": {}}
    assert sum(line["amount_usd_per_year"] for line in plan["lines"]) == 7000


def test_a_bad_key_spoils_only_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """One invalid `max_share` no longer throws away `developers: 7`."""
    monkeypatch.setenv("FUNDBOT_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "fundbot.yml").write_text("developers: 7\nmax_share: 3\n")
    (tmp_path / "package.json").write_text('{"dependencies": {"left-pad": "1.0.0"}}')
    code = main(["scan", str(tmp_path), "--offline", "--format", "json"])
    out, err = capsys.readouterr()
    plan = json.loads(out)["plan"]
    assert code == 0
    assert (plan["developers"], plan["developers_source"], plan["budget"]) == (
        7,
        "configured",
        14_000,
    )
    assert "`max_share`" in err
    assert "that key alone falls back to its default" in err
    assert "`developers`" not in err


def test_verbose_reports_per_host_and_very_verbose_every_request(
    fake: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for attr, prefix in PREFIXES.items():
        monkeypatch.setenv(f"FUNDBOT_{attr.upper()}", fake.url + prefix)
    monkeypatch.setenv("FUNDBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    fake.add("GET", "/npm/a/latest", json={"name": "a"})
    fake.add("GET", "/pypi/pypi/b/json", json={"info": {"name": "b"}})
    (tmp_path / "package.json").write_text('{"dependencies": {"a": "1"}}')
    (tmp_path / "requirements.txt").write_text("b==1\n")
    code = main(["-v", "scan", str(tmp_path), "--format", "json"])
    _, err = capsys.readouterr()
    assert code == 0
    assert re.search(r"info: npm: 1 requests, 0 cache hits, \d+\.\d s", err)
    assert re.search(r"info: pypi: 1 requests, 0 cache hits, \d+\.\d s", err)
    # Again, from the cache: hits, no requests.
    code = main(["-vv", "scan", str(tmp_path), "--format", "json"])
    _, err = capsys.readouterr()
    assert "info: npm: 0 requests, 1 cache hits" in err
    assert "/npm/a/latest" not in err
    (tmp_path / "package.json").write_text('{"dependencies": {"c": "1"}}')
    fake.add("GET", "/npm/c/latest", json={"name": "c"})
    main(["-vv", "scan", str(tmp_path), "--format", "json"])
    _, err = capsys.readouterr()
    assert re.search(r"GET http://127\.0\.0\.1:\d+/npm/c/latest -> 200 in \d+ ms", err)
