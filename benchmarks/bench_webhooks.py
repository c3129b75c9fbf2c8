"""Webhook acknowledgements per second and latency on one core, with the durable queue.

The server (the real aiohttp app and SQLite queue, group commit, fsync on) runs pinned to
CPU 0; wrk drives it from CPU 1 with signed `push` deliveries, each with a fresh
X-GitHub-Delivery id so that every request goes through de-duplication and the durable
enqueue. Needs `wrk` (Debian: apt-get install wrk) and `taskset`.

    .venv/bin/python benchmarks/bench_webhooks.py [--seconds 10] [--connections 64]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
SECRET = "bench-secret"
EXAMPLES = HERE.parent / "tests" / "fixtures" / "webhooks" / "octokit-examples.json"


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


LUA = """
local body = io.open("{body}", "rb"):read("*a")
local counter = 0
local prefix = ""
function setup(thread) thread:set("prefix", tostring(math.random(1, 1e9))) end
function init(args) prefix = prefix .. tostring(math.random(1, 1e9)) end
request = function()
  counter = counter + 1
  local headers = {{}}
  headers["Content-Type"] = "application/json"
  headers["X-GitHub-Event"] = "push"
  headers["X-GitHub-Delivery"] = prefix .. "-" .. counter
  headers["X-Hub-Signature-256"] = "{signature}"
  return wrk.format("POST", "/api/github/webhooks", headers, body)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("needs wrk: apt-get install wrk", file=sys.stderr)
        return 2
    body = payload()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    with tempfile.TemporaryDirectory() as tmp:
        body_path = Path(tmp) / "body.json"
        body_path.write_bytes(body)
        script = Path(tmp) / "push.lua"
        script.write_text(LUA.format(body=body_path, signature=signature))
        port = free_port()
        server = subprocess.Popen(
            [
                "taskset",
                "-c",
                "0",
                sys.executable,
                str(HERE / "webhook_server.py"),
                tmp,
                str(port),
                SECRET,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            assert server.stdout.readline().strip() == "ready"
            time.sleep(0.5)
            out = subprocess.run(
                [
                    "taskset",
                    "-c",
                    "1",
                    "wrk",
                    "-t1",
                    f"-c{args.connections}",
                    f"-d{args.seconds}s",
                    "--latency",
                    "-s",
                    str(script),
                    f"http://127.0.0.1:{port}",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        finally:
            server.terminate()
            server.wait(10)
        import sqlite3

        db = sqlite3.connect(Path(tmp) / "queue.sqlite3")
        deliveries = db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0]
    print(out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    print(f"acknowledged per second: {rps.group(1) if rps else '?'}")
    print(f"p99 latency: {p99.group(1) if p99 else '?'}")
    print(f"non-2xx answers: {non2xx.group(1) if non2xx else 0}")
    print(f"deliveries durably recorded: {deliveries}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
