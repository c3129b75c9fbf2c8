"""Issue 13's hardening, item by item, driven through the server (or the CLI) where it can be:
restarts after any crash, health that tells the truth, and nothing for hostile senders."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import resource
import shutil
import signal
import stat
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from fundbot.cli import main
from fundbot.jobs.model import Job
from fundbot.logs import setup_logging
from fundbot.metrics import GITHUB_EVENTS
from fundbot.settings import Secret, Settings
from fundbot.storage.sqlite_queue import SqliteQueue
from fundbot.web import listen, make_app, server_options
from tests.app.harness import (
    acme,
    app_under_test,
    push_payload,
    serve_registry_fixtures,
    started_server,
)
from tests.app.webhooks import SECRET, delivery_headers, example, examples
from tests.fakes.github import FakeGitHub
from tests.fakes.server import FakeServer


@pytest.fixture
async def queue(tmp_path: Path) -> AsyncIterator[SqliteQueue]:
    q = SqliteQueue(tmp_path / "queue.sqlite3")
    await q.start()
    yield q
    await q.close()


@pytest.fixture
async def client(queue: SqliteQueue) -> AsyncIterator[TestClient[Any, Any]]:
    settings = Settings(webhook_secret=Secret(SECRET))
    app = make_app(settings, queue=queue)
    async with TestClient(await started_server(app, settings)) as c:
        yield c


async def _post(
    client: TestClient[Any, Any], event: str, body: bytes, **headers: str
) -> tuple[int, dict[str, Any]]:
    sent = {**delivery_headers(event, body), **headers}
    resp = await client.post("/api/github/webhooks", data=body, headers=sent)
    return resp.status, await resp.json()


def _created() -> bytes:
    return json.dumps(example("installation", "created")).encode()


# -- 1. restart after a crash ----------------------------------------------------------------------


async def test_1_restart_with_a_running_job_and_its_queued_twin(tmp_path: Path) -> None:
    """The process dies while a job runs and an identical job waits: every later start
    works, and the work runs exactly once more."""
    path = tmp_path / "q.sqlite3"
    first = SqliteQueue(path)
    await first.start()
    await first.enqueue([Job("scan_repository", 1, "o/a")])
    assert await first.claim() is not None
    await first.enqueue([Job("scan_repository", 1, "o/a")])  # the twin, queued meanwhile
    await first.close()  # never completed: as good as a kill
    for _ in range(3):  # start after start after start
        again = SqliteQueue(path)
        await again.start()
        assert await again.counts() == {"queued": 1, "running": 0, "failed": 0}
        await again.close()
    last = SqliteQueue(path)
    await last.start()
    claimed = await last.claim()
    assert claimed is not None
    assert claimed.job.repository == "o/a"
    assert await last.claim() is None
    await last.complete(claimed)
    assert await last.counts() == {"queued": 0, "running": 0, "failed": 0}
    await last.close()


async def test_1_the_app_starts_over_a_crashed_queue(fake: FakeServer, tmp_path: Path) -> None:
    """Through the server: a queue left with a running job and its queued twin starts, and
    the installation ends scanned and published once."""
    queue = SqliteQueue(tmp_path / "queue.sqlite3")
    await queue.start()
    await queue.enqueue([Job("scan_installation", 7)])
    assert await queue.claim() is not None
    await queue.enqueue([Job("scan_installation", 7)])
    await queue.close()
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        assert (await app.client.get("/healthz")).status == 200
        await app.settle()
        assert await app.started.context.queue.counts() == {
            "queued": 0,
            "running": 0,
            "failed": 0,
        }
    assert len(github.bot_issues("acme/shop")) == 1
    assert len(github.bot_issues("acme/.github")) == 1


# -- 4. /healthz tells whether the queue can write -------------------------------------------------


@contextlib.contextmanager
def writes_fail() -> Iterator[None]:
    """No file of this process may grow past 4 KB (EFBIG): as a full disk looks to us, and
    it works even for root, whom a read-only directory does not stop."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


