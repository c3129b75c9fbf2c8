"""publish.decide: what each writer does with the bot's text, decided from texts alone."""

from __future__ import annotations

from typing import Any

import pytest

from fundbot.publish.decide import (
    Existing,
    carries,
    decide_comment,
    decide_issue,
    decide_reply,
    oldest,
)
from fundbot.render.data_block import marker, render_data_block

MARK = marker("plan", "acme")


def body(budget: int, **amounts: float) -> str:
    lines = [{"recipient": r, "amount_usd_per_year": a} for r, a in amounts.items()]
    return f"{MARK}\ntext\n{render_data_block({'budget': budget, 'lines': lines})}"


def test_the_marker_counts_only_on_the_first_line() -> None:
    assert carries(f"\n  {MARK}  \nrest", MARK)
    assert not carries(f"> {MARK}\nquoted by a person", MARK)
    assert not carries(f"text\n{MARK}", MARK)
    assert not carries(None, MARK)
    assert not carries(42, MARK)


def test_the_oldest_marked_item_is_ours() -> None:
    items: list[dict[str, Any]] = [
        {"id": 9, "body": MARK},
        {"id": 3, "body": "unrelated"},
        {"id": 5, "body": f"{MARK}\ncopy"},
    ]
    found = oldest(items, MARK, key="id")
    assert found is not None
    assert found["id"] == 5
    assert oldest(items[1:2], MARK, key="id") is None


@pytest.mark.parametrize(
    ("existing", "new", "action"),
    [
        (None, body(100, a=50), "create"),
        (Existing(body(100, a=50)), body(100, a=50), "keep"),
        (Existing(body(100, a=50)), body(100, a=51), "edit"),
        # A person closed it: obeyed while the plan moves by less than 10%...
        (Existing(body(100, a=50), closed=True), body(100, a=54), "keep"),
        # ...reopened when it changes materially: an amount, the budget, the recipients.
        (Existing(body(100, a=50), closed=True), body(100, a=55), "reopen"),
        (Existing(body(100, a=50), closed=True), body(200, a=50), "reopen"),
        (Existing(body(100, a=50), closed=True), body(100, a=50, b=1), "reopen"),
        (Existing("edited by a person, no data", closed=True), body(100, a=50), "reopen"),
    ],
)
def test_issue(existing: Existing | None, new: str, action: str) -> None:
    assert decide_issue(existing, new) == action


def test_comment_is_created_only_when_asked_and_edited_on_change() -> None:
    assert decide_comment(None, "new", create=True) == "create"
    assert decide_comment(None, "new", create=False) is None
    assert decide_comment(Existing("old"), "new", create=False) == "edit"
    assert decide_comment(Existing("new"), "new", create=True) == "keep"


def test_reply_is_said_once() -> None:
    assert decide_reply(None) == "create"
    assert decide_reply(Existing("said")) == "keep"
