"""Published outbox rows are purged after the retention; newer and unpublished rows stay."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from opentelemetry.sdk.trace import TracerProvider
from sentra_local.stack import Stack
from sentra_local.testing import wait_until
from sentra_shared import clock
from sentra_shared.clock import ManualClock
from sentra_shared.database import create_pool, migrate
from sentra_shared.events import ApplicationKind, ApplicationSubmitted
from sentra_shared.outbox import add_to_outbox
from sentra_shared.relay import OutboxRelay

DATABASE = "sentra_outbox_retention_test"
RETENTION = timedelta(days=7)


@pytest.fixture
async def pool(local_stack: Stack, tmp_path: Path) -> AsyncIterator[asyncpg.Pool]:
    await local_stack.postgres.recreate_databases([DATABASE])
    pool = await create_pool(local_stack.postgres.dsn(DATABASE))
    await migrate(pool, tmp_path)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
async def broker(local_stack: Stack) -> AsyncIterator[AIOKafkaProducer]:
    kafka = local_stack.kafka.admin
    broker = AIOKafkaProducer(**kafka.aiokafka(), enable_idempotence=True)
    await broker.start()
    try:
        yield broker
    finally:
        await broker.stop()


@pytest.fixture
def manual() -> Iterator[ManualClock]:
    with clock.installed(ManualClock()) as installed:
        assert isinstance(installed, ManualClock)
        yield installed


async def write(pool: asyncpg.Pool) -> uuid.UUID:
    event = ApplicationSubmitted(
        application_id=uuid.uuid4(),
        occurred_at=clock.now(),
        kind=ApplicationKind.PLACEMENT,
        regency_code="3314",
    )
    async with pool.acquire() as conn, conn.transaction():
        await add_to_outbox(conn, event)
    return event.event_id


async def remaining(pool: asyncpg.Pool) -> dict[uuid.UUID, bool]:
    """Each row still in the outbox, and whether it was published."""
    rows = await pool.fetch("SELECT event_id, published_at IS NOT NULL AS published FROM outbox")
    return {row["event_id"]: row["published"] for row in rows}


async def test_rows_published_longer_ago_than_the_retention_are_purged(
    pool: asyncpg.Pool, broker: AIOKafkaProducer, manual: ManualClock
) -> None:
    relay = OutboxRelay(
        pool, broker, TracerProvider().get_tracer("t"), retention=RETENTION, purge_batch=2
    )
    # Five rows published now: more than one purge batch.
    old = [await write(pool) for _ in range(5)]
    assert await relay.drain() == 5
    manual.advance(timedelta(days=6, hours=23))
    newer = await write(pool)
    assert await relay.drain() == 1
    unpublished = await write(pool)  # never drained: the broker has not got it

    # Just before the old rows' retention ends, nothing goes.
    assert await relay.purge_published() == 0
    assert set(await remaining(pool)) == {*old, newer, unpublished}
    manual.advance(timedelta(hours=1, minutes=1))
    assert await relay.purge_published() == 5
    assert await remaining(pool) == {newer: True, unpublished: False}

    # However old, a row the broker has not acknowledged is never purged.
    manual.advance(timedelta(days=30))
    assert await relay.purge_published() == 1
    assert await remaining(pool) == {unpublished: False}


async def test_the_relay_purges_from_its_loop_on_the_process_clock(
    pool: asyncpg.Pool, broker: AIOKafkaProducer, manual: ManualClock
) -> None:
    relay = OutboxRelay(
        pool,
        broker,
        TracerProvider().get_tracer("t"),
        poll_interval=0.1,
        retention=RETENTION,
        purge_every=timedelta(minutes=10),
    )
    await relay.start()
    try:
        first = await write(pool)

        async def published(event_id: uuid.UUID) -> bool:
            return (await remaining(pool)).get(event_id) is True

        await wait_until(lambda: published(first), within=10)
        manual.advance(RETENTION - timedelta(minutes=1))
        second = await write(pool)
        await wait_until(lambda: published(second), within=10)

        # Past the first row's retention (and past the purge interval): the loop purges it.
        manual.advance(timedelta(minutes=11))

        async def first_gone() -> bool:
            return first not in await remaining(pool)

        await wait_until(first_gone, within=10)
        assert await remaining(pool) == {second: True}
    finally:
        await relay.stop()
