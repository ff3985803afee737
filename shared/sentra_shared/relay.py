"""The outbox relay: publishes committed outbox rows to Kafka, in id order, and marks them.

How rows are claimed, why only one relay of a database publishes at a time and what a
crash re-publishes: the docstring of `sentra_shared.outbox`.

It publishes with a plain aiokafka producer of its own (idempotent, acks=all) rather
than through FastStream: the relay sends every event Sentra makes, and FastStream's
per-message publish path (command objects, middlewares) cost more than the send itself.
The message is the same as FastStream would write: the row's CloudEvents headers, the
`correlation_id` header (the application id) and the W3C `traceparent`. A row written
inside a sampled trace gets the spans FastStream's telemetry would have made ("outbox
relay", then a PRODUCER span "<topic> publish" whose context the message carries);
for any other row the message carries the writer's trace context as it was stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.trace import SpanKind

from sentra_shared import clock
from sentra_shared.faults import AFTER_PUBLISH_BEFORE_MARK, crash_point
from sentra_shared.outbox import (
    DEFAULT_RETENTION,
    NOTIFY_CHANNEL,
    OUTBOX_RELAY_LOCK,
    PURGE_BATCH,
    PURGE_EVERY,
)
from sentra_shared.telemetry import KAFKA_KEY, context_from_traceparent

log = logging.getLogger(__name__)


def sampled(traceparent: str | None) -> bool:
    """Whether a W3C traceparent (version-traceid-spanid-flags) is of a sampled trace."""
    if not traceparent:
        return False
    try:
        return int(traceparent.rsplit("-", 1)[1], 16) & 1 == 1
    except (IndexError, ValueError):
        return False


class OutboxRelay:
    """Publishes unpublished outbox rows in batches; wakes on NOTIFY, polls as a fallback.

    Rows are claimed by `published_at IS NULL` rather than by a high-water id: serial
    ids become visible in commit order, not id order, so `id > last_seen` can skip rows.
    Only the holder of `OUTBOX_RELAY_LOCK` claims (see the module docstring).
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        producer: AIOKafkaProducer,
        tracer: trace.Tracer,
        *,
        batch_size: int = 200,
        poll_interval: float = 1.0,
        retention: timedelta = DEFAULT_RETENTION,
        purge_every: timedelta = PURGE_EVERY,
        purge_batch: int = PURGE_BATCH,
        linger: float = 0.0,
    ) -> None:
        self._pool = pool
        self._producer = producer
        self._tracer = tracer
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._retention = retention
        self._purge_every = purge_every
        self._purge_batch = purge_batch
        self._linger = linger
        self._next_purge: datetime | None = None  # None: at the first turn of the loop
        self._wake = asyncio.Event()
        self._stopping = False
        self._stop_requested = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listener: asyncpg.Connection | None = None
        # Turns on which another relay of the same database held the lock.
        self.busy_turns = 0

    async def start(self) -> None:
        await self._listen()
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def _listen(self) -> None:
        """(Re)open the LISTEN connection; a database restart closes it silently."""
        if self._listener is not None and self._listening():
            return
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._pool.release(self._listener)
            self._listener = None
        with suppress_instrumentation():
            listener = await self._pool.acquire()
            await listener.add_listener(NOTIFY_CHANNEL, self._on_notify)
        self._listener = listener

    def _listening(self) -> bool:
        assert self._listener is not None
        try:
            return not self._listener.is_closed()
        except asyncpg.InterfaceError:
            # When its connection is lost, asyncpg (0.32) hands it back to the pool itself
            # and the proxy we hold refuses every call, `is_closed()` included.
            return False

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def stop(self) -> None:
        """Stop waking up, then publish whatever is still pending."""
        self._stopping = True
        self._stop_requested.set()
        self._wake.set()
        if self._task is not None:
            await self._task
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.remove_listener(NOTIFY_CHANNEL, self._on_notify)
                await self._pool.release(self._listener)
        await self.drain()

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self._listen()
                await self.drain()
                await self._purge_when_due()
            except Exception:
                # Broker or database trouble: keep the rows, try again after a poll
                # interval (or stop at once when asked: the final flush is `stop`'s).
                log.exception("outbox relay failed; will retry")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop_requested.wait(), self._poll_interval)
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_interval)
            if self._linger and self._wake.is_set() and not self._stopping:
                # Woken by a commit: let the commits of the next moment join this claim.
                await asyncio.sleep(self._linger)

    async def _purge_when_due(self) -> None:
        at = clock.now()
        if self._next_purge is not None and at < self._next_purge:
            return
        self._next_purge = at + self._purge_every
        purged = await self.purge_published(at)
        if purged:
            log.info("outbox: purged %d rows published over %s ago", purged, self._retention)

    async def purge_published(self, at: datetime | None = None) -> int:
        """Delete rows published more than `retention` before `at` (default: now), in
        bounded batches; return how many. Rows not yet published are never touched."""
        cutoff = (at or clock.now()) - self._retention
        total = 0
        with suppress_instrumentation():
            while True:
                async with self._pool.acquire() as conn:
                    deleted: int = await conn.fetchval(
                        """WITH gone AS (
                               DELETE FROM outbox WHERE id IN (
                                   SELECT id FROM outbox
                                   WHERE published_at IS NOT NULL AND published_at < $1
                                   ORDER BY published_at LIMIT $2 FOR UPDATE SKIP LOCKED)
                               RETURNING 1)
                           SELECT count(*) FROM gone""",
                        cutoff,
                        self._purge_batch,
                    )
                total += deleted
                if deleted < self._purge_batch:
                    return total

    async def drain(self) -> int:
        """Publish pending rows until none are left; return how many were published."""
        total = 0
        while True:
            published = await self._publish_batch()
            total += published
            if published < self._batch_size:
                return total

    async def _publish_batch(self) -> int:
        # The relay's own queries run every poll; tracing them would start a new trace
        # each second. Each publish is traced instead, inside the trace that wrote the row.
        with suppress_instrumentation():
            return await self._claim_and_publish()

    async def _claim_and_publish(self) -> int:
        async with self._pool.acquire() as conn, conn.transaction():
            # Another relay is publishing a batch: ours would overtake its rows, and its
            # NOTIFY woke that relay as well. Try again at the next turn.
            if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", OUTBOX_RELAY_LOCK):
                self.busy_turns += 1
                return 0
            # FOR UPDATE: a purge or a relay from before this lock existed leaves them be.
            rows = await conn.fetch(
                """SELECT id, topic, key, headers, payload, traceparent FROM outbox
                   WHERE published_at IS NULL ORDER BY id
                   LIMIT $1 FOR UPDATE""",
                self._batch_size,
            )
            if not rows:
                return 0
            confirmations = [await self._send(row) for row in rows]
            # Mark only what the broker has acknowledged (acks=all, idempotent producer).
            await asyncio.gather(*confirmations)
            crash_point(AFTER_PUBLISH_BEFORE_MARK)
            # The process clock, not the database's: retention is counted on it.
            await conn.execute(
                "UPDATE outbox SET published_at = $2 WHERE id = ANY($1::bigint[])",
                [row["id"] for row in rows],
                clock.now(),
            )
            return len(rows)

    async def _send(self, row: asyncpg.Record) -> asyncio.Future[Any]:
        """Hand one row to the producer; the future resolves on the broker's ack."""
        topic: str = row["topic"]
        key = bytes(row["key"])
        headers: dict[str, str] = json.loads(row["headers"])
        # Every message of one application shares its conversation id, so an operator
        # finds them all (spans, logs) by application.
        headers["correlation_id"] = headers["ce_subject"]
        traceparent: str | None = row["traceparent"]
        if not sampled(traceparent):
            if traceparent:
                headers["traceparent"] = traceparent
            return await self._produce(topic, key, row["payload"], headers)
        parent = context_from_traceparent(traceparent)
        with (
            self._tracer.start_as_current_span("outbox relay", context=parent),
            self._tracer.start_as_current_span(
                f"{topic} publish",
                kind=SpanKind.PRODUCER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.operation": "publish",
                    "messaging.destination.name": topic,
                    "messaging.message.conversation_id": headers["ce_subject"],
                    KAFKA_KEY: key.decode(errors="replace"),
                },
            ),
        ):
            propagate.inject(headers)
            return await self._produce(topic, key, row["payload"], headers)

    async def _produce(
        self, topic: str, key: bytes, payload: bytes, headers: dict[str, str]
    ) -> asyncio.Future[Any]:
        encoded = [(name, value.encode()) for name, value in headers.items()]
        sent: asyncio.Future[Any] = await self._producer.send(
            topic, bytes(payload), key=key, headers=encoded
        )
        return sent
