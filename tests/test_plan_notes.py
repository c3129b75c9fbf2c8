"""What a plan's notes say about its numbers: counts agree with their nouns and verbs."""

from __future__ import annotations

from fundbot.config import default_config
from fundbot.model import DeveloperCount
from fundbot.plan.allocation import allocate
from fundbot.plan.build import build_plan


def test_estimate_note_for_one_developer_is_singular() -> None:
    """The estimate note reads `1 developer is an estimate`, not `1 developers`."""
    plan = build_plan({"shop": ()}, {}, default_config(), DeveloperCount(1, "estimate", "a guess"))
    note = next(n for n in plan.notes if "estimate" in n)
    assert note.startswith("1 developer is an estimate")


def test_min_amount_note_agrees_in_number() -> None:
    """One recipient under min_amount is told with a singular verb."""
    result = allocate({"a": 100.0, "b": 1.0}, 1000, min_amount=100, max_share=1.0)
    assert result.below_minimum == ("b",)
    (note,) = result.notes
    assert "1 recipient would get less" in note
    assert "was left out" in note