async def test_4_healthz_is_503_while_the_queue_cannot_write(
    client: TestClient[Any, Any], queue: SqliteQueue
) -> None:
    """Writes fail while reads still work: /healthz says 503, and 200 once writes work."""
    assert (await client.get("/healthz")).status == 200
    with writes_fail():
        assert (await client.get("/healthz")).status == 503
    assert (await client.get("/healthz")).status == 200
    assert (await _post(client, "installation", _created()))[0] == 202


# -- 10. no compressed webhooks --------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "x-anything"])
async def test_10_encoded_bodies_are_refused_before_inflating(
    client: TestClient[Any, Any], encoding: str
) -> None:
    """Any Content-Encoding but identity: 415 (a gzip bomb would otherwise be inflated)."""
    body = b"\x1f\x8b" + os.urandom(64)  # not even valid: nothing may try to inflate it
    status, answer = await _post(client, "push", body, **{"Content-Encoding": encoding})
    assert status == 415
    assert "Content-Encoding" in answer["status"]


# -- 11. odd signature headers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "signature",
    ["sha256=é" + "0" * 63, "sha256=" + "ü" * 64, "sha256=zz", "sha256=", "sha256=\t", "🔑"],
)
async def test_11_malformed_signatures_are_401_never_500(
    client: TestClient[Any, Any], signature: str
) -> None:
    """Non-ASCII or malformed `X-Hub-Signature-256`: 401."""
    body = _created()
    headers = {**delivery_headers("installation", body), "X-Hub-Signature-256": signature}
    assert await _raw_status(client, "POST", "/api/github/webhooks", headers, body) == 401


async def _raw_status(
    client: TestClient[Any, Any], method: str, path: str, headers: dict[str, str], body: bytes
) -> int:
    """One HTTP/1.1 request written by hand, headers as UTF-8 bytes (aiohttp's client would
    refuse them), and the status it gets."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {client.host}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines += [f"Content-Length: {len(body)}", "", ""]
    writer.write("\r\n".join(lines).encode("utf-8") + body)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    return int(status_line.split()[1])


# -- 13. metric labels from a fixed set; unauthenticated requests log little -----------------------


async def test_13_labels_come_from_a_fixed_set(client: TestClient[Any, Any]) -> None:
    """Invented event names are counted as `other`; refused requests as `unauthenticated`."""
    for n in range(5):
        await _post(client, f"made-up-{n}", b'{"action": "x"}')
        await _post(client, f"forged-{n}", b"{}", **{"X-Hub-Signature-256": "sha256=00"})
    metrics = await (await client.get("/metrics")).text()
    assert "made-up" not in metrics
    assert "forged" not in metrics
    assert 'event="other",outcome="ignored"} 5.0' in metrics
    assert 'event="unauthenticated",outcome="bad_signature"} 5.0' in metrics


def test_13_every_real_event_name_is_a_label() -> None:
    """Every event of GitHub's published examples keeps its own label."""
    assert set(examples()) <= GITHUB_EVENTS


