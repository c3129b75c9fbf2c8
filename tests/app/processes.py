"""fundbot as separate processes (`serve --role web`, `worker`) against the fake GitHub."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.app.webhooks import SECRET
from tests.fakes.github import FakeGitHub
from tests.fakes.registries import GO_GET_PREFIX, PREFIXES
from tests.fakes.server import FakeServer

SRC = Path(__file__).resolve().parents[2] / "src"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_env(
    fake: FakeServer, github: FakeGitHub, database_url: str, data_dir: Path, **extra: str
) -> dict[str, str]:
    """The environment of an App process pointed at the fake and at one database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FUNDBOT_", "GHE_"))}
    env.update(
        PYTHONPATH=str(SRC),
        DATABASE_URL=database_url,
        APP_ID=str(github.app_id),
        PRIVATE_KEY=github.private_key,
        WEBHOOK_SECRET=SECRET,
        GHE_HOST=f"127.0.0.1:{fake.port}",
        GHE_PROTOCOL="http",
        HOST="127.0.0.1",
        LOG_FORMAT="json",
        LOG_LEVEL="warning",
        FUNDBOT_DATA_DIR=str(data_dir),
        FUNDBOT_GO_GET_URL=fake.url + GO_GET_PREFIX + "/{path}?go-get=1",
        FUNDBOT_GITHUB_WRITE_GAP="0",
    )
    for attr, prefix in PREFIXES.items():
        env[f"FUNDBOT_{attr.upper()}"] = fake.url + prefix
    env.update(extra)
    return env


class Process:
    """One fundbot process; `health` is its /healthz URL once it is up."""

    def __init__(self, args: list[str], env: dict[str, str], port: int, log: Path) -> None:
        self.args = args
        self.port = port
        self.log = log
        code = "import sys; from fundbot.cli import main; sys.exit(main(sys.argv[1:]))"
        with log.open("wb") as stderr:  # the child keeps its own copy
            self.popen = subprocess.Popen(
                [sys.executable, "-c", code, *args],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise AssertionError(f"{self.args} exited: {self.log.read_text()[-2000:]}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as resp,
            ):
                if resp.status == 200:
                    return
            time.sleep(0.1)
        raise AssertionError(f"{self.args} not healthy: {self.log.read_text()[-2000:]}")

    def metrics(self) -> str:
        with urllib.request.urlopen(f"{self.url}/metrics", timeout=5) as resp:
            return str(resp.read().decode())

    def kill(self) -> None:
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait()

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@contextlib.contextmanager
def processes() -> Iterator[list[Process]]:
    """Every process started into the list is stopped at the end, whatever happens."""
    started: list[Process] = []
    try:
        yield started
    finally:
        for process in started:
            process.stop()


def start_web(env: dict[str, str], tmp: Path, name: str) -> Process:
    port = free_port()
    return Process(
        ["serve", "--role", "web", "--env-file", "/nonexistent"],
        {**env, "PORT": str(port)},
        port,
        tmp / f"{name}.log",
    )


def start_worker(env: dict[str, str], tmp: Path, name: str, concurrency: int = 4) -> Process:
    port = free_port()
    return Process(
        [
            "worker",
            "--concurrency",
            str(concurrency),
            "--health-port",
            str(port),
            "--env-file",
            "/nonexistent",
        ],
        env,
        port,
        tmp / f"{name}.log",
    )
