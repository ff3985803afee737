"""The shared plumbing against real PostgreSQL and Kafka: migrations, outbox, inbox, DLQ."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from faststream.kafka import KafkaBroker
from opentelemetry import context as otel_context
from opentelemetry.sdk.trace import TracerProvider
from sentra_local.stack import Stack
from sentra_local.testing import wait_until
from sentra_shared.batch import BatchApplier
from sentra_shared.consumer import EventConsumer, EventHandlers
from sentra_shared.database import create_pool, migrate
from sentra_shared.envelope import decode, encode, headers_for
from sentra_shared.events import (
    DOCUMENTS_TOPIC,
    ApplicationKind,
    ApplicationSubmitted,
    DocumentsVerified,
    Event,
)
from sentra_shared.outbox import add_to_outbox
from sentra_shared.relay import OutboxRelay, sampled
from sentra_shared.telemetry import context_from_traceparent
from sentra_shared.topics import DLQ_SUFFIX

PLUMBING_DB = "sentra_plumbing_test"


@pytest.fixture
async def pool(local_stack: Stack, tmp_path: Path) -> AsyncIterator[asyncpg.Pool]:
    await local_stack.postgres.recreate_databases([PLUMBING_DB])
    (tmp_path / "0001_seen.sql").write_text(
        "CREATE TABLE seen (event_id uuid PRIMARY KEY, applied int NOT NULL DEFAULT 1);"
    )
    pool = await create_pool(local_stack.postgres.dsn(PLUMBING_DB))
    await migrate(pool, tmp_path)
    try:
        yield pool
    finally:
        await pool.close()


def submitted() -> ApplicationSubmitted:
    return ApplicationSubmitted(
        application_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        kind=ApplicationKind.PLACEMENT,
        regency_code="3301",
    )


async def test_migrations_apply_once_and_are_recorded(pool: asyncpg.Pool, tmp_path: Path) -> None:
    assert await migrate(pool, tmp_path) == []
    names = await pool.fetch("SELECT name FROM schema_migrations ORDER BY name")
    assert [r["name"] for r in names] == [
        "service/0001_seen.sql",
        "shared/0001_outbox_inbox.sql",
        "shared/0002_inbox_payload_hash.sql",
        "shared/0003_deadlines.sql",
        "shared/0004_unexpected_answers.sql",
        "shared/0005_audit_log.sql",
        "shared/0006_outbox_retention.sql",
    ]


async def test_relay_publishes_committed_rows_keyed_by_application(
    pool: asyncpg.Pool, local_stack: Stack
) -> None:
    kafka = local_stack.kafka.admin
    broker = AIOKafkaProducer(**kafka.aiokafka(), enable_idempotence=True)
    await broker.start()
    # A long poll interval: only LISTEN/NOTIFY can make the relay this quick.
    relay = OutboxRelay(pool, broker, TracerProvider().get_tracer("t"), poll_interval=60)
    await relay.start()
    event = submitted()
    consumer = AIOKafkaConsumer(
        DOCUMENTS_TOPIC,
        **local_stack.kafka.admin.aiokafka(),
        group_id=f"relay-test-{uuid.uuid4()}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    # The writer's trace context (here of a trace not sampled) travels with the message.
    writer = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"
    try:
        token = otel_context.attach(context_from_traceparent(writer))
        try:
            async with pool.acquire() as conn, conn.transaction():
                await add_to_outbox(conn, event)
        finally:
            otel_context.detach(token)

        record = await asyncio.wait_for(_next_matching(consumer, event.event_id), timeout=5)
        assert record.key == str(event.application_id).encode()
        headers = {k: v.decode() for k, v in record.headers}
        assert headers["ce_type"] == "id.sentra.documents.ApplicationSubmitted.v1"
        assert headers["ce_subject"] == str(event.application_id)
        assert headers["correlation_id"] == str(event.application_id)
        assert headers["content-type"] == "application/json"
        assert headers["traceparent"] == writer
        assert decode(headers, record.value) == event

        async def marked() -> bool:
            published = await pool.fetchval(
                "SELECT published_at FROM outbox WHERE event_id = $1", event.event_id
            )
            return published is not None

        await wait_until(marked, within=5)
    finally:
        await consumer.stop()
        await relay.stop()
        await broker.stop()


async def _next_matching(consumer: AIOKafkaConsumer, event_id: uuid.UUID):  # type: ignore[no-untyped-def]
    while True:
        record = await consumer.getone()
        if dict(record.headers).get("ce_id") == str(event_id).encode():
            return record


async def test_a_redelivered_event_is_applied_once(pool: asyncpg.Pool) -> None:
    handlers = EventHandlers(consumer="plumbing-test")

    @handlers.on(ApplicationSubmitted)
    async def count(conn: asyncpg.Connection, event: ApplicationSubmitted) -> None:
        await conn.execute(
            """INSERT INTO seen (event_id) VALUES ($1)
               ON CONFLICT (event_id) DO UPDATE SET applied = seen.applied + 1""",
            event.event_id,
        )

    event = submitted()
    first = await handlers.handle(pool, headers_for(event), encode(event))
    again = await handlers.handle(pool, headers_for(event), encode(event))
    assert (first, again) == (True, False)
    assert await pool.fetchval("SELECT applied FROM seen WHERE event_id = $1", event.event_id) == 1


async def test_a_failing_handler_leaves_no_trace_so_the_retry_applies_it(
    pool: asyncpg.Pool,
) -> None:
    handlers = EventHandlers(consumer="plumbing-retry")
    attempts: list[int] = []

    @handlers.on(ApplicationSubmitted)
    async def flaky(conn: asyncpg.Connection, event: ApplicationSubmitted) -> None:
        await conn.execute("INSERT INTO seen (event_id) VALUES ($1)", event.event_id)
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("database went away mid-transaction")

    event = submitted()
    with pytest.raises(ConnectionError):
        await handlers.handle(pool, headers_for(event), encode(event))
    # Neither the inbox row nor the state change survived the failed attempt.
    assert (
        await pool.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", event.event_id) == 0
    )
    assert await handlers.handle(pool, headers_for(event), encode(event)) is True
    assert await pool.fetchval("SELECT applied FROM seen WHERE event_id = $1", event.event_id) == 1


async def test_poison_message_goes_to_the_dead_letter_topic_and_the_partition_moves_on(
    pool: asyncpg.Pool, local_stack: Stack
) -> None:
    handlers = EventHandlers(consumer="plumbing-dlq")
    applied: list[uuid.UUID] = []

    @handlers.on(ApplicationSubmitted)
    async def record(conn: asyncpg.Connection, event: ApplicationSubmitted) -> None:
        applied.append(event.application_id)

    group = f"plumbing-dlq-{uuid.uuid4()}"
    kafka = local_stack.kafka.admin
    broker = KafkaBroker(kafka.bootstrap, security=kafka.faststream())
    consumer = EventConsumer(
        handlers,
        lambda: pool,
        broker,
        TracerProvider().get_tracer("t"),
        login=kafka,
        group_id=group,
    )
    producer = AIOKafkaProducer(**local_stack.kafka.admin.aiokafka())
    dead_letters = AIOKafkaConsumer(
        DOCUMENTS_TOPIC + DLQ_SUFFIX,
        **local_stack.kafka.admin.aiokafka(),
        group_id=f"{group}-reader",
        auto_offset_reset="earliest",
    )
    await asyncio.gather(broker.start(), producer.start(), dead_letters.start())
    await consumer.start()
    try:
        good = submitted()
        key = str(good.application_id).encode()  # same key, so same partition as the poison
        poison_headers = [("ce_type", b"id.sentra.documents.ApplicationSubmitted.v1")]
        await producer.send_and_wait(DOCUMENTS_TOPIC, b"{not json", key=key, headers=poison_headers)
        good_headers = [(k, v.encode()) for k, v in headers_for(good).items()]
        await producer.send_and_wait(DOCUMENTS_TOPIC, encode(good), key=key, headers=good_headers)

        await wait_until(lambda: good.application_id in applied, within=20)
        dead = await asyncio.wait_for(dead_letters.getone(), timeout=10)
        while dead.key != key:
            dead = await asyncio.wait_for(dead_letters.getone(), timeout=10)
        reasons = {k: v.decode() for k, v in dead.headers}
        assert dead.value == b"{not json"
        assert reasons["dlq_original_topic"] == DOCUMENTS_TOPIC
        assert reasons["dlq_error_class"] == "UndecodableEvent"
        assert "schema" in reasons["dlq_error_message"]
        assert int(reasons["dlq_original_offset"]) >= 0
    finally:
        await consumer.stop()
        await asyncio.gather(broker.stop(), producer.stop(), dead_letters.stop())


def test_envelope_headers_are_cloudevents_binary_mode() -> None:
    event = submitted()
    headers = headers_for(event)
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_id"] == str(event.event_id)
    assert headers["ce_source"] == "/sentra/documents"
    assert headers["content-type"] == "application/json"
    assert json.loads(encode(event))["application_id"] == str(event.application_id)


def test_only_a_sampled_traceparent_counts_as_sampled() -> None:
    trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"
    assert sampled(f"{trace}-01") and sampled(f"{trace}-03")
    assert not sampled(f"{trace}-00") and not sampled(f"{trace}-02")
    assert not sampled(None) and not sampled("") and not sampled("garbage-zz")


async def test_a_batch_of_records_not_ours_reports_no_handler_runs(pool: asyncpg.Pool) -> None:
    """The metrics read `handled` after each committed batch: a batch whose records are
    all of types this consumer skips must not report the previous batch's runs again."""
    handlers = EventHandlers(consumer="plumbing-test-handled")

    @handlers.on(ApplicationSubmitted)
    async def noop(conn: asyncpg.Connection, event: ApplicationSubmitted) -> None:
        return None

    applier = BatchApplier(handlers, lambda: pool, TracerProvider().get_tracer("test"))
    partition = TopicPartition(DOCUMENTS_TOPIC, 0)

    def record(event: Event, offset: int) -> ConsumerRecord[bytes, bytes]:
        headers = [(k, v.encode()) for k, v in headers_for(event).items()]
        return ConsumerRecord(
            DOCUMENTS_TOPIC, 0, offset, 0, 0, event.key, encode(event), None, 0, 0, headers
        )

    await applier.apply({partition: [record(submitted(), 0)]})
    assert [h.event_type for h in applier.handled] == ["ApplicationSubmitted"]
    verified = DocumentsVerified(
        application_id=uuid.uuid4(), occurred_at=datetime.now(UTC), kind=ApplicationKind.PLACEMENT
    )
    assert await applier.apply({partition: [record(verified, 1)]}) == []
    assert applier.handled == []
