"""The queue's contract, run against both backends: embedded SQLite and PostgreSQL.

What the App relies on, whichever backend holds the jobs: a delivery is recorded once,
identical waiting jobs are one, one repository's jobs never overlap (and an installation-wide
job excludes its repositories' jobs), failures retry with backoff and then stay failed.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from fundbot.jobs.model import Job
from tests.app.backends import MAX_ATTEMPTS, Backend, postgres_backend, sqlite_backend, wait_for


@pytest.fixture(params=["sqlite", "postgres"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "sqlite":
        async with sqlite_backend(tmp_path) as found:
            yield found
    else:
        from fundbot.storage.pg_schema import migrate

        url = request.getfixturevalue("pg_url")
        await migrate(url)
        async with postgres_backend(url) as found:
            yield found


def scan(repo: str, installation: int = 1, **payload: object) -> Job:
    return Job("scan_repository", installation, repo, payload=payload)


async def test_a_delivery_is_recorded_once(backend: Backend) -> None:
    assert await backend.queue.submit("d-1", "push", [scan("o/a")]) is True
    assert await backend.queue.submit("d-1", "push", [scan("o/b")]) is False
    assert (await backend.queue.counts())["queued"] == 1


async def test_concurrent_submissions_are_all_kept_and_deduplicated(backend: Backend) -> None:
    ids = [f"d{n % 100}" for n in range(300)]
    results = await asyncio.gather(
        *(backend.queue.submit(d, "push", [scan(f"o/{d}")]) for d in ids)
    )
    assert sum(results) == 100
    assert (await backend.queue.counts())["queued"] == 100


async def test_identical_waiting_jobs_coalesce(backend: Backend) -> None:
    """Twenty pushes to one repository queue one rescan, and it runs once."""
    for n in range(20):
        await backend.queue.submit(f"delivery-{n}", "push", [scan("o/a")])
    assert (await backend.queue.counts())["queued"] == 1
    ran: list[str] = []

    async def handle(job: Job) -> None:
        ran.append(job.repository or "")

    async with backend.workers({"scan_repository": handle}):
        await wait_for(lambda: ran)
        await asyncio.sleep(0.3)
    assert ran == ["o/a"]


async def test_one_repository_never_runs_twice_at_once(backend: Backend) -> None:
    """Jobs of o/a run one after another while o/b runs beside them."""
    running: set[str] = set()
    overlaps: list[tuple[str, frozenset[str]]] = []
    done: list[str] = []

    async def handle(job: Job) -> None:
        key = job.serial_key
        if (
            key in running
            or (key.endswith(":*") and running)
            or f"{job.installation_id}:*" in running
        ):
            overlaps.append((key, frozenset(running)))
        running.add(key)
        beside.update(running - {key})
        await asyncio.sleep(0.15)
        running.discard(key)
        done.append(key)

    beside: set[str] = set()
    jobs = [scan("o/a", n=n) for n in range(3)] + [scan("o/b", n=n) for n in range(3)]
    jobs.append(Job("scan_installation", 1))
    await backend.queue.enqueue(jobs)
    handlers = {"scan_repository": handle, "scan_installation": handle}
    async with backend.workers(handlers, concurrency=4):
        await wait_for(lambda: len(done) == 7)
    assert overlaps == []
    assert beside  # o/a and o/b did run side by side


async def test_a_failing_job_is_retried_with_backoff_then_left_failed(backend: Backend) -> None:
    runs: list[float] = []

    async def handle(job: Job) -> None:
        runs.append(asyncio.get_running_loop().time())
        raise RuntimeError("GitHub said no")

    await backend.queue.enqueue([scan("o/a")])
    async with backend.workers({"scan_repository": handle}):
        await wait_for(lambda: len(runs) == MAX_ATTEMPTS)
        await wait_for(lambda: _counts_failed(backend))
    gaps = [b - a for a, b in itertools.pairwise(runs)]
    assert all(gap >= 0.04 for gap in gaps)  # each retry waited for its backoff
    failed = await backend.queue.failed_jobs()
    assert [(f.kind, f.serial_key) for f in failed] == [("scan_repository", "1:o/a")]


async def _counts_failed(backend: Backend) -> bool:
    return (await backend.queue.counts())["failed"] == 1


async def test_forgetting_an_installation_keeps_what_was_queued_after_it(
    backend: Backend,
) -> None:
    """Issue 13, item 3: a reinstall's jobs, queued while the uninstall's forget job runs,
    survive it (before, the forget job dropped every waiting job of the installation)."""
    ran: list[str] = []
    forgot = asyncio.Event()

    async def handle_scan(job: Job) -> None:
        ran.append(job.repository or "")

    async def handle_forget(job: Job) -> None:
        await backend.queue.enqueue([scan("o/after", 1)])  # the reinstall, arriving now
        await backend.queue.forget_installation(1)
        forgot.set()

    await backend.queue.enqueue([Job("forget_installation", 1)])
    handlers = {"scan_repository": handle_scan, "forget_installation": handle_forget}
    async with backend.workers(handlers, concurrency=1):
        await wait_for(lambda: "o/after" in ran)
    assert forgot.is_set()


async def test_a_job_queued_before_an_uninstall_absorbs_nothing_queued_after_it(
    backend: Backend,
) -> None:
    """Issue 13, item 3: a full scan waiting from before the uninstall must not absorb the
    reinstall's identical scan (the forget would then delete both): it queues beside it,
    and a scan runs after the forget."""
    order: list[str] = []

    async def handle_scan(job: Job) -> None:
        order.append("scan")

    async def handle_forget(job: Job) -> None:
        await backend.queue.forget_installation(1)
        order.append("forget")

    await backend.queue.enqueue([Job("scan_installation", 1)])
    await backend.queue.enqueue([Job("forget_installation", 1)])
    await backend.queue.enqueue([Job("scan_installation", 1)])  # the reinstall's
    assert (await backend.queue.counts())["queued"] == 3
    handlers = {"scan_installation": handle_scan, "forget_installation": handle_forget}
    async with backend.workers(handlers, concurrency=1):
        await wait_for(lambda: "forget" in order and "scan" in order[order.index("forget") :])
