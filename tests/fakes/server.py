"""A strict fake HTTP server on 127.0.0.1, shared by every fake (registries, GitHub).

It runs in its own thread with its own event loop, so sync tests (the CLI) and async
tests use it alike. Routes are declared up front; any request no route answers is
recorded and fails the test in `check()`, and so does a required route never called.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return jsonlib.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_json(
        cls, data: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> Reply:
        return cls(
            status,
            jsonlib.dumps(data).encode(),
            {"Content-Type": "application/json", **(headers or {})},
        )


Handler = Callable[[Recorded], "Reply | None"]


@dataclass
class Route:
    method: str
    path: str
    reply: Reply | None
    handler: Handler | None
    query: dict[str, str] | None
    times: int | None  # None: any number of times
    required: bool
    calls: int = 0

    def matches(self, request: Recorded) -> bool:
        if self.method != request.method or self.path != request.path:
            return False
        if self.query is not None and any(request.query.get(k) != v for k, v in self.query.items()):
            return False
        return self.times is None or self.calls < self.times


class FakeServer:
    """Serve declared routes over real HTTP; everything else is a test failure."""

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.routes: list[Route] = []
        self.mounts: list[tuple[str, Handler]] = []
        self.requests: list[Recorded] = []
        self.unexpected: list[str] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> FakeServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    async def _start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- declaring -------------------------------------------------------------------
    def add(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        body: bytes | str | None = None,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        times: int | None = 1,
        required: bool = True,
        handler: Handler | None = None,
    ) -> Route:
        """Answer `method path` (`times` times; None for any number) with a fixed reply."""
        reply: Reply | None = None
        if handler is None:
            if json is not None:
                reply = Reply.of_json(json, status, headers)
            else:
                raw = body.encode() if isinstance(body, str) else (body or b"")
                reply = Reply(status, raw, dict(headers or {}))
        route = Route(
            method.upper(),
            path,
            reply,
            handler,
            dict(query) if query is not None else None,
            times,
            required,
        )
        with self._lock:
            self.routes.append(route)
        return route

    def mount(self, prefix: str, handler: Handler) -> None:
        """Send every request under prefix to a stateful handler; None means unexpected."""
        self.mounts.append((prefix, handler))

    # -- serving ---------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        recorded = Recorded(
            request.method,
            request.path,
            dict(request.query),
            dict(request.headers),
            await request.read(),
        )
        if self.latency:
            await asyncio.sleep(self.latency)
        with self._lock:
            self.requests.append(recorded)
            route = next((r for r in self.routes if r.matches(recorded)), None)
            if route is not None:
                route.calls += 1
        reply: Reply | None = None
        if route is not None:
            reply = route.handler(recorded) if route.handler else route.reply
        else:
            for prefix, handler in self.mounts:
                if recorded.path.startswith(prefix):
                    reply = handler(recorded)
                    break
        if reply is None:
            with self._lock:
                self.unexpected.append(f"{recorded.method} {request.path_qs}")
            return web.Response(status=599, text="fake: unexpected request")
        return web.Response(status=reply.status, body=reply.body, headers=reply.headers)

    # -- checking --------------------------------------------------------------------
    def count(self, method: str | None = None, prefix: str = "") -> int:
        with self._lock:
            return sum(
                1
                for r in self.requests
                if (method is None or r.method == method) and r.path.startswith(prefix)
            )

    def unused(self) -> list[str]:
        with self._lock:
            return [f"{r.method} {r.path}" for r in self.routes if r.required and r.calls == 0]

    def check(self) -> None:
        problems = [f"unexpected request: {u}" for u in self.unexpected]
        problems += [f"expected request never came: {u}" for u in self.unused()]
        if problems:
            raise AssertionError("fake server:\n" + "\n".join(problems))

    def reset(self) -> None:
        """Forget requests and routes (between two phases of one test)."""
        with self._lock:
            self.routes.clear()
            self.requests.clear()
            self.unexpected.clear()


class SilentListener:
    """A port that accepts TCP connections (the kernel completes the handshake) and never
    answers: a registry hung behind its load balancer. Use as a context manager."""

    def __init__(self) -> None:
        import socket

        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(128)
        self.port: int = self._socket.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> SilentListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self._socket.close()


class RefusingPort:
    """A port bound but never listening: every connection is refused at once (a registry
    down). Holding the port, unlike a closed one, keeps any other server from taking it."""

    def __init__(self) -> None:
        import socket

        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> RefusingPort:
        return self

    def __exit__(self, *exc: object) -> None:
        self._socket.close()
