"""Webhook acknowledgements per second and latency on one core, SQLite and PostgreSQL.

The server (the real aiohttp app; the SQLite queue with group commit and fsync, or a
`--role web` front writing deliveries and jobs to PostgreSQL on this machine) runs pinned
to CPU 0; the load comes from CPU 1 with signed `push` deliveries, each with a fresh
X-GitHub-Delivery id and, with wrk, a body of its own (a byte-identical body is a replay,
answered 200 without queueing: issue 13, item 14), so that every request goes through
de-duplication and the durable enqueue; the run reports how many deliveries were accepted.
Load: wrk if installed, else benchmarks/load_generator.py (which also measures latency at a
fixed 200 deliveries a second, and sends one body: all but the first are replays). Needs `taskset`.

    .venv/bin/python benchmarks/bench_webhooks.py [--seconds 10] [--connections 64]
        [--backend both|sqlite|postgres] [--load auto|wrk|python]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SECRET = "bench-secret"
EXAMPLES = HERE.parent / "tests" / "fixtures" / "webhooks" / "octokit-examples.json"


MARK = "@@bench-delivery@@"


def payload() -> bytes:
    push = json.loads(EXAMPLES.read_text())["push"][0]
    push["ref"] = "refs/heads/main"
    push["repository"]["default_branch"] = "main"
    push["installation"] = {"id": 1}
    push["deleted"] = False
    push["commits"] = [
        {"id": "c", "added": [], "modified": ["package.json", ".github/fundbot.yml"], "removed": []}
    ]
    return json.dumps(push).encode()


def numbered_payload() -> tuple[bytes, bytes]:
    """The push as (head, tail): body number i is head + str(i) + tail."""
    push = json.loads(payload())
    push["bench_delivery"] = MARK
    head, tail = json.dumps(push).encode().split(f'"{MARK}"'.encode())
    return head, tail


def signatures(head: bytes, tail: bytes, count: int) -> str:
    """One signature line per numbered body, 1..count (wrk's Lua has no HMAC)."""
    key = SECRET.encode()
    return "".join(
        f"sha256={hmac.new(key, head + str(i).encode() + tail, hashlib.sha256).hexdigest()}\n"
        for i in range(1, count + 1)
    )


LUA = """
local head = io.open("{head}", "rb"):read("*a")
local tail = io.open("{tail}", "rb"):read("*a")
local signatures = {{}}
for line in io.lines("{signatures}") do signatures[#signatures + 1] = line end
local counter = 0
local prefix = ""
function setup(thread) thread:set("prefix", tostring(math.random(1, 1e9))) end
function init(args) prefix = prefix .. tostring(math.random(1, 1e9)) end
request = function()
  counter = counter + 1
  -- Past the last signature the bodies repeat: replays, still answered 2xx.
  local i = (counter - 1) % #signatures + 1
  local headers = {{}}
  headers["Content-Type"] = "application/json"
  headers["X-GitHub-Event"] = "push"
  headers["X-GitHub-Delivery"] = prefix .. "-" .. counter
  headers["X-Hub-Signature-256"] = signatures[i]
  return wrk.format("POST", "/api/github/webhooks", headers, head .. i .. tail)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(tmp: str, port: int, database_url: str | None) -> subprocess.Popen[str]:
    command = [sys.executable, str(HERE / "webhook_server.py"), tmp, str(port), SECRET]
    if database_url:
        command.append(database_url)
    server = subprocess.Popen(["taskset", "-c", "0", *command], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    assert server.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    return server


def load_wrk(url: str, script: Path, seconds: int, connections: int) -> dict[str, Any]:
    out = subprocess.run(
        [
            *("taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s"),
            *("--latency", "-s", str(script), url),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "per_second": float(rps.group(1)) if rps else 0.0,
        "p99": p99.group(1) if p99 else "?",
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "requests": int(total.group(1)) if total else 0,
    }


def load_python(
    url: str, body: Path, signature: str, seconds: int, connections: int, rate: float = 0
) -> dict[str, Any]:
    command = [sys.executable, str(HERE / "load_generator.py"), url, str(body), signature]
    command += ["--seconds", str(seconds), "--connections", str(connections)]
    if rate:
        command += ["--rate", str(rate)]
    out = subprocess.run(
        ["taskset", "-c", "1", *command], capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def accepted_deliveries(tmp: str, database_url: str | None) -> int:
    """Deliveries the server recorded as new (a replay or duplicate is not)."""
    if database_url:
        import psycopg

        with psycopg.connect(database_url) as conn:
            row = conn.execute("SELECT count(*) FROM deliveries").fetchone()
    else:
        import sqlite3

        with contextlib.closing(sqlite3.connect(Path(tmp) / "queue.sqlite3")) as db:
            row = db.execute("SELECT count(*) FROM deliveries").fetchone()
    return int(row[0]) if row else 0


def postgres_schema(server_url: str) -> tuple[str, Callable[[], None]]:
    """A fresh migrated schema on the server, and how to drop it."""
    import asyncio
    from urllib.parse import quote

    import psycopg

    from fundbot.storage.pg_schema import migrate

    schema = f"fundbot_bench_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
    joiner = "&" if "?" in server_url else "?"
    url = f"{server_url}{joiner}options={quote(f'-csearch_path={schema}')}"
    asyncio.run(migrate(url))

    def drop() -> None:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")

    return url, drop


def bench_backend(name: str, database_url: str | None, args: argparse.Namespace) -> None:
    body = payload()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    use_wrk = args.load == "wrk" or (args.load == "auto" and shutil.which("wrk"))
    with tempfile.TemporaryDirectory() as tmp:
        body_path = Path(tmp) / "body.json"
        body_path.write_bytes(body)
        script = Path(tmp) / "push.lua"
        if use_wrk:
            head, tail = numbered_payload()
            (Path(tmp) / "head").write_bytes(head)
            (Path(tmp) / "tail").write_bytes(tail)
            # More bodies than one core acknowledges in the run.
            count = 20_000 * args.seconds
            (Path(tmp) / "signatures").write_text(signatures(head, tail, count))
            script.write_text(
                LUA.format(
                    head=Path(tmp) / "head",
                    tail=Path(tmp) / "tail",
                    signatures=Path(tmp) / "signatures",
                )
            )
        port = free_port()
        url = f"http://127.0.0.1:{port}/api/github/webhooks"
        server = start_server(tmp, port, database_url)
        try:
            if use_wrk:
                peak = load_wrk(f"http://127.0.0.1:{port}", script, args.seconds, args.connections)
                paced = None
            else:
                peak = load_python(url, body_path, signature, args.seconds, args.connections)
                paced = load_python(url, body_path, signature, args.seconds, 64, rate=200)
        finally:
            server.terminate()
            server.wait(10)
        accepted = accepted_deliveries(tmp, database_url)
    print(f"{name}: peak {peak['per_second']:.0f} acknowledged/s", end="")
    if "p99_ms" in peak:
        print(f" (p99 {peak['p99_ms']:.1f} ms at peak)", end="")
    elif "p99" in peak:
        print(f" (p99 {peak['p99']} at peak)", end="")
    print(f", non-2xx {peak['non_2xx']}", end="")
    if peak.get("requests"):
        print(f", {accepted} new deliveries queued for {peak['requests']} answered")
    else:
        print(f", {accepted} deliveries queued (same body each time: the rest are replays)")
    if paced is not None:
        print(
            f"{name}: at 200/s p50 {paced['p50_ms']:.1f} ms, p99 {paced['p99_ms']:.1f} ms,"
            f" non-2xx {paced['non_2xx']}"
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--load", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--backend", choices=("both", "sqlite", "postgres"), default="both")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("FUNDBOT_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1/test"),
        help="PostgreSQL server for the postgres run (a scratch schema is made and dropped)",
    )
    args = parser.parse_args()
    if args.load == "wrk" and not shutil.which("wrk"):
        print("needs wrk: apt-get install wrk (or --load python)", file=sys.stderr)
        return 2
    if args.backend in ("both", "sqlite"):
        bench_backend("sqlite", None, args)
    if args.backend in ("both", "postgres"):
        url, drop = postgres_schema(args.database_url)
        try:
            bench_backend("postgres (--role web)", url, args)
        finally:
            drop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
