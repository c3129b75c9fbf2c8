"""Review findings in the plan numbers and notes, fixed and pinned."""

from __future__ import annotations

from fundbot.plan.allocation import allocate


def test_min_amount_note_agrees_in_number() -> None:
    """One recipient under min_amount is told with a singular verb."""
    result = allocate({"a": 100.0, "b": 1.0}, 1000, min_amount=100, max_share=1.0)
    assert result.below_minimum == ("b",)
    (note,) = result.notes
    assert "1 recipient would get less" in note
    assert "was left out" in note
