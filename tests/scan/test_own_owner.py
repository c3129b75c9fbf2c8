"""Own organisation without a git remote: the root manifests' repository fields (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fundbot.cli import main
from fundbot.scan.own_owner import owner_from_manifests
from tests.fakes.registries import PREFIXES
from tests.fakes.server import FakeServer


def test_every_field_kind_is_read_and_they_must_agree() -> None:
    files = {
        "package.json": json.dumps(
            {"repository": {"type": "git", "url": "git+https://github.com/Acme/web.git"}}
        ),
        "Cargo.toml": '[package]\nname = "x"\nrepository = "https://github.com/acme/x"\n',
        "pyproject.toml": '[project]\nname = "x"\n[project.urls]\nSource = "https://github.com/acme/py"\n',
        "composer.json": json.dumps({"support": {"source": "https://github.com/acme/php"}}),
        "pubspec.yaml": "name: x\nrepository: https://github.com/acme/dart\n",
    }
    owner, fields = owner_from_manifests(files) or ("", ())
    assert owner.casefold() == "acme"
    assert fields == (
        "package.json repository",
        "Cargo.toml package.repository",
        "pyproject.toml project.urls",
        "composer.json support.source",
        "pubspec.yaml repository",
    )


@pytest.mark.parametrize(
    "files",
    [
        {
            "package.json": '{"repository": "github:acme/web"}',
            "Cargo.toml": '[package]\nrepository = "https://github.com/other/x"\n',
        },
        {"package.json": '{"repository": "https://gitlab.com/acme/web"}'},
        {"package.json": "{not json"},
        {},
    ],
    ids=["disagree", "not-github", "broken", "none"],
)
def test_no_owner_is_guessed_unless_one_github_owner_is_named(files: dict[str, str]) -> None:
    assert owner_from_manifests(files) is None


def _checkout(fake: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for attr, prefix in PREFIXES.items():
        monkeypatch.setenv(f"FUNDBOT_{attr.upper()}", fake.url + prefix)
    monkeypatch.setenv("FUNDBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    own = {
        "name": "@acme/ui",
        "repository": "github:acme/ui",
        "funding": "https://opencollective.com/acme",
    }
    fake.add("GET", "/npm/@acme/ui/latest", json=own, times=None)
    root = tmp_path / "tarball"  # no .git: no remote to name the owner
    root.mkdir()
    (root / "package.json").write_text(
        json.dumps({"repository": "acme/web", "dependencies": {"@acme/ui": "1.0.0"}})
    )
    return root


def test_scan_excludes_the_manifests_owner_and_says_where_it_came_from(
    fake: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = _checkout(fake, tmp_path, monkeypatch)
    assert main(["scan", str(root), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert "note: acme is taken as your own organisation (from package.json repository)" in err
    assert "--owner ORG overrides" in err
    excluded = {e["package"]: e["reason"] for e in json.loads(out)["plan"]["excluded"]}
    assert excluded == {"npm:@acme/ui": "owned by acme"}


def test_owner_on_the_command_line_wins(
    fake: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = _checkout(fake, tmp_path, monkeypatch)
    assert main(["scan", str(root), "--format", "json", "--owner", "someone-else"]) == 0
    out, err = capsys.readouterr()
    assert "taken as your own organisation" not in err
    assert json.loads(out)["plan"]["excluded"] == []


def test_an_alias_bomb_in_pubspec_is_refused_like_a_broken_manifest() -> None:
    """The scanners' YAML loader (with its expansion guard) reads the root manifests too."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    bomb += "repository: https://github.com/acme/app\n"
    assert owner_from_manifests({"pubspec.yaml": bomb}) is None
