"""Webhook events to jobs: one gidgethub Router per concern, composed here."""

from __future__ import annotations

from gidgethub import routing, sansio

from fundbot.events import installation, issue_comment, issues, pull_request, push
from fundbot.jobs.model import Job

# Adding a concern is one import and one argument.
ROUTER = routing.Router(
    installation.router, issue_comment.router, issues.router, pull_request.router, push.router
)


async def decide(event: sansio.Event) -> list[Job]:
    """The jobs a delivery asks for; no GitHub request is made here."""
    jobs: list[Job] = []
    await ROUTER.dispatch(event, jobs)
    return jobs
