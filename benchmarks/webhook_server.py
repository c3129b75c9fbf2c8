"""The webhook front end alone (no workers), for bench_webhooks.py: run in its own process."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from aiohttp import web

from fundbot.settings import Secret, Settings
from fundbot.storage.sqlite_queue import SqliteQueue
from fundbot.web import make_app


async def main(data_dir: str, port: int, secret: str) -> None:
    queue = SqliteQueue(Path(data_dir) / "queue.sqlite3")
    await queue.start()
    app = make_app(Settings(webhook_secret=Secret(secret)), queue=queue)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
