"""One budget for the bytes of every answer being read at once (issue 13, item 9).

Each answer is capped on its own, but a scan reads hundreds at a time: without a shared
budget, 16 requests per host times ten registries of 32 MB answers could hold gigabytes.
An answer takes bytes from the budget as they arrive (all at once when it announces its
length) and gives them back when it is read, failed or cancelled.

Answers that hold part of the budget and wait for more could all wait on each other; so a
growing answer waits only while some other holder can still finish, and otherwise gives up
its share (`Starved`, which the caller retries from scratch).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import TracebackType

from fundbot.errors import FundbotError


class TooBig(FundbotError):
    """An answer that could not fit in the whole budget even alone."""


class Starved(FundbotError):
    """Every answer holding budget waits for more: this one lets go (retry it later)."""


@dataclass(eq=False)
class _Waiter:
    grant: Grant
    amount: int
    future: asyncio.Future[None]


@dataclass(eq=False)
class InflightBudget:
    """The process's answer bytes in flight; `grant()` per answer, used with `async with`."""

    limit: int
    used: int = 0
    peak: int = 0  # the most ever in flight at once (what a test or a metric checks)
    _holders: set[Grant] = field(default_factory=set)
    _waiting: list[_Waiter] = field(default_factory=list)

    def grant(self) -> Grant:
        return Grant(self)

    def _blocked_holders(self) -> list[_Waiter]:
        return [w for w in self._waiting if w.grant.held and not w.future.done()]

    def _give(self, grant: Grant, amount: int) -> None:
        self.used += amount
        self.peak = max(self.peak, self.used)
        grant.held += amount
        self._holders.add(grant)

    def _release(self, grant: Grant) -> None:
        self.used -= grant.held
        grant.held = 0
        self._holders.discard(grant)
        self._wake()

    def _wake(self) -> None:
        """Give waiting answers what now fits, growing ones first (they hold memory that
        only their completion frees); then, if every holder is waiting, starve the newest."""
        for waiter in sorted(self._waiting, key=lambda w: not w.grant.held):
            if self.used + waiter.amount <= self.limit and not waiter.future.done():
                self._waiting.remove(waiter)
                self._give(waiter.grant, waiter.amount)
                waiter.future.set_result(None)
        blocked = self._blocked_holders()
        if blocked and len(blocked) == len(self._holders):
            victim = blocked[-1]
            self._waiting.remove(victim)
            victim.future.set_exception(Starved())


class Grant:
    """One answer's share of the budget; released on every way out of `async with`."""

    def __init__(self, budget: InflightBudget) -> None:
        self.budget = budget
        self.held = 0

    async def take(self, amount: int) -> None:
        """`amount` more bytes: at once if they fit, else after other answers give some back."""
        budget = self.budget
        if self.held + amount > budget.limit:
            raise TooBig
        newcomers_waiting = any(not w.grant.held for w in budget._waiting)
        if budget.used + amount <= budget.limit and (self.held or not newcomers_waiting):
            budget._give(self, amount)
            return
        if self.held and len(budget._blocked_holders()) == len(budget._holders) - 1:
            raise Starved  # all others wait too: nobody would ever give bytes back
        waiter = _Waiter(self, amount, asyncio.get_running_loop().create_future())
        budget._waiting.append(waiter)
        try:
            await waiter.future
        finally:
            if waiter in budget._waiting:  # cancelled while waiting
                budget._waiting.remove(waiter)

    async def __aenter__(self) -> Grant:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.budget._release(self)
