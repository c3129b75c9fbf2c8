"""Bugs the command-line review found outside the CLI's own modules, pinned until fixed."""

from __future__ import annotations

import pytest

from fundbot.config import default_config
from fundbot.model import DeveloperCount
from fundbot.pledge import build_plan


@pytest.mark.xfail(
    strict=True,
    reason="pledge._notes says '1 developers is an estimate' (no singular); shown by every "
    "`fundbot scan` of a directory without git history",
)
def test_estimate_note_for_one_developer_is_singular() -> None:
    """The estimate note reads `1 developer is an estimate`, not `1 developers`."""
    plan = build_plan({"shop": ()}, {}, default_config(), DeveloperCount(1, "estimate", "a guess"))
    note = next(n for n in plan.notes if "estimate" in n)
    assert note.startswith("1 developer is an estimate")
