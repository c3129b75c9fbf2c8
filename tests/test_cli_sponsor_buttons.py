"""Without a GitHub token, sponsor buttons of one account's repositories are grouped under that
account and marked to confirm with a token, not one custom recipient each (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fundbot.cli import main
from tests.fakes.registries import PREFIXES, serve_npm
from tests.fakes.server import FakeServer

# chalk's recorded document says `"funding": "https://github.com/chalk/chalk?sponsor=1"`; its
# sibling packages point at their own repositories' buttons the same way.
SIBLINGS = ("ansi-styles", "supports-color", "wrap-ansi")


@pytest.fixture
def checkout(fake: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for attr, prefix in PREFIXES.items():
        monkeypatch.setenv(f"FUNDBOT_{attr.upper()}", fake.url + prefix)
    monkeypatch.setenv("FUNDBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    serve_npm(fake, "chalk", times=None)
    for name in SIBLINGS:
        doc = {
            "name": name,
            "repository": f"chalk/{name}",
            "funding": f"https://github.com/chalk/{name}?sponsor=1",
        }
        fake.add("GET", f"/npm/{name}/latest", json=doc, times=None)
    root = tmp_path / "app"
    root.mkdir()
    deps = dict.fromkeys(("chalk", *SIBLINGS), "1.0.0")
    (root / "package.json").write_text(json.dumps({"dependencies": deps}))
    return root


def test_buttons_of_one_account_make_one_recipient(
    checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", str(checkout), "--format", "json", "--budget", "1000"]) == 0
    plan = json.loads(capsys.readouterr().out)["plan"]
    assert [(line["recipient"], line["url"]) for line in plan["lines"]] == [
        ("custom:chalk", "https://github.com/chalk")
    ]
    assert sorted(plan["lines"][0]["packages"]) == [
        "npm:ansi-styles",
        "npm:chalk",
        "npm:supports-color",
        "npm:wrap-ansi",
    ]


def test_table_and_markdown_mark_it_to_confirm(
    checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["scan", str(checkout), "--budget", "1000"])
    table = capsys.readouterr().out
    assert "chalk (to confirm with a GitHub token)" in table
    main(["scan", str(checkout), "--budget", "1000", "--format", "markdown"])
    markdown = capsys.readouterr().out
    assert "*(to confirm with a GitHub token)*" in markdown
