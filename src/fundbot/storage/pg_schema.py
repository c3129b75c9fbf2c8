"""The PostgreSQL schema: procrastinate's tables and fundbot's, versioned, migrated under a lock.

`fundbot db migrate` is the only writer of the schema. It takes a transaction-level advisory
lock first, so two processes migrating at once apply each step exactly once; `serve` and
`worker` only read the version and refuse an older one.
"""

from __future__ import annotations

import logging

import psycopg
from procrastinate.schema import SchemaManager

from fundbot.errors import FundbotError

log = logging.getLogger(__name__)

# Any constant both migrators agree on; "fundbot" in ASCII.
MIGRATION_LOCK = 0x66756E64626F74

FUNDBOT_TABLES = """
CREATE TABLE IF NOT EXISTS installations (
    id BIGINT PRIMARY KEY,
    account TEXT NOT NULL DEFAULT '',
    last_scan_at DOUBLE PRECISION,
    developers INTEGER,
    developers_method TEXT,
    developers_at DOUBLE PRECISION
);
CREATE TABLE IF NOT EXISTS repositories (
    installation_id BIGINT NOT NULL,
    full_name TEXT NOT NULL,
    info TEXT NOT NULL,
    tree_sha TEXT,
    config_sha TEXT,
    scan TEXT,
    skipped TEXT,
    scanned_at DOUBLE PRECISION,
    PRIMARY KEY (installation_id, full_name)
);
CREATE TABLE IF NOT EXISTS issues (
    repository TEXT NOT NULL,
    marker TEXT NOT NULL,
    installation_id BIGINT NOT NULL,
    number INTEGER NOT NULL,
    body_hash TEXT NOT NULL,
    PRIMARY KEY (repository, marker)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    received_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_received ON deliveries(received_at);
CREATE TABLE IF NOT EXISTS funding (
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    data TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (ecosystem, name)
);
CREATE TABLE IF NOT EXISTS validators (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    body BYTEA NOT NULL,
    stored_at DOUBLE PRECISION
);
-- A job going back to `todo` (retried, or taken from a dead worker) absorbs an identical
-- job queued meanwhile, as the SQLite queue does: otherwise procrastinate's unique
-- `queueing_lock` index would refuse the retry.
CREATE OR REPLACE FUNCTION fundbot_absorb_queued_twin() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.queueing_lock IS NOT NULL THEN
        DELETE FROM procrastinate_jobs
         WHERE queueing_lock = NEW.queueing_lock AND status = 'todo' AND id <> NEW.id;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER fundbot_absorb_queued_twin
    BEFORE UPDATE OF status ON procrastinate_jobs
    FOR EACH ROW WHEN (NEW.status = 'todo' AND OLD.status <> 'todo')
    EXECUTE FUNCTION fundbot_absorb_queued_twin();
"""

# Issue 13, item 14: the digest of each body accepted in the last day (a signed body sent
# again under a fresh delivery id is a replay). The reconcile prunes it.
WEBHOOK_BODIES = """
CREATE TABLE webhook_bodies (
    digest TEXT PRIMARY KEY,
    received_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX webhook_bodies_received ON webhook_bodies(received_at);
"""

# Version n is reached by applying step n to version n-1. Append, never edit.
STEPS: tuple[str, ...] = ("procrastinate+fundbot tables", "webhook body digests (replays)")
SCHEMA_VERSION = len(STEPS)


class SchemaOutdated(FundbotError):
    """The database's schema is older (or newer) than this fundbot's."""


async def current_version(conn: psycopg.AsyncConnection[tuple[object, ...]]) -> int:
    """The applied version; 0 for an empty database."""
    cur = await conn.execute("SELECT to_regclass('fundbot_schema') IS NOT NULL")
    row = await cur.fetchone()
    if not row or not row[0]:
        return 0
    cur = await conn.execute("SELECT COALESCE(MAX(version), 0) FROM fundbot_schema")
    row = await cur.fetchone()
    return int(row[0]) if row else 0  # type: ignore[call-overload]


async def migrate(conninfo: str) -> tuple[int, int]:
    """Bring the schema to SCHEMA_VERSION; (version before, version after). Idempotent."""
    async with await psycopg.AsyncConnection.connect(conninfo) as conn, conn.transaction():
        # Held until commit: a second migrator waits here, then finds nothing to do.
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        before = await current_version(conn)
        if before > SCHEMA_VERSION:
            raise SchemaOutdated(
                f"the database has schema version {before}, newer than this fundbot's "
                f"{SCHEMA_VERSION}: upgrade fundbot"
            )
        for version in range(before + 1, SCHEMA_VERSION + 1):
            await _apply(conn, version)
            log.info("schema migrated", extra={"version": version})
        return before, SCHEMA_VERSION


async def _apply(conn: psycopg.AsyncConnection[tuple[object, ...]], version: int) -> None:
    if version == 1:
        cur = await conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")
        row = await cur.fetchone()
        if not (row and row[0]):
            # Sent without parameters, so its `%` signs stay as they are.
            await conn.execute(SchemaManager.get_schema())
        await conn.execute(FUNDBOT_TABLES)
        await conn.execute("CREATE TABLE fundbot_schema (version INTEGER NOT NULL)")
    elif version == 2:
        await conn.execute(WEBHOOK_BODIES)
    await conn.execute("INSERT INTO fundbot_schema(version) VALUES (%s)", (version,))


async def check_current(conninfo: str) -> None:
    """Raise SchemaOutdated naming the command to run, unless the schema is current."""
    async with await psycopg.AsyncConnection.connect(conninfo) as conn:
        version = await current_version(conn)
    if version < SCHEMA_VERSION:
        raise SchemaOutdated(
            f"the database schema is at version {version}, this fundbot needs "
            f"{SCHEMA_VERSION}: run `fundbot db migrate`"
        )
    if version > SCHEMA_VERSION:
        raise SchemaOutdated(
            f"the database has schema version {version}, newer than this fundbot's "
            f"{SCHEMA_VERSION}: upgrade fundbot"
        )
