"""Random hostile text in every field of a plan: bodies stay harmless and within limits."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundbot.errors import ConfigProblem
from fundbot.model import Exclusion, FundingChannel, ScanError, UnfundedPackage
from fundbot.render.comment import PullRequestAddition, render_pull_request_comment
from fundbot.render.data_block import parse_data_block
from fundbot.render.exports import pledge_post
from fundbot.render.issue import IssueContext, render_plan_issue, render_repository_issue
from fundbot.render.markdown import MAX_BODY, body_length
from tests.render.golden import assert_harmless
from tests.render.plans import line, realistic_plan

# Characters that mean something to Markdown, HTML, GitHub or an HTML comment.
_ALPHABET = "@#<>`|[]()!*_~$&\\-:/ \n\u200b\u202eaZ1\"'=é😀"
hostile = st.text(_ALPHABET, max_size=40)


@given(
    names=st.lists(hostile, min_size=1, max_size=6),
    handle=hostile,
    url=hostile.map(lambda s: "https://x.org/" + s),
    text=hostile,
)
@settings(
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
def test_random_hostile_fields_render_harmlessly(
    names: list[str], handle: str, url: str, text: str
) -> None:
    """Package names, handles, URLs, reasons and errors built from hostile characters."""
    base = realistic_plan()
    hostile_line = line(
        "github:" + handle,
        1000,
        tuple(f"npm:{n}" for n in names),
        {f"acme/{n}": 1000 // len(names) for n in names},
        url=url,
        handle=handle,
    )
    plan = replace(
        base,
        lines=(*base.lines, hostile_line),
        unfunded=(UnfundedPackage(f"npm:{text}", 1.0, url, (text,)),),
        excluded=(Exclusion(text, text),),
        errors=(ScanError(text, text),),
        developers_method=text,
        notes=(text,),
    )
    ctx = IssueContext(
        owner="acme",
        repository=f"acme/{names[0]}",
        plan_issue_url=url,
        config_problems=(ConfigProblem(text, text, text, text),),
        skipped_repositories=((text, text),),
        state={"excluded": [text], "funded_elsewhere": [handle]},
    )
    channel = FundingChannel("github", url, handle, text)
    comment = render_pull_request_comment(
        "acme/web#1", [PullRequestAddition(f"npm:{text}", text, text, (channel,), text, 1, 2)]
    )
    for body in (
        render_plan_issue(plan, ctx),
        render_repository_issue(plan, ctx),
        comment,
        pledge_post(plan, year=2026, organisation=text),
    ):
        assert_harmless(body)
        assert body_length(body) <= MAX_BODY
    assert parse_data_block(render_plan_issue(plan, ctx)) is not None
