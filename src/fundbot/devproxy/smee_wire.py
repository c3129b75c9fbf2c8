"""What a smee.io channel sends and what smee-client would POST for it (pure).

The channel speaks server-sent events; each message carries a webhook's headers and its parsed
JSON `body`. The body is re-serialised the way smee-client does (`JSON.stringify`), because
the channel only carries the parsed JSON: when GitHub's bytes differ from that (an escaped
`\\u003c`, a number written as `1.0`), the signature no longer matches and our webhook
answers 401 — smee's limitation.
"""

from __future__ import annotations

import codecs
import json
import logging
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

log = logging.getLogger(__name__)

# Larger than GitHub's 25 MB payload cap; anything bigger is not a webhook.
MAX_EVENT_CHARS = 32 * 1024 * 1024
# Not forwarded: the connection's own headers, and smee's bookkeeping (`timestamp`).
_DROPPED = frozenset(
    {
        "host", "content-length", "content-type", "content-encoding", "transfer-encoding",
        "connection", "keep-alive", "te", "trailer", "upgrade", "accept-encoding",
        "proxy-authorization", "proxy-connection", "timestamp",
    }
)  # fmt: skip
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_INDEX = re.compile(r"0|[1-9][0-9]{0,9}")
_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class SseEvent:
    type: str
    data: str


@dataclass
class SseParser:
    """Server-sent events, fed chunk by chunk (WHATWG rules for lines and fields)."""

    _decoder: codecs.IncrementalDecoder = field(
        default_factory=lambda: codecs.getincrementaldecoder("utf-8")(errors="replace")
    )
    _text: str = ""
    _type: str = ""
    _data: list[str] = field(default_factory=list)
    _size: int = 0
    _started: bool = False
    _after_cr: bool = False

    def feed(self, chunk: bytes) -> list[SseEvent]:
        text = self._decoder.decode(chunk)
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")
        if self._after_cr and text:
            # A chunk ended with "\r": a "\n" opening this one belongs to that line end.
            text = text.removeprefix("\n")
            self._after_cr = False
        self._text += text
        events: list[SseEvent] = []
        start = 0
        for match in _LINE_END.finditer(self._text):
            event = self._line(self._text[start : match.start()])
            if event is not None:
                events.append(event)
            start = match.end()
            self._after_cr = match.group() == "\r" and start == len(self._text)
        self._text = self._text[start:]
        if len(self._text) + self._size > MAX_EVENT_CHARS:
            log.warning("webhook proxy: event too large, dropped")
            self._text, self._type, self._data, self._size = "", "", [], 0
        return events

    def _line(self, line: str) -> SseEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None  # a comment (keep-alive)
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._type = value
        elif name == "data":
            self._data.append(value)
            self._size += len(value)
        return None  # `id` and `retry` do not matter here: smee ids are per connection

    def _dispatch(self) -> SseEvent | None:
        event = SseEvent(self._type or "message", "\n".join(self._data)) if self._data else None
        self._type, self._data, self._size = "", [], 0
        return event


def js_stringify(value: Any) -> str:
    """What JavaScript's `JSON.stringify(value)` returns for a value `json.loads` produced."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return _js_number(value)
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        # A lone surrogate (from "\ud800") is written escaped, as ES2019 does.
        return re.sub(r"[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", text)
    if isinstance(value, list):
        return "[" + ",".join(js_stringify(v) for v in value) + "]"
    if isinstance(value, dict):
        # JavaScript objects list array-index keys first, in numeric order.
        indices = sorted((k for k in value if _is_index(k)), key=int)
        keys = indices + [k for k in value if not _is_index(k)]
        return "{" + ",".join(f"{js_stringify(k)}:{js_stringify(value[k])}" for k in keys) + "}"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _is_index(key: str) -> bool:
    return bool(_INDEX.fullmatch(key)) and int(key) < 2**32 - 1


def _js_number(value: float) -> str:
    """ECMAScript Number::toString: shortest round-trip digits, JS's exponent thresholds."""
    if isinstance(value, int) and abs(value) <= 2**53:
        return str(value)
    try:
        number = float(value)  # every JavaScript number is a double
    except OverflowError:
        return "null"
    if not math.isfinite(number):
        return "null"
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    parts = Decimal(repr(abs(number))).normalize().as_tuple()
    digits = "".join(map(str, parts.digits))
    k, n = len(digits), len(digits) + int(parts.exponent)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return f"{sign}{digits[:n]}.{digits[n:]}"
    if -6 < n <= 0:
        return f"{sign}0.{'0' * -n}{digits}"
    mantissa = digits[0] + (f".{digits[1:]}" if k > 1 else "")
    return f"{sign}{mantissa}e{'+' if n >= 1 else '-'}{abs(n - 1)}"


@dataclass(frozen=True)
class Delivery:
    url: str
    headers: dict[str, str]
    body: bytes


def delivery(data: str, target: str) -> Delivery | None:
    """The POST smee-client would send for one channel message; None if it is not one."""
    try:
        message = json.loads(data)
    except ValueError:
        return None
    if not isinstance(message, dict) or "body" not in message:
        return None
    body = js_stringify(message.pop("body")).encode()
    query = message.pop("query", None)
    url = target
    if isinstance(query, dict) and query:
        parts = urlsplit(target)
        merged = dict(parse_qsl(parts.query, keep_blank_values=True))
        merged.update({str(k): str(v) for k, v in query.items()})
        url = urlunsplit(parts._replace(query=urlencode(merged)))
    headers = {
        name: value
        for name, value in message.items()
        if isinstance(value, str)
        and name.lower() not in _DROPPED
        and _TOKEN.fullmatch(name)
        and not any(c in value for c in "\r\n\0")
    }
    headers["content-type"] = "application/json"
    return Delivery(url, headers, body)
