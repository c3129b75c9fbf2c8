"""The webhook front end alone (no workers), for bench_webhooks.py: run in its own process.

    webhook_server.py DATA_DIR PORT SECRET [DATABASE_URL]

With DATABASE_URL it is a `--role web` process: deliveries and jobs go to PostgreSQL.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

from fundbot.settings import Secret, Settings
from fundbot.storage.sqlite_queue import SqliteQueue
from fundbot.web import make_app


async def main(data_dir: str, port: int, secret: str, database_url: str | None) -> None:
    queue: Any
    if database_url:
        from fundbot.storage.pg_queue import PgQueue
        from fundbot.storage.pg_store import connection_pool

        # The pool `fundbot serve --role web` opens (autocommit: one round trip a batch).
        pool = connection_pool(database_url, min_size=2, max_size=4)
        await pool.open()
        queue = PgQueue(pool)
    else:
        queue = SqliteQueue(Path(data_dir) / "queue.sqlite3")
    await queue.start()
    app = make_app(Settings(webhook_secret=Secret(secret)), queue=queue)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    url = sys.argv[4] if len(sys.argv) > 4 else None
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], url))
