"""Several processes of one service against real PostgreSQL and Kafka: migrators starting
at once, a migration edited after it was applied, and two relays sharing one outbox."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from opentelemetry.sdk.trace import TracerProvider
from sentra_local.stack import Stack
from sentra_shared.database import MigrationChanged, create_pool, migrate
from sentra_shared.events import ApplicationKind, ApplicationSubmitted
from sentra_shared.outbox import OUTBOX_RELAY_LOCK, add_to_outbox
from sentra_shared.relay import OutboxRelay

DB = "sentra_several_test"


@pytest.fixture
async def database(local_stack: Stack) -> str:
    await local_stack.postgres.recreate_databases([DB])
    return local_stack.postgres.dsn(DB)


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    # Not idempotent on purpose: a second run of 0001 fails (the table exists), and the
    # row counts how often it ran.
    (tmp_path / "0001_ran.sql").write_text("CREATE TABLE ran (n int); INSERT INTO ran VALUES (1);")
    (tmp_path / "0002_more.sql").write_text("INSERT INTO ran VALUES (2);")
    return tmp_path


async def test_two_migrators_starting_at_once_apply_each_file_once(
    database: str, migrations: Path
) -> None:
    pools = [await create_pool(database) for _ in range(2)]
    try:
        first, second = await asyncio.gather(*(migrate(pool, migrations) for pool in pools))
        # One of them applied everything; the other found it done.
        assert sorted([first, second], key=len)[0] == []
        applied = sorted([first, second], key=len)[1]
        assert "service/0001_ran.sql" in applied and "service/0002_more.sql" in applied
        assert [r["n"] for r in await pools[0].fetch("SELECT n FROM ran ORDER BY n")] == [1, 2]
        recorded = {
            r["name"]: r["checksum"]
            for r in await pools[0].fetch("SELECT name, checksum FROM schema_migrations")
        }
        assert recorded["service/0001_ran.sql"] == _sha256(migrations / "0001_ran.sql")
        assert all(recorded.values())
    finally:
        for pool in pools:
            await pool.close()


async def test_a_migration_edited_after_it_was_applied_stops_the_start(
    database: str, migrations: Path
) -> None:
    pool = await create_pool(database)
    try:
        await migrate(pool, migrations)
        (migrations / "0002_more.sql").write_text("INSERT INTO ran VALUES (20);")
        (migrations / "0003_new.sql").write_text("INSERT INTO ran VALUES (3);")
        with pytest.raises(MigrationChanged, match=r"service/0002_more\.sql"):
            await migrate(pool, migrations)
        # Refused before anything ran: the new file waits too.
        assert [r["n"] for r in await pool.fetch("SELECT n FROM ran ORDER BY n")] == [1, 2]
    finally:
        await pool.close()


async def test_files_applied_before_checksums_were_kept_are_recorded_then_checked(
    database: str, migrations: Path
) -> None:
    pool = await create_pool(database)
    try:
        await migrate(pool, migrations)
        # As a database migrated by the runner before the column existed looks.
        await pool.execute("ALTER TABLE schema_migrations DROP COLUMN checksum")
        assert await migrate(pool, migrations) == []
        assert await pool.fetchval(
            "SELECT checksum FROM schema_migrations WHERE name = 'service/0001_ran.sql'"
        ) == _sha256(migrations / "0001_ran.sql")
        (migrations / "0001_ran.sql").write_text("CREATE TABLE ran (n bigint);")
        with pytest.raises(MigrationChanged, match=r"service/0001_ran\.sql"):
            await migrate(pool, migrations)
    finally:
        await pool.close()


@pytest.fixture
async def outbox(database: str, tmp_path: Path) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database)
    await migrate(pool, tmp_path)  # the shared plumbing only
    try:
        yield pool
    finally:
        await pool.close()


def submitted(application_id: uuid.UUID) -> ApplicationSubmitted:
    return ApplicationSubmitted(
        application_id=application_id,
        occurred_at=datetime.now(UTC),
        kind=ApplicationKind.PLACEMENT,
        regency_code="3301",
    )


async def test_a_relay_publishes_nothing_while_another_holds_the_outbox(
    outbox: asyncpg.Pool,
) -> None:
    """Only the holder of the relay lock claims rows: a second relay's turn is a no-op,
    so it can never publish a later row of an application ahead of the holder's batch."""
    async with outbox.acquire() as conn, conn.transaction():
        await add_to_outbox(conn, submitted(uuid.uuid4()))
    # Never reaches the broker: the claim stops at the lock.
    relay = OutboxRelay(outbox, cast(AIOKafkaProducer, None), TracerProvider().get_tracer("t"))
    async with outbox.acquire() as holder, holder.transaction():
        await holder.execute("SELECT pg_advisory_xact_lock($1)", OUTBOX_RELAY_LOCK)
        assert await relay.drain() == 0
        assert relay.busy_turns == 1
    assert await _unpublished(outbox) == 1


async def _unpublished(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
