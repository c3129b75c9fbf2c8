"""Output to a file or a pipe is not wrapped at 80 columns (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fundbot.cli import main
from tests.fakes.registries import PREFIXES
from tests.fakes.server import FakeServer

LONG = "@an-organisation-with-a-long-name/a-package-name-that-is-longer-than-most"


def test_table_in_a_pipe_keeps_names_whole_and_platforms_on_their_row(
    fake: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for attr, prefix in PREFIXES.items():
        monkeypatch.setenv(f"FUNDBOT_{attr.upper()}", fake.url + prefix)
    monkeypatch.setenv("FUNDBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("COLUMNS", raising=False)
    funding = {
        "type": "opencollective",
        "url": "https://opencollective.com/a-collective-with-a-long-name",
    }
    fake.add("GET", f"/npm/{LONG}/latest", json={"name": LONG, "funding": funding})
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {LONG: "1.0.0"}}))
    code = main(["scan", str(tmp_path), "--budget", "1200"])
    out, _ = capsys.readouterr()
    assert code == 0
    row = next(
        line
        for line in out.splitlines()
        if "a-collective-with-a-long-name" in line and "$1,200" in line
    )
    assert "open_collective" in row
    assert "$100" in row  # per month, on the same row
    assert f"npm:{LONG}" in row  # the name whole, not folded onto a second line
    assert any(len(line) > 80 for line in out.splitlines())


def test_columns_still_sets_the_width(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from fundbot.cli.scan_output import output_console

    monkeypatch.setenv("COLUMNS", "123")
    assert output_console().width == 123
    monkeypatch.delenv("COLUMNS")
    assert output_console().width == 10_000
