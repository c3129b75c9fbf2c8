"""Issue 13 item 9: answers are read in chunks against one in-flight byte budget, released on
every path; an answer that cannot get budget waits, or fails with a reason that names
FUNDBOT_INFLIGHT_BYTES, and never goes over it."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from fundbot.resolve import http as http_module
from fundbot.resolve.budget import Grant, InflightBudget, Starved, TooBig
from fundbot.resolve.http import FetchError, HttpClient, shared_budget
from fundbot.settings import Settings
from tests.fakes.registries import registry_settings
from tests.fakes.server import FakeServer

KB = 1024


async def _settle() -> None:
    """Let every ready task run until it waits again."""
    for _ in range(5):
        await asyncio.sleep(0)


async def _hold(grant: Grant, *amounts: int, until: asyncio.Event) -> None:
    """Take each amount in turn (waiting as needed), then hold it all until `until`."""
    async with grant:
        for amount in amounts:
            await grant.take(amount)
        await until.wait()


async def test_an_answer_waits_for_budget_another_gives_back() -> None:
    """60 + 60 of 100: the second waits until the first is done, then gets its bytes."""
    budget = InflightBudget(100)
    first_done, second_done = asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(_hold(budget.grant(), 60, until=first_done))
    await _settle()
    second_grant = budget.grant()
    second = asyncio.create_task(_hold(second_grant, 60, until=second_done))
    await _settle()
    assert (budget.used, second_grant.held) == (60, 0)
    first_done.set()
    await first
    await _settle()
    assert (budget.used, second_grant.held) == (60, 60)
    second_done.set()
    await second
    assert (budget.used, budget.peak) == (0, 60)


async def test_budget_is_released_on_exceptions_and_cancellation() -> None:
    """A failing answer and one cancelled while waiting leave nothing taken or queued."""
    budget = InflightBudget(100)

    async def failing() -> None:
        async with budget.grant() as grant:
            await grant.take(80)
            raise RuntimeError("parser broke")

    with pytest.raises(RuntimeError):
        await failing()
    assert budget.used == 0
    done = asyncio.Event()
    holder = asyncio.create_task(_hold(budget.grant(), 70, until=done))
    await _settle()
    waiter = asyncio.create_task(_hold(budget.grant(), 50, until=done))
    await _settle()
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert (budget.used, budget._waiting) == (70, [])
    done.set()
    await holder
    assert budget.used == 0


async def test_an_answer_larger_than_the_whole_budget_fails_at_once() -> None:
    budget = InflightBudget(100)
    async with budget.grant() as grant:
        await grant.take(60)
        with pytest.raises(TooBig):
            await grant.take(41)
    assert budget.used == 0


async def test_growing_answers_that_would_wait_on_each_other_do_not_deadlock() -> None:
    """50 + 50 of 100, both needing 30 more: the second to ask lets go (Starved), so the
    first finishes instead of both waiting forever."""
    budget = InflightBudget(100)
    done = asyncio.Event()
    first = asyncio.create_task(_hold(budget.grant(), 50, 30, until=done))
    second_grant = budget.grant()
    async with second_grant:
        await second_grant.take(50)
        await _settle()
        with pytest.raises(Starved):
            await second_grant.take(30)
    await _settle()
    assert budget.used == 80
    done.set()
    await first
    assert (budget.used, budget.peak) == (0, 100)


async def test_when_every_holder_waits_the_newest_is_starved() -> None:
    """50 + 30 + 20: the first two wait to grow, the third finishes; neither growth fits,
    so the newest waiter lets go and the oldest completes."""
    budget = InflightBudget(100)
    release_c, done = asyncio.Event(), asyncio.Event()
    a_grant, b_grant = budget.grant(), budget.grant()
    c = asyncio.create_task(_hold(budget.grant(), 20, until=release_c))
    a = asyncio.create_task(_hold(a_grant, 50, 40, until=done))
    b = asyncio.create_task(_hold(b_grant, 30, 40, until=done))
    await _settle()
    assert (a_grant.held, b_grant.held, budget.used) == (50, 30, 100)
    release_c.set()
    await c
    with pytest.raises(Starved):
        await b
    await _settle()
    assert (a_grant.held, budget.used) == (90, 90)
    done.set()
    await a
    assert budget.used == 0


async def test_newcomers_queue_behind_one_another() -> None:
    """A small answer does not overtake a larger one already waiting for budget."""
    budget = InflightBudget(100)
    done = asyncio.Event()
    holder = asyncio.create_task(_hold(budget.grant(), 90, until=done))
    await _settle()
    big, small = budget.grant(), budget.grant()
    waiting = [
        asyncio.create_task(_hold(big, 20, until=done)),
        asyncio.create_task(_hold(small, 5, until=done)),
    ]
    await _settle()
    assert (big.held, small.held) == (0, 0)
    done.set()
    await asyncio.gather(holder, *waiting)
    assert budget.used == 0


# -- through HttpClient and the fake ---------------------------------------------------


@pytest.fixture
def settings(fake: FakeServer, tmp_path: Path) -> Settings:
    return registry_settings(fake, tmp_path, inflight_bytes=256 * KB)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_many_answers_stay_within_a_small_budget(
    fake: FakeServer, settings: Settings, session: aiohttp.ClientSession
) -> None:
    """Eight 100 KB answers at once with 256 KB of budget: all read, never over budget."""
    for i in range(8):
        fake.add("GET", f"/npm/p{i}", body=bytes([i]) * (100 * KB))
    client = HttpClient(session, settings)
    answers = await asyncio.gather(*(client.get(f"{fake.url}/npm/p{i}") for i in range(8)))
    assert [a.body for a in answers] == [bytes([i]) * (100 * KB) for i in range(8)]
    budget = shared_budget(session, settings)
    assert (budget.used, budget.limit) == (0, 256 * KB)
    assert 100 * KB <= budget.peak <= 256 * KB


async def test_every_client_of_a_session_shares_one_budget(
    settings: Settings, session: aiohttp.ClientSession
) -> None:
    """Each registry source has its own client; the budget is the session's, one for all."""
    one, two = HttpClient(session, settings), HttpClient(session, settings)
    assert one._inflight is two._inflight is shared_budget(session, settings)


