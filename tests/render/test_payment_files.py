"""The plan issue carries the files whoever pays needs, and never lets them crowd it out."""

from __future__ import annotations

from dataclasses import replace

from fundbot.render.exports import sponsors_csv
from fundbot.render.issue import render_plan_issue
from fundbot.render.sections import fenced
from tests.render.plans import huge_plan, realistic_context, realistic_plan


def test_plan_issue_holds_the_sponsors_csv_to_upload() -> None:
    """The GitHub Sponsors bulk CSV appears verbatim, in a csv code block."""
    plan = realistic_plan()
    body = render_plan_issue(plan, realistic_context())
    csv = sponsors_csv(plan, "monthly").rstrip()
    assert f"```csv\n{csv}\n```" in body


def test_files_too_long_for_the_issue_point_to_the_command() -> None:
    """A plan with thousands of recipients shows where to get the files instead."""
    body = render_plan_issue(huge_plan(), realistic_context())
    assert "too long to show here: `fundbot scan --format sponsors-csv` writes it" in body
    assert len(body) <= 65_536


def test_a_fence_outgrows_any_backtick_run() -> None:
    """Backticks in the content can never close the code block early."""
    block = fenced("a,``` b ````,c", "csv")
    assert block.startswith("`````csv\n")
    assert block.endswith("\n`````")


def test_text_read_outside_github_has_no_tick_boxes() -> None:
    """`interactive=False` (the CLI's markdown) leaves out the commands nobody will act on."""
    ctx = replace(realistic_context(), interactive=False)
    body = render_plan_issue(realistic_plan(), ctx)
    assert "- [ ]" not in body
    assert "fundbot:command:" not in body
    assert "- [ ]" in render_plan_issue(realistic_plan(), realistic_context())
