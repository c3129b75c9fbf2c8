"""Logging setup: JSON lines or a readable format, with the context passed in `extra`."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

# Attributes every LogRecord has; anything else came in through `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()) | {
    "message",
    "asctime",
    "taskName",
}
# Never printed, whatever a caller passes in `extra` by mistake.
_SECRET_KEYS = frozenset({"token", "private_key", "webhook_secret", "authorization", "secret"})


# What the running job is (delivery, installation, repository, kind): set by the worker around
# a handler, so every line logged inside it — by any module, in any task it starts — says
# which delivery it serves, and one grep follows a delivery from webhook to issue.
_JOB: ContextVar[Mapping[str, Any] | None] = ContextVar("fundbot_job", default=None)


@contextlib.contextmanager
def job_context(**fields: Any) -> Iterator[None]:
    """Within the block, log records carry `fields` (those that are not None)."""
    token = _JOB.set({key: value for key, value in fields.items() if value is not None})
    try:
        yield
    finally:
        _JOB.reset(token)


class JobContextFilter(logging.Filter):
    """Adds the running job's fields to each record; a field passed in `extra` wins."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_JOB.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def _context(record: logging.LogRecord) -> dict[str, Any]:
    return {
        key: ("***" if key.lower() in _SECRET_KEYS else value)
        for key, value in vars(record).items()
        if key not in _STANDARD and not key.startswith("_")
    }


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            **_context(record),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class PrettyFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        context = " ".join(f"{k}={v}" for k, v in _context(record).items())
        line = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname:<7} {record.getMessage()}"
        if context:
            line += f"  {context}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class RateLimitedLog:
    """Logs one line per `interval` seconds at most, counting what it left out: an
    unauthenticated sender must not be able to fill the disk with our warnings."""

    def __init__(
        self,
        logger: logging.Logger,
        *,
        interval: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.interval = interval
        self.clock = clock
        self._last: float | None = None
        self._suppressed = 0

    def warning(self, message: str) -> None:
        now = self.clock()
        if self._last is not None and now - self._last < self.interval:
            self._suppressed += 1
            return
        self.logger.warning(message, extra={"suppressed": self._suppressed})
        self._last, self._suppressed = now, 0


def setup_logging(level: int | str = "INFO", fmt: str = "pretty") -> None:
    """Configure the root logger once, from `main()`; never at import."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else PrettyFormatter())
    # On the handler, not the root logger: a logger's filters skip records of its children.
    handler.addFilter(JobContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    # An int from Settings.logging_level (Probot's names mapped), or one of Python's names.
    root.setLevel(level.upper() if isinstance(level, str) else level)
    # aiohttp's access log duplicates our delivery log lines at a high rate.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
