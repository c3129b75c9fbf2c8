"""Logs written inside a job carry its delivery, installation and repository, so one grep
follows a delivery from the webhook to the issue."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from fundbot.jobs.model import Job
from fundbot.jobs.worker import WorkerPool
from fundbot.logs import JobContextFilter, JsonFormatter, setup_logging
from fundbot.storage.sqlite_queue import SqliteQueue

# A module far from the worker, as a handler's helpers are.
elsewhere = logging.getLogger("fundbot.publish.somewhere")


@pytest.fixture
def records(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    job_filter = JobContextFilter()
    caplog.handler.addFilter(job_filter)
    caplog.set_level(logging.INFO)
    yield caplog
    caplog.handler.removeFilter(job_filter)


async def test_a_handlers_log_lines_carry_the_delivery(
    tmp_path: Path, records: pytest.LogCaptureFixture
) -> None:
    async def handler(job: Job) -> None:
        elsewhere.info("issue written")

        async def child() -> None:  # a task the handler starts inherits the context
            elsewhere.info("label made")

        await asyncio.gather(child())

    queue = SqliteQueue(tmp_path / "q.sqlite3")
    await queue.start()
    try:
        job = Job("scan_repository", 42, "acme/app", delivery_id="d-7f3a")
        await queue.submit("d-7f3a", "push", [job])
        claimed = await queue.claim()
        assert claimed is not None
        pool = WorkerPool(queue, {"scan_repository": handler})
        assert await pool.run_one(claimed) == "done"
    finally:
        await queue.close()
    elsewhere.info("between jobs")
    inside = [r for r in records.records if r.getMessage() in ("issue written", "label made")]
    assert len(inside) == 2
    for record in inside:
        assert vars(record)["delivery_id"] == "d-7f3a"
        assert vars(record)["installation_id"] == 42
        assert vars(record)["repository"] == "acme/app"
        assert vars(record)["kind"] == "scan_repository"
    after = next(r for r in records.records if r.getMessage() == "between jobs")
    assert "delivery_id" not in vars(after)


def test_setup_logging_adds_the_job_fields_to_every_line() -> None:
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    try:
        setup_logging("INFO", "json")
        (handler,) = root.handlers
        assert any(isinstance(f, JobContextFilter) for f in handler.filters)
        record = logging.LogRecord("fundbot.x", logging.INFO, __file__, 1, "hi", (), None)
        from fundbot.logs import job_context

        with job_context(delivery_id="d-1", repository=None):
            handler.filter(record)
        line = json.loads(JsonFormatter().format(record))
        assert line["delivery_id"] == "d-1"
        assert "repository" not in line
    finally:
        root.handlers[:] = saved
        root.setLevel(level)