async def test_an_answer_larger_than_the_budget_fails_with_a_reason(
    fake: FakeServer, settings: Settings, session: aiohttp.ClientSession
) -> None:
    """300 KB announced against 256 KB: refused before it is read, the setting named."""
    fake.add("GET", "/npm/huge", body=b"x" * (300 * KB))
    client = HttpClient(session, settings)
    with pytest.raises(FetchError) as caught:
        await client.get(fake.url + "/npm/huge")
    assert caught.value.kind == "too_big"
    assert caught.value.reason == (
        f"answer larger than the in-flight budget of {256 * KB} bytes (FUNDBOT_INFLIGHT_BYTES)"
    )
    assert shared_budget(session, settings).used == 0


async def test_a_compressed_answer_is_counted_as_it_inflates(
    fake: FakeServer, settings: Settings, session: aiohttp.ClientSession
) -> None:
    """A gzip answer announces its compressed length; the inflated bytes are what count."""
    inflated = b"a" * (200 * KB)
    headers = {"Content-Encoding": "gzip"}
    fake.add("GET", "/npm/zipped", body=gzip.compress(inflated), headers=headers)
    fake.add("GET", "/npm/bomb", body=gzip.compress(b"a" * (400 * KB)), headers=headers)
    client = HttpClient(session, settings)
    assert (await client.get(fake.url + "/npm/zipped")).body == inflated
    budget = shared_budget(session, settings)
    assert budget.peak == len(inflated)
    with pytest.raises(FetchError, match="in-flight budget"):
        await client.get(fake.url + "/npm/bomb")
    assert budget.used == 0


async def test_the_per_answer_cap_still_holds(
    fake: FakeServer,
    settings: Settings,
    session: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Over the per-answer cap: refused unread when announced, and when inflated."""
    monkeypatch.setattr(http_module, "MAX_BODY_BYTES", 10 * KB)
    fake.add("GET", "/npm/long", body=b"x" * (20 * KB))
    zipped = gzip.compress(b"x" * (20 * KB))
    fake.add("GET", "/npm/zipped", body=zipped, headers={"Content-Encoding": "gzip"})
    client = HttpClient(session, settings)
    for path in ("/npm/long", "/npm/zipped"):
        with pytest.raises(FetchError) as caught:
            await client.get(fake.url + path)
        assert (caught.value.kind, caught.value.reason) == ("too_big", "answer larger than 32 MB")
    assert shared_budget(session, settings).used == 0


async def test_an_answer_starved_of_budget_fails_clearly_and_gives_it_back(
    fake: FakeServer, settings: Settings, session: aiohttp.ClientSession
) -> None:
    """Two answers growing, each waiting for bytes the other holds: the newer one lets go
    (retried as any connection failure; here with no retries left) and names
    FUNDBOT_INFLIGHT_BYTES; the older one then gets its bytes."""
    budget = InflightBudget(256 * KB)
    release_third, done = asyncio.Event(), asyncio.Event()
    third = asyncio.create_task(_hold(budget.grant(), 10 * KB, until=release_third))
    await _settle()
    other_grant = budget.grant()
    other = asyncio.create_task(_hold(other_grant, 200 * KB, 56 * KB, until=done))
    await _settle()
    zipped = gzip.compress(b"z" * (100 * KB))
    fake.add("GET", "/npm/grows", body=zipped, headers={"Content-Encoding": "gzip"})
    client = HttpClient(session, settings.with_overrides(http_retries=0), budget=budget)
    request = asyncio.create_task(client.get(fake.url + "/npm/grows"))
    for _ in range(1000):  # until the answer waits to grow beside `other`
        if len(budget._waiting) == 2 or request.done():
            break
        await asyncio.sleep(0.005)
    release_third.set()
    await third
    with pytest.raises(FetchError) as caught:
        await request
    assert caught.value.reason == (
        "no in-flight memory left (FUNDBOT_INFLIGHT_BYTES) after 1 attempts"
    )
    await _settle()
    assert (other_grant.held, budget.used) == (256 * KB, 256 * KB)
    done.set()
    await other
    assert (budget.used, budget._waiting) == (0, [])
