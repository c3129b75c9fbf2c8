"""Group commit when writing goes wrong: callers get the error, never a hang, never half a batch."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence

import pytest

from fundbot.jobs.model import Job
from fundbot.storage.group_commit import GroupCommit, Submission, write_batch
from fundbot.storage.sqlite_queue import SCHEMA


async def test_a_failed_write_fails_that_batch_and_the_writer_goes_on() -> None:
    calls: list[int] = []

    async def write(batch: Sequence[Submission]) -> list[bool]:
        calls.append(len(batch))
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        return [True] * len(batch)

    writes = GroupCommit(write)
    writes.start()
    try:
        with pytest.raises(OSError, match="No space left"):
            await writes.submit("d1", "push", [Job("scan_installation", 1)])
        assert not writes.seen("d1")
        assert writes.running
        assert await writes.submit("d1", "push", [Job("scan_installation", 1)]) is True
        assert writes.seen("d1")
        assert await writes.submit("d1", "push", []) is False
    finally:
        await writes.stop()
    assert calls == [1, 1]


async def test_stopping_fails_submissions_not_yet_written() -> None:
    async def write(batch: Sequence[Submission]) -> list[bool]:
        raise AssertionError("never started, never written")

    writes = GroupCommit(write)  # not started: nothing writes
    waiting = asyncio.create_task(writes.submit("d1", "push", []))
    await asyncio.sleep(0)
    assert not waiting.done()
    await writes.stop()
    with pytest.raises(RuntimeError, match="queue closed"):
        await asyncio.wait_for(waiting, 5)


def test_write_batch_rolls_back_the_whole_batch_on_error() -> None:
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.executescript(SCHEMA)
    db.execute("DROP TABLE jobs")  # the jobs insert fails after the delivery row went in
    loop = asyncio.new_event_loop()
    try:
        done: asyncio.Future[bool] = loop.create_future()
        batch = [Submission("d1", "push", [Job("scan_installation", 1)], done, "digest")]
        with pytest.raises(sqlite3.OperationalError, match="no such table: jobs"):
            write_batch(db, batch, 1000.0)
    finally:
        loop.close()
    assert not db.in_transaction
    assert db.execute("SELECT count(*) FROM deliveries").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM bodies").fetchone() == (0,)
