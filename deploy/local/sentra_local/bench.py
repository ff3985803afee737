"""`make bench`: what one hop costs, on one broker and one database, in one run.

R1 raw     aiokafka produce -> consume, nothing else (the floor).
R2 naive   consume one, open a transaction, write, send_and_wait, commit the offset: per message.
R3 sentra  our hop: consume a batch -> one transaction (inbox + state + outbox per record)
           -> relay (LISTEN/NOTIFY) -> publish -> consumed downstream.

Each round sends the same number of messages as one burst; throughput is messages over
the time from the first send to the last arrival, latency is per message from its send
to its arrival downstream (so under a burst it includes queueing). The stack is a fresh
Kafka + PostgreSQL on free loopback ports, stopped and removed at the end.
Results: a printed table and `.sentra/bench/hop.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import uvloop
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from faststream.kafka import KafkaBroker
from sentra_shared.config import ServiceSettings
from sentra_shared.consumer import EventConsumer, EventHandlers
from sentra_shared.database import create_pool, migrate
from sentra_shared.envelope import encode, headers_for
from sentra_shared.events import (
    NOTIFICATIONS_TOPIC,
    ApplicantNotified,
    ApplicationKind,
    ApplicationSubmitted,
)
from sentra_shared.kafka_login import KafkaLogin
from sentra_shared.outbox import add_to_outbox
from sentra_shared.relay import OutboxRelay
from sentra_shared.telemetry import build_tracer_provider

from sentra_local.kafka import KafkaNode
from sentra_local.on_kafka import assign_at_end
from sentra_local.paths import state_dir
from sentra_local.postgres import PostgresCluster, reachable_home
from sentra_local.processes import free_port
from sentra_local.stack import Stack, remove_throwaway

BENCH_DB = "sentra_bench"
PARTITIONS = 6
STATE_SQL = "CREATE TABLE bench_state (application_id uuid PRIMARY KEY, seen_at timestamptz);"

Sent = dict[bytes, float]  # key -> monotonic send time


class Arrivals:
    """Reads a topic from its current end and records when each key arrives."""

    def __init__(self, kafka: KafkaLogin, topic: str) -> None:
        self._consumer = AIOKafkaConsumer(**kafka.aiokafka(), group_id=None)
        self._topic = topic
        self.at: dict[bytes, float] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        partitions = [TopicPartition(self._topic, p) for p in range(PARTITIONS)]
        await assign_at_end(self._consumer, partitions)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            for records in (await self._consumer.getmany(timeout_ms=100)).values():
                now = time.monotonic()
                for record in records:
                    self.at.setdefault(record.key or b"", now)

    async def wait_for(self, keys: Sent, within: float) -> None:
        deadline = time.monotonic() + within
        while len(self.at.keys() & keys.keys()) < len(keys):
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(self.at)} of {len(keys)} arrived on {self._topic}")
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        await self._consumer.stop()


def summary(sent: Sent, arrived: dict[bytes, float]) -> dict[str, float]:
    latencies = sorted((arrived[k] - t) * 1000 for k, t in sent.items())
    span = max(arrived[k] for k in sent) - min(sent.values())
    return {
        "msgs_per_s": round(len(sent) / span, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 2),
    }


def submitted_event() -> ApplicationSubmitted:
    return ApplicationSubmitted(
        application_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        kind=ApplicationKind.PLACEMENT,
        regency_code="3301",
    )


async def burst(producer: AIOKafkaProducer, topic: str, count: int) -> Sent:
    """Send `count` real events as fast as the producer batches them; key = application."""
    sent: Sent = {}
    pending = []
    for _ in range(count):
        event = submitted_event()
        headers = [(k, v.encode()) for k, v in headers_for(event).items()]
        sent[event.key] = time.monotonic()
        pending.append(await producer.send(topic, encode(event), key=event.key, headers=headers))
        if len(pending) >= 500:  # bounded in-flight sends (aiokafka #1065)
            await asyncio.gather(*pending)
            pending.clear()
    await asyncio.gather(*pending)
    return sent


async def measure(
    kafka: KafkaLogin, source: str, sink: str, count: int, within: float
) -> dict[str, float]:
    arrivals = Arrivals(kafka, sink)
    producer = AIOKafkaProducer(**kafka.aiokafka(), enable_idempotence=True, linger_ms=2)
    await arrivals.start()
    await producer.start()
    try:
        sent = await burst(producer, source, count)
        await arrivals.wait_for(sent, within)
        return summary(sent, arrivals.at)
    finally:
        await producer.stop()
        await arrivals.stop()


async def raw_round(kafka: KafkaLogin, count: int, within: float) -> dict[str, float]:
    return await measure(kafka, "bench.raw", "bench.raw", count, within)


async def naive_round(
    kafka: KafkaLogin, pool: asyncpg.Pool, count: int, within: float
) -> dict[str, float]:
    consumer = AIOKafkaConsumer(
        "bench.naive.in",
        **kafka.aiokafka(),
        group_id=f"bench-naive-{uuid.uuid4()}",
        enable_auto_commit=False,
        auto_offset_reset="latest",
    )
    producer = AIOKafkaProducer(**kafka.aiokafka(), enable_idempotence=True)
    await consumer.start()
    await producer.start()
    await _wait_assigned(consumer)

    async def serve() -> None:
        while True:
            record = await consumer.getone()
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute(
                    "INSERT INTO bench_state VALUES ($1, now()) ON CONFLICT DO NOTHING",
                    uuid.UUID(record.key.decode()),
                )
            await producer.send_and_wait("bench.naive.out", record.value, key=record.key)
            await consumer.commit()

    task = asyncio.create_task(serve())
    try:
        return await measure(kafka, "bench.naive.in", "bench.naive.out", count, within)
    finally:
        task.cancel()
        await consumer.stop()
        await producer.stop()


async def sentra_round(
    kafka: KafkaLogin, pool: asyncpg.Pool, count: int, within: float
) -> dict[str, float]:
    handlers = EventHandlers(consumer="bench")

    @handlers.on(ApplicationSubmitted)
    async def hop(conn: asyncpg.Connection, event: ApplicationSubmitted) -> None:
        await conn.execute(
            "INSERT INTO bench_state VALUES ($1, now()) ON CONFLICT DO NOTHING",
            event.application_id,
        )
        await add_to_outbox(
            conn,
            ApplicantNotified(
                application_id=event.application_id,
                occurred_at=event.occurred_at,
                channel="sms",
                about=event.ce_type(),
                final=False,
            ),
        )

    # As a service runs it (sentra_shared.runtime): its tracing (no exporter here), the
    # relay's and the consumer's linger from the service settings' defaults.
    tracer = build_tracer_provider("bench").get_tracer("bench")
    fields = ServiceSettings.model_fields
    outbox_linger_ms: int = fields["outbox_linger_ms"].default
    consumer_linger_ms: int = fields["consumer_linger_ms"].default
    broker = KafkaBroker(
        kafka.bootstrap, security=kafka.faststream(), enable_idempotence=True, linger_ms=2
    )
    await broker.start()
    relay_producer = AIOKafkaProducer(
        **kafka.aiokafka(), enable_idempotence=True, linger_ms=outbox_linger_ms
    )
    await relay_producer.start()
    relay = OutboxRelay(
        pool,
        relay_producer,
        tracer,
        batch_size=500,
        poll_interval=1.0,
        linger=outbox_linger_ms / 1000,
    )
    consumer = EventConsumer(
        handlers,
        lambda: pool,
        broker,
        tracer,
        login=kafka,
        group_id=f"bench-sentra-{uuid.uuid4()}",
        linger_ms=consumer_linger_ms,
    )
    await relay.start()
    await consumer.start()
    try:
        await _wait_until_consuming(consumer)
        return await measure(kafka, handlers.topics[0], NOTIFICATIONS_TOPIC, count, within)
    finally:
        await consumer.stop()
        await relay.stop()
        await relay_producer.stop()
        await broker.stop()


async def _wait_assigned(consumer: AIOKafkaConsumer) -> None:
    for _ in range(600):  # a group join takes a few seconds; give up after 30
        if consumer.assignment():
            break
        await asyncio.sleep(0.05)
    else:
        raise TimeoutError("the consumer group did not assign partitions")
    for tp in consumer.assignment():  # "latest": fix the start before anything is sent
        await consumer.position(tp)


async def _wait_until_consuming(consumer: EventConsumer) -> None:
    inner = consumer._consumer  # the bench may peek: it must not send before the group joined
    assert inner is not None
    await _wait_assigned(inner)


async def run(stack: Stack, count: int, within: float) -> dict[str, dict[str, float]]:
    kafka = stack.kafka.admin
    admin = AIOKafkaAdminClient(**kafka.aiokafka())
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(t, PARTITIONS, 1) for t in ("bench.raw", "bench.naive.in", "bench.naive.out")]
        )
    finally:
        await admin.close()
    await stack.postgres.recreate_databases([BENCH_DB])
    migrations = state_dir() / "bench" / "migrations"
    migrations.mkdir(parents=True, exist_ok=True)
    (migrations / "0001_bench_state.sql").write_text(STATE_SQL)
    pool = await create_pool(stack.postgres.dsn(BENCH_DB), max_size=4)
    try:
        await migrate(pool, migrations)
        results: dict[str, dict[str, float]] = {}
        rounds: list[tuple[str, Callable[[], Awaitable[dict[str, float]]]]] = [
            ("raw", lambda: raw_round(kafka, count, within)),
            ("naive", lambda: naive_round(kafka, pool, count, within)),
            ("sentra", lambda: sentra_round(kafka, pool, count, within)),
        ]
        for name, round_ in rounds:
            print(f"  {name}: {count} messages ...", flush=True)
            results[name] = await round_()
        return results
    finally:
        await pool.close()


def report(results: dict[str, dict[str, float]], path: Path) -> dict[str, Any]:
    raw, naive, ours = results["raw"], results["naive"], results["sentra"]
    document: dict[str, Any] = {
        **results,
        "ratios": {
            "sentra_over_raw": round(ours["msgs_per_s"] / raw["msgs_per_s"], 3),
            "sentra_over_naive": round(ours["msgs_per_s"] / naive["msgs_per_s"], 2),
        },
    }
    print(f"\n  {'round':<8} {'msgs/s':>10} {'p50 ms':>10} {'p99 ms':>10}")
    labels = {"raw": "R1 raw", "naive": "R2 naive", "sentra": "R3 sentra"}
    for name, label in labels.items():
        r = results[name]
        print(f"  {label:<10} {r['msgs_per_s']:>8} {r['p50_ms']:>10} {r['p99_ms']:>10}")
    ratios = document["ratios"]
    print(f"\n  R3/R1 = {ratios['sentra_over_raw']}   R3/R2 = {ratios['sentra_over_naive']}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"  written to {path}")
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sentra-bench", description=__doc__)
    parser.add_argument("--count", type=int, default=3000, help="messages per round")
    parser.add_argument("--within", type=float, default=120.0, help="seconds per round")
    args = parser.parse_args(argv)
    home = state_dir() / "bench" / "stack"
    shutil.rmtree(home, ignore_errors=True)
    stack = Stack(
        kafka=KafkaNode(home / "kafka", port=free_port(), controller_port=free_port()),
        postgres=PostgresCluster(reachable_home(home / "postgres"), port=free_port()),
    )
    print("Starting a Kafka broker and a PostgreSQL cluster for the benchmark (loopback)")
    try:
        stack.up()
        # The event loop every service runs on (sentra_shared.runtime.serve), for all rounds.
        results = uvloop.run(run(stack, args.count, args.within))
        report(results, state_dir() / "bench" / "hop.json")
    finally:
        stopped = remove_throwaway(stack, home)
        print(f"Stopped what the benchmark started: {', '.join(stopped) or 'nothing'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
