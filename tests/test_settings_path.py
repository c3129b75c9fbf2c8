"""The settings file's path is spelt once (fundbot.config.SETTINGS_PATH), used everywhere."""

from __future__ import annotations

import ast
from pathlib import Path

import fundbot
from fundbot.config import SETTINGS_PATH

SRC = Path(fundbot.__file__).parent


def test_only_config_spells_the_settings_path() -> None:
    spelt = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            value = node.value if isinstance(node, ast.Constant) else None
            if isinstance(value, str) and value.strip() == SETTINGS_PATH:
                spelt.append(str(path.relative_to(SRC)))
    assert spelt == ["config.py"]