async def test_13_refusals_log_one_line_per_minute(
    client: TestClient[Any, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """A stream of forged deliveries writes one log line, not one each."""
    caplog.set_level(logging.WARNING, logger="fundbot.web")
    for _ in range(20):
        await _post(client, "push", b"{}", **{"X-Hub-Signature-256": "sha256=00"})
    assert [r.getMessage() for r in caplog.records] == ["bad signature"]


# -- 14. replays -----------------------------------------------------------------------------------


async def test_14_a_replayed_body_does_nothing_whatever_its_delivery_id(
    client: TestClient[Any, Any], queue: SqliteQueue
) -> None:
    """A signed body captured and sent again under fresh delivery ids: 200, no job."""
    body = _created()
    first = await _post(client, "installation", body, **{"X-GitHub-Delivery": "a"})
    again = await _post(client, "installation", body, **{"X-GitHub-Delivery": "b"})
    assert first == (202, {"status": "queued", "jobs": 1})
    assert again == (200, {"status": "duplicate delivery"})
    assert (await queue.counts())["queued"] == 1
    claimed = await queue.claim()
    assert claimed is not None
    await queue.complete(claimed)
    # Even once its job is done: the body alone is the replay.
    assert (await _post(client, "installation", body, **{"X-GitHub-Delivery": "c"}))[0] == 200
    assert (await queue.counts())["queued"] == 0


async def test_14_replay_memory_lasts_a_day(tmp_path: Path) -> None:
    """After 24 hours the same body is news again (and the digest is pruned)."""
    now = [1_000_000.0]
    queue = SqliteQueue(tmp_path / "q.sqlite3", clock=lambda: now[0])
    await queue.start()
    job = [Job("scan_installation", 1)]
    try:
        assert await queue.submit("a", "installation", job, body_digest="d")
        now[0] += 23 * 3600
        assert not await queue.submit("b", "installation", job, body_digest="d")
        now[0] += 2 * 3600
        assert await queue.submit("c", "installation", job, body_digest="d")
    finally:
        await queue.close()


# -- 16. private files -----------------------------------------------------------------------------


@pytest.fixture
def loose_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("loose_umask")
async def test_16_data_dir_is_0700_and_its_files_0600(fake: FakeServer, tmp_path: Path) -> None:
    """With umask 000 the App still creates its data directory 0700 and every file 0600."""
    data = tmp_path / "fresh" / "data"
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    serve_registry_fixtures(fake)
    async with app_under_test(fake, data, github) as app:
        await app.install()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    files = [p for p in data.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"queue.sqlite3", "state.sqlite3"}
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {p.name: 0o600 for p in files}


@pytest.mark.usefixtures("loose_umask")
def test_16_settings_check_creates_the_directory_0700(tmp_path: Path) -> None:
    """`serve` and `scan` check FUNDBOT_DATA_DIR first: that check creates it 0700."""
    settings = Settings(data_dir=tmp_path / "new")
    settings.check_data_dir()
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700


# -- 17. the home page shows counts only -----------------------------------------------------------


async def test_17_home_page_shows_counts_not_names_or_errors(
    client: TestClient[Any, Any], queue: SqliteQueue
) -> None:
    """A failed job of a private repository: `/` counts it, names neither it nor the error."""
    await queue.enqueue([Job("scan_repository", 7, "acme/secret-project")])
    claimed = await queue.claim()
    assert claimed is not None
    queue.max_attempts = 1
    await queue.fail(claimed, "404 on acme/secret-project: token for bob expired")
    home = await (await client.get("/")).text()
    metrics = await (await client.get("/metrics")).text()
    assert "failed: 1" in home
    for text in (home, metrics):
        assert "secret-project" not in text
        assert "expired" not in text


async def test_17_anonymous_visits_to_the_home_page_do_not_each_probe_the_disk(
    client: TestClient[Any, Any], queue: SqliteQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`/` is public: it reuses a recent health probe (a synced write on the queue's one
    writer thread) instead of running one per visitor; `/healthz` always probes."""
    probes = 0
    real_ping = queue.ping

    async def counted_ping() -> bool:
        nonlocal probes
        probes += 1
        return await real_ping()

    monkeypatch.setattr(queue, "ping", counted_ping)
    for _ in range(5):
        assert (await client.get("/")).status == 200
    assert probes == 1
    assert (await client.get("/healthz")).status == 200
    assert probes == 2


# -- 18. Probot's LOG_LEVEL values -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("trace", logging.DEBUG),
        ("debug", logging.DEBUG),
        ("info", logging.INFO),
        ("warn", logging.WARNING),
        ("error", logging.ERROR),
        ("fatal", logging.CRITICAL),
        ("WARNING", logging.WARNING),
    ],
)
def test_18_probot_log_levels_start_serve(
    value: str,
    level: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`fundbot serve` with a Probot LOG_LEVEL gets past its settings (here it then stops
    at the missing APP_ID), and the level maps onto Python's."""
    monkeypatch.setenv("LOG_LEVEL", value)
    monkeypatch.delenv("APP_ID", raising=False)
    assert main(["serve", "--env-file", str(tmp_path / "none.env")]) == 2
    err = capsys.readouterr().err
    assert "LOG_LEVEL" not in err
    assert "APP_ID" in err
    root = logging.getLogger()
    saved = root.level, root.handlers[:]
    try:
        setup_logging(Settings(log_level=value).logging_level)
        assert root.level == level
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]


def test_18_an_unknown_level_is_named() -> None:
    with pytest.raises(Exception, match="LOG_LEVEL"):
        Settings.from_env({"LOG_LEVEL": "verbose"})


# -- 15. text from registries and repositories is made harmless ---------------------------------


HOSTILE = "evil\x1b]0;owned\x07\x1b[2J\u202egnp.exe\u2066x\x85y\x9b31m"


def test_15_deps_prints_no_control_or_bidi_character(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`fundbot deps` on a package.json naming a hostile package: the terminal gets its
    printable letters only."""
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {HOSTILE: "1.0.0"}}))
    assert main(["deps", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "evil" in out
    for bad in ("\x1b", "\x07", "\u202e", "\u2066", "\x85", "\x9b"):
        assert bad not in out


def test_15_csv_cells_and_markdown_carry_no_controls_and_no_gh_reference() -> None:
    """CSV cells lose controls and bidi overrides; in an issue `GH-123` links nothing."""
    from fundbot.render.markdown import escape
    from fundbot.safe_text import spreadsheet_cell

    cell = spreadsheet_cell(HOSTILE)
    assert cell.startswith("evil")
    assert all(ch.isprintable() for ch in cell)
    assert "\u202e" not in cell
    assert escape("fixes GH-123 and gh-7 and #9") == (
        "fixes GH&#8203;-123 and gh&#8203;-7 and #&#8203;9"
    )
    assert "\u202e" not in escape(HOSTILE)


# -- 2. a lost data directory recovers by itself ---------------------------------------------


async def test_2_data_dir_deleted_between_two_pushes_converges(
    fake: FakeServer, tmp_path: Path
) -> None:
    """Install, push; the data directory is lost (a new container without its volume);
    push again: the App scans the whole installation first, and the issues end as a fresh
    install would leave them, none duplicated."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    serve_registry_fixtures(fake)
    data = tmp_path / "data"
    async with app_under_test(fake, data, github) as app:
        await app.install()
        github.repo("acme/shop").files["api/requirements.txt"] = "flask==3.0.0\ndjango==5.0\n"
        push = push_payload("acme/shop", modified=("api/requirements.txt",))
        assert await app.deliver("push", push) == 202
        await app.settle()
    shutil.rmtree(data)
    github.repo("acme/shop").files["api/requirements.txt"] = "flask==3.0.0\nhttpx==0.27\n"
    async with app_under_test(fake, data, github) as app:
        push = push_payload("acme/shop", modified=("api/requirements.txt",))
        assert await app.deliver("push", push) == 202
        await app.settle()
    converged = {repo: github.bot_issues(repo) for repo in ("acme/shop", "acme/.github")}
    assert {repo: len(issues) for repo, issues in converged.items()} == {
        "acme/shop": 1,
        "acme/.github": 1,
    }
    assert "pypi:httpx" in converged["acme/.github"][0].body
    assert "pypi:django" not in converged["acme/.github"][0].body
    # A fresh install (another empty data directory) finds nothing to change.
    patches = github.count("PATCH")
    async with app_under_test(fake, tmp_path / "fresh", github) as app:
        await app.install()
    assert github.count("PATCH") == patches
    assert len(github.bot_issues("acme/.github")) == 1


async def test_2_reconcile_scans_installations_github_lists(
    fake: FakeServer, tmp_path: Path
) -> None:
    """An empty data directory and no delivery at all: the reconcile at start lists the
    App's installations from GitHub and fully scans the one it has no scan of."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github, reconcile=True) as app:
        for _ in range(200):
            if github.bot_issues("acme/.github"):
                break
            await asyncio.sleep(0.05)
        await app.settle()
    assert github.count("GET", "/app/installations") >= 1
    assert len(github.bot_issues("acme/shop")) == 1
    assert len(github.bot_issues("acme/.github")) == 1


# -- 12. slow clients: header and body read timeouts, a cap on open connections --------------------


@contextlib.asynccontextmanager
async def _served(queue: SqliteQueue, **overrides: Any) -> AsyncIterator[int]:
    """The webhook app listening the way `fundbot serve` listens; yields its port."""
    settings = Settings(webhook_secret=Secret(SECRET), host="127.0.0.1").with_overrides(**overrides)
    runner = web.AppRunner(make_app(settings, queue=queue), **server_options(settings))
    await runner.setup()
    listener = await listen(runner, settings, 0)
    try:
        yield listener.sockets[0].getsockname()[1]
    finally:
        listener.close()
        await runner.cleanup()


async def _closed_after(reader: asyncio.StreamReader, within: float) -> float:
    """Seconds until the server closes the connection (reads to EOF), failing after `within`."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with asyncio.timeout(within):
        while await reader.read(4096):
            pass
    return loop.time() - started


async def _trickle(writer: asyncio.StreamWriter, data: bytes, every: float = 0.2) -> None:
    for i in range(len(data)):
        writer.write(data[i : i + 1])
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        await asyncio.sleep(every)


async def test_12_read_timeout_is_30_seconds_unless_set() -> None:
    assert Settings().read_timeout == 30.0
    assert Settings.from_env({"FUNDBOT_READ_TIMEOUT": "1.5"}).read_timeout == 1.5
    assert Settings.from_env({"FUNDBOT_MAX_CONNECTIONS": "3"}).max_connections == 3


async def test_12_trickled_headers_are_closed_after_the_read_timeout(queue: SqliteQueue) -> None:
    async with _served(queue, read_timeout=1.0) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        head = b"POST /api/github/webhooks HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: ping\r\n" * 5
        trickling = asyncio.create_task(_trickle(writer, head))
        try:
            assert await _closed_after(reader, within=5.0) < 3.0
        finally:
            trickling.cancel()
            writer.close()


async def test_12_trickled_body_is_closed_after_the_read_timeout(queue: SqliteQueue) -> None:
    async with _served(queue, read_timeout=1.0) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        body = _created()
        headers = delivery_headers("installation", body)
        lines = ["POST /api/github/webhooks HTTP/1.1", "Host: x"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        lines += [f"Content-Length: {len(body)}", "", ""]
        writer.write("\r\n".join(lines).encode())
        trickling = asyncio.create_task(_trickle(writer, body))
        try:
            assert await _closed_after(reader, within=5.0) < 3.0
        finally:
            trickling.cancel()
            writer.close()


async def test_12_a_prompt_client_is_answered_at_once(queue: SqliteQueue) -> None:
    """The timeouts do not slow handlers down: a whole request is answered immediately."""
    async with _served(queue, read_timeout=5.0) as port:
        loop = asyncio.get_running_loop()
        started = loop.time()
        body = _created()
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"http://127.0.0.1:{port}/api/github/webhooks",
                data=body,
                headers=delivery_headers("installation", body),
            ) as resp,
        ):
            assert resp.status == 202
        assert loop.time() - started < 1.0


async def test_12_connections_over_the_cap_are_refused(queue: SqliteQueue) -> None:
    async with _served(queue, max_connections=2) as port:
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
        await asyncio.sleep(0.1)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        async with asyncio.timeout(5):
            answer = await reader.read()
        assert answer.startswith(b"HTTP/1.1 503")
        writer.close()
        for _, w in held:
            w.close()
        await asyncio.sleep(0.1)
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as resp,
        ):
            assert resp.status == 200


# -- 3. uninstall then reinstall -------------------------------------------------------------------


async def test_3_uninstall_then_reinstall_ends_scanned_and_published(
    fake: FakeServer, tmp_path: Path
) -> None:
    """`installation deleted` then at once `installation created`: the forget job drops
    only what was queued before it, so the reinstall's full scan runs and publishes."""
    github = FakeGitHub()
    github.add_installation(7, "acme", acme())
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
        github.repo("acme/shop").files["api/requirements.txt"] = "flask==3.0.0\nhttpx==0.27\n"
        # Both deliveries are queued before any worker looks: "at once".
        await app.started.workers.stop()
        deleted = app.installation_payload(action="deleted")
        assert await app.deliver("installation", deleted) == 202
        assert await app.deliver("installation", app.installation_payload()) == 202
        app.started.workers.start()
        await app.settle()
        store = app.started.context.store
        assert await store.scans(7)
        assert [i.id for i in await store.installations()] == [7]
    plan = github.bot_issues("acme/.github")
    assert len(plan) == 1
    assert len(github.bot_issues("acme/shop")) == 1
    assert "pypi:httpx" in plan[0].body
