"""`fundbot config check FILE`: exit codes and what it prints."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fundbot.cli import main
from fundbot.config import as_dict, default_config

CONFIG_FIXTURES = Path(__file__).parent / "fixtures" / "config"


def test_valid_file_prints_the_effective_config(capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 0 and the file over the defaults as YAML, every key, in default.yml's order."""
    assert main(["config", "check", str(CONFIG_FIXTURES / "valid.yml")]) == 0
    out, err = capsys.readouterr()
    printed = yaml.safe_load(out)
    expected = as_dict(default_config())
    expected.update(
        developers=40,
        max_share=0.1,
        exclude=["npm:@acme/*", "https://github.com/acme-labs/*"],
        labels=["funding", "open-source-pledge"],
        sponsors_frequency="one-time",
        scope_weights={**expected["scope_weights"], "dev": 0.25},
    )
    assert printed == expected
    assert list(printed) == list(expected)
    assert err == ""


def test_every_problem_is_printed_one_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 1, one line per problem on stdout with file, key, found and expected."""
    path = str(CONFIG_FIXTURES / "all-problems.yml")
    assert main(["config", "check", path]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 16
    assert all(line.startswith(f"{path}: `") for line in lines)
    assert (
        f"{path}: `budgte`: found an unknown key; expected a known key; did you mean `budget`?"
        in lines
    )
    assert (
        f"{path}: `developers`: found true (a boolean); expected a whole number ≥ 1"
        " (null: estimate from commit authors), or null" in lines
    )
    assert err == f"16 problems in {path}\n"


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("invalid-yaml.yml", "`(top level)`: found invalid YAML at line 5, column 1"),
        ("not-a-mapping.yml", "`(top level)`: found a list of 1 item; expected a mapping"),
    ],
)
def test_unreadable_settings_exit_1(
    name: str, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Broken YAML or a non-mapping is one problem, exit 1."""
    assert main(["config", "check", str(CONFIG_FIXTURES / name)]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1
    assert line in out
    assert err.endswith("1 problem in " + str(CONFIG_FIXTURES / name) + "\n")


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file that does not exist is a usage error: exit 2, a message on stderr."""
    path = tmp_path / "nope.yml"
    assert main(["config", "check", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"fundbot config check: {path}: no such file\n"


def test_extends_is_named_not_followed(capsys: pytest.CaptureFixture[str]) -> None:
    """With `_extends`, exit 0, the file over the defaults, and a note that it is not fetched."""
    assert main(["config", "check", str(CONFIG_FIXTURES / "extends.yml")]) == 0
    out, err = capsys.readouterr()
    assert yaml.safe_load(out)["developers"] == 12
    assert "_extends" not in yaml.safe_load(out)
    assert "acme/.github:fundbot/base.yml" in err


def test_empty_file_is_the_defaults(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An empty settings file is valid and means every default."""
    path = tmp_path / "fundbot.yml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    assert main(["config", "check", str(path)]) == 0
    assert yaml.safe_load(capsys.readouterr().out) == as_dict(default_config())


def test_check_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    """`fundbot config` alone is a usage error from argparse (exit 2)."""
    with pytest.raises(SystemExit) as caught:
        main(["config"])
    assert caught.value.code == 2
    assert "check" in capsys.readouterr().err
