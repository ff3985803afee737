"""Bad input, one case each, against the real broker and database: every poison message
lands in `<topic>.dlq` with its reason, the good message behind it on the same partition
is applied, and the consumer keeps running. Dead letters replay with `sentra-dlq`."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from faststream.kafka import KafkaBroker
from opentelemetry.sdk.trace import TracerProvider
from sentra_local.stack import Stack
from sentra_local.testing import fresh_stack, wait_until
from sentra_shared.consumer import MAX_ATTEMPTS, EventConsumer, EventHandlers
from sentra_shared.database import create_pool, migrate
from sentra_shared.dlq_command import read_dead_letters, replay
from sentra_shared.envelope import encode, headers_for
from sentra_shared.events import DOCUMENTS_TOPIC, ApplicationKind, ApplicationSubmitted
from sentra_shared.failures import RejectedEvent
from sentra_shared.kafka_login import KafkaLogin
from sentra_shared.topics import DLQ_SUFFIX

POISON_DB = "sentra_poison_test"
SUBMITTED = ApplicationSubmitted.ce_type()
REFUSED_REGENCY = "9999"  # the test handler's "domain rule" refuses it while `refusing`
BROKEN_REGENCY = "0000"  # the test handler fails on it with an unexpected error


@dataclass
class Rig:
    pool: asyncpg.Pool
    producer: AIOKafkaProducer
    dead: dict[bytes, list[ConsumerRecord[bytes, bytes]]]
    kafka: KafkaLogin  # the test's own clients: the super user
    operator: KafkaLogin  # what sentra-dlq signs in as
    refusing: list[bool] = field(default_factory=lambda: [True])

    async def send(self, key: bytes, value: bytes, headers: dict[str, bytes]) -> None:
        await self.producer.send_and_wait(
            DOCUMENTS_TOPIC, value, key=key, headers=list(headers.items())
        )

    async def applied(self, event_id: uuid.UUID) -> bool:
        found = await self.pool.fetchval("SELECT count(*) FROM seen WHERE event_id = $1", event_id)
        return bool(found)


def submitted(regency: str = "3301", **fields: object) -> ApplicationSubmitted:
    return ApplicationSubmitted(
        application_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        kind=ApplicationKind.PLACEMENT,
        regency_code=regency,
        **fields,  # type: ignore[arg-type]
    )


def wire_headers(event: ApplicationSubmitted) -> dict[str, bytes]:
    return {k: v.encode() for k, v in headers_for(event).items()}


@pytest.fixture(scope="module")
def poison_stack() -> Iterator[Stack]:
    # A stack of its own: the poison sent here must not become other tests' backlog.
    with fresh_stack("poison") as stack:
        yield stack


@pytest.fixture(scope="module")
async def rig(poison_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Rig]:
    local_stack = poison_stack
    await local_stack.postgres.recreate_databases([POISON_DB])
    migrations = tmp_path_factory.mktemp("poison-migrations")
    (migrations / "0001_seen.sql").write_text("CREATE TABLE seen (event_id uuid PRIMARY KEY);")
    pool = await create_pool(local_stack.postgres.dsn(POISON_DB))
    await migrate(pool, migrations)
    refusing = [True]
    handlers = EventHandlers(consumer="poison-test")

    @handlers.on(ApplicationSubmitted)
    async def record(conn: asyncpg.Connection, event: ApplicationSubmitted) -> None:
        if event.regency_code == REFUSED_REGENCY and refusing[0]:
            raise RejectedEvent("regency is outside the program")
        if event.regency_code == BROKEN_REGENCY:
            raise LookupError("a bug that fails every time")
        await conn.execute("INSERT INTO seen (event_id) VALUES ($1)", event.event_id)

    kafka = local_stack.kafka.admin
    broker = KafkaBroker(kafka.bootstrap, security=kafka.faststream(), enable_idempotence=True)
    group = f"poison-{uuid.uuid4()}"
    consumer = EventConsumer(
        handlers,
        lambda: pool,
        broker,
        TracerProvider().get_tracer("t"),
        login=kafka,
        group_id=group,
    )
    producer = AIOKafkaProducer(**kafka.aiokafka())
    dlq_reader = AIOKafkaConsumer(
        DOCUMENTS_TOPIC + DLQ_SUFFIX,
        **kafka.aiokafka(),
        group_id=f"{group}-dlq",
        auto_offset_reset="latest",
    )
    await asyncio.gather(broker.start(), producer.start(), dlq_reader.start())
    await consumer.start()
    dead: dict[bytes, list[ConsumerRecord[bytes, bytes]]] = {}

    async def collect() -> None:
        async for record in dlq_reader:
            dead.setdefault(record.key or b"", []).append(record)

    collector = asyncio.create_task(collect())
    try:
        yield Rig(pool, producer, dead, kafka, local_stack.kafka.login("operator"), refusing)
    finally:
        collector.cancel()
        await consumer.stop()
        await asyncio.gather(broker.stop(), producer.stop(), dlq_reader.stop())
        await pool.close()


async def assert_dead_then_moves_on(
    rig: Rig, value: bytes, headers: dict[str, bytes], error_class: str, reason: str
) -> dict[str, str]:
    """Send a poison message, then a good one with the same key (so the same partition)."""
    good = submitted()
    key = str(good.application_id).encode()
    await rig.send(key, value, headers)
    await rig.send(key, encode(good), wire_headers(good))

    await wait_until(lambda: rig.applied(good.event_id), within=20)
    await wait_until(lambda: key in rig.dead, within=20)
    (letter,) = rig.dead[key]
    reasons = {k: (v or b"").decode(errors="replace") for k, v in letter.headers}
    assert letter.value == value
    assert reasons["dlq_original_topic"] == DOCUMENTS_TOPIC
    assert int(reasons["dlq_original_partition"]) >= 0
    assert int(reasons["dlq_original_offset"]) >= 0
    assert reasons["dlq_error_class"] == error_class
    assert reason in reasons["dlq_error_message"]
    return reasons


def event_json(**changes: object) -> bytes:
    body = json.loads(encode(submitted()))
    body.update(changes)
    for name, value in list(body.items()):
        if value is ...:
            del body[name]
    return json.dumps(body).encode()


TYPE = {"ce_type": SUBMITTED.encode()}
SCHEMA = f"{SUBMITTED}: "


@pytest.mark.parametrize(
    ("value", "headers", "error_class", "reason"),
    [
        pytest.param(b"{not json", TYPE, "UndecodableEvent", SCHEMA, id="malformed-json"),
        pytest.param(b"\xff\xfe\x00\x81", TYPE, "UndecodableEvent", SCHEMA, id="non-utf8-value"),
        pytest.param(b"", TYPE, "UndecodableEvent", "empty value", id="empty-value"),
        pytest.param(
            event_json(regency_code=...), TYPE, "UndecodableEvent", SCHEMA, id="missing-field"
        ),
        pytest.param(event_json(surprise="x"), TYPE, "UndecodableEvent", SCHEMA, id="extra-field"),
        pytest.param(
            event_json(regency_code=3301), TYPE, "UndecodableEvent", SCHEMA, id="wrong-type"
        ),
        pytest.param(
            event_json(),
            {"ce_type": b"id.sentra.documents.ApplicationTeleported.v1"},
            "UndecodableEvent",
            "unknown event type",
            id="unknown-type",
        ),
        pytest.param(
            event_json(),
            {"ce_type": SUBMITTED.replace(".v1", ".v7").encode()},
            "UndecodableEvent",
            "unknown event type",
            id="unknown-version",
        ),
        pytest.param(
            event_json(padding="x" * 100_000), TYPE, "UndecodableEvent", "exceeds", id="oversized"
        ),
        pytest.param(
            event_json(),
            {**TYPE, "ce_source": b"/sentra/\xff\xfedocuments"},
            "UndecodableEvent",
            "not UTF-8",
            id="non-utf8-header",
        ),
        pytest.param(b"{}", {}, "UndecodableEvent", "missing ce_type", id="no-type-header"),
    ],
)
async def test_poison_is_dead_lettered_and_the_partition_moves_on(
    rig: Rig, value: bytes, headers: dict[str, bytes], error_class: str, reason: str
) -> None:
    reasons = await assert_dead_then_moves_on(rig, value, headers, error_class, reason)
    assert reasons["dlq_attempts"] == "1"  # decoding never improves: no retries


async def test_same_event_id_with_another_payload_is_dead_lettered(rig: Rig) -> None:
    first = submitted()
    key = str(first.application_id).encode()
    await rig.send(key, encode(first), wire_headers(first))
    await wait_until(lambda: rig.applied(first.event_id), within=20)
    altered = first.model_copy(update={"regency_code": "3302"})
    reasons = await assert_dead_then_moves_on(
        rig, encode(altered), wire_headers(altered), "ConflictingRedelivery", "another payload"
    )
    assert reasons["ce_id"] == str(first.event_id)


async def test_an_exact_redelivery_is_applied_once_and_not_dead_lettered(rig: Rig) -> None:
    event = submitted()
    key = str(event.application_id).encode()
    for _ in range(2):
        await rig.send(key, encode(event), wire_headers(event))
    later = submitted()
    await rig.send(key, encode(later), wire_headers(later))
    await wait_until(lambda: rig.applied(later.event_id), within=20)
    inbox = "SELECT count(*) FROM inbox WHERE event_id = $1"
    assert await rig.pool.fetchval(inbox, event.event_id) == 1
    assert key not in rig.dead


async def test_a_persistent_handler_failure_is_dead_lettered_after_bounded_attempts(
    rig: Rig,
) -> None:
    broken = submitted(BROKEN_REGENCY)
    reasons = await assert_dead_then_moves_on(
        rig, encode(broken), wire_headers(broken), "LookupError", "fails every time"
    )
    assert reasons["dlq_attempts"] == str(MAX_ATTEMPTS)
    assert not await rig.applied(broken.event_id)


@pytest.mark.parametrize(
    "traceparent",
    [None, b"not-a-traceparent", b"00-zzzz-0000-01", b"\xff\xfe"],
    ids=["missing", "garbage", "malformed-ids", "non-utf8"],
)
async def test_missing_or_malformed_traceparent_never_crashes(
    rig: Rig, traceparent: bytes | None
) -> None:
    event = submitted()
    key = str(event.application_id).encode()
    headers = wire_headers(event)
    if traceparent is not None:
        headers["traceparent"] = traceparent
    await rig.send(key, encode(event), headers)
    later = submitted()
    await rig.send(key, encode(later), wire_headers(later))
    await wait_until(lambda: rig.applied(later.event_id), within=20)
    if traceparent == b"\xff\xfe":
        # Not UTF-8 at all: poison like any undecodable header, never a crash loop.
        await wait_until(lambda: key in rig.dead, within=20)
    else:
        # Processed under a new trace.
        assert await rig.applied(event.event_id)


async def sentra_dlq(rig: Rig, *args: str) -> str:
    """The operator command as operators run it: its own process."""
    process = await asyncio.create_subprocess_exec(
        Path(sys.executable).with_name("sentra-dlq"),
        "--bootstrap",
        rig.operator.bootstrap,
        *args,
        env={**os.environ, **rig.operator.environment()},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_a_refused_event_is_replayed_by_application_after_the_fix(rig: Rig) -> None:
    refused = submitted(REFUSED_REGENCY)
    await assert_dead_then_moves_on(
        rig, encode(refused), wire_headers(refused), "RejectedEvent", "outside the program"
    )
    listing = await sentra_dlq(rig, "list", "--application", str(refused.application_id))
    assert "RejectedEvent: regency is outside the program" in listing
    assert "1 dead letter(s)" in listing

    rig.refusing[0] = False  # the operator fixed the cause
    letters = [
        d for d in await read_dead_letters(rig.operator)
        if d.application == str(refused.application_id)
    ]  # fmt: skip
    assert await replay(rig.operator, letters) == 1
    await wait_until(lambda: rig.applied(refused.event_id), within=20)


async def test_replay_of_one_offset_sends_exactly_that_dead_letter(rig: Rig) -> None:
    rig.refusing[0] = True
    refused = submitted(REFUSED_REGENCY)
    await assert_dead_then_moves_on(
        rig, encode(refused), wire_headers(refused), "RejectedEvent", "outside the program"
    )
    (letter,) = [
        d for d in await read_dead_letters(rig.operator)
        if d.application == str(refused.application_id)
    ]  # fmt: skip
    rig.refusing[0] = False
    replayed = await sentra_dlq(rig, "replay", "--offset", letter.position)
    assert f"replayed {letter.position} -> {DOCUMENTS_TOPIC}" in replayed
    assert "1 replayed" in replayed
    await wait_until(lambda: rig.applied(refused.event_id), within=20)
