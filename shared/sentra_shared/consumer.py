"""Event consumption: fetch a batch, apply it in one transaction, dead-letter poison, commit.

Why a loop of our own over aiokafka rather than a FastStream subscriber (README,
"Delivery guarantees", has the details): FastStream 0.7.8's `NACK_ON_ERROR` commits every
position the consumer holds, retries a failing message forever by seeking back, and a
header that is not UTF-8 fails inside its parser, where the nack cannot seek either, so
the next success commits past the message and it is lost without a trace. Here:

- one PostgreSQL transaction per fetched batch; each record in a savepoint with its inbox
  row, so a record that fails undoes only itself;
- transient failures (database or broker away, timeouts) retry the whole batch in place
  with backoff, which keeps per-key order: nothing behind it is committed or skipped;
- permanent failures (undecodable bytes or headers, schema violation, unknown type or
  version, a domain rule refusing, the same id with another payload) and failures that
  persist for `MAX_ATTEMPTS` go to `<topic>.dlq` with the reason; the partition moves on;
- the offsets committed are exactly "last record of the batch + 1" per partition, and only
  after the transaction committed and the dead letters were acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, TypeVar

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from faststream.kafka import KafkaBroker
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from sentra_shared.dead_letters import DeadLetter, dead_letter
from sentra_shared.envelope import decode, decode_headers
from sentra_shared.events import CATALOGUE, Event
from sentra_shared.failures import PermanentFailure, UndecodableEvent, is_transient
from sentra_shared.faults import AFTER_COMMIT_BEFORE_ACK, crash_point
from sentra_shared.inbox import first_deliveries, first_delivery
from sentra_shared.kafka_login import KafkaLogin
from sentra_shared.metrics import Handled, ServiceMetrics, consumer_lag
from sentra_shared.outbox import (
    APPLICATION_LOCK_CLASS,
    LOCK_APPLICATIONS_SQL,
    applications_held,
)

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
T = TypeVar("T")
Handler = Callable[[asyncpg.Connection, Any], Awaitable[None]]
Batch = dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]
# A record this consumer handles, with its headers and its event.
Decoded = tuple[ConsumerRecord[bytes, bytes], Mapping[str, str], Event]

# A failure we cannot classify (a bug, a constraint) gets this many tries before the
# message is dead-lettered; transient failures are retried without limit.
MAX_ATTEMPTS = 3
MAX_BACKOFF_S = 5.0


class EventHandlers:
    """The events one consumer reacts to, each with its handler."""

    def __init__(self, consumer: str) -> None:
        self.consumer = consumer
        self._handlers: dict[type[Event], Handler] = {}

    def on(
        self, event_type: type[E]
    ) -> Callable[[Callable[[asyncpg.Connection, E], Awaitable[None]]], Handler]:
        def register(handler: Callable[[asyncpg.Connection, E], Awaitable[None]]) -> Handler:
            self._handlers[event_type] = handler
            return handler

        return register

    @property
    def topics(self) -> list[str]:
        return sorted({event_type.topic for event_type in self._handlers})

    def handles(self, event: Event) -> bool:
        return type(event) in self._handlers

    @property
    def ignored_types(self) -> frozenset[str]:
        """The CloudEvents types on our topics that we do not handle: skipped by header."""
        handled = set(self._handlers)
        return frozenset(
            cls.ce_type() for cls in CATALOGUE if cls.topic in self.topics and cls not in handled
        )

    async def run(self, conn: asyncpg.Connection, event: Event) -> None:
        """The event's handler alone, for a caller that has recorded it in the inbox."""
        await self._handlers[type(event)](conn, event)

    async def apply(self, conn: asyncpg.Connection, event: Event) -> bool:
        """Apply one event in the caller's transaction; False when it was applied before."""
        if not await first_delivery(conn, self.consumer, event):
            return False
        await self.run(conn, event)
        return True

    async def handle(self, pool: asyncpg.Pool, headers: Mapping[str, str], body: bytes) -> bool:
        """Apply one message in a transaction of its own; False when not for us or seen."""
        event = decode(headers, body)
        if not self.handles(event):
            return False
        async with pool.acquire() as conn, conn.transaction():
            return await self.apply(conn, event)


class EventConsumer:
    """One consumer group member applying `handlers`' topics; see the module docstring."""

    def __init__(
        self,
        handlers: EventHandlers,
        pool_of: Callable[[], asyncpg.Pool],
        broker: KafkaBroker,
        tracer: trace.Tracer,
        *,
        login: KafkaLogin,
        group_id: str,
        max_batch: int = 500,
        metrics: ServiceMetrics | None = None,
    ) -> None:
        self._handlers = handlers
        self._pool_of = pool_of
        self._broker = broker
        self._tracer = tracer
        self._login = login
        self._group_id = group_id
        self._max_batch = max_batch
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._metrics = metrics
        # The batch being applied and what its handlers did, for the metrics once committed.
        self._in_hand: Batch = {}
        self._handled: list[Handled] = []
        self._ignored_types = handlers.ignored_types

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            *self._handlers.topics,
            **self._login.aiokafka(),
            group_id=self._group_id,
            client_id=f"{self._group_id}-consumer",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await self._consumer.start()
        self._task = asyncio.create_task(self._run(), name=f"{self._group_id}-consumer")

    async def stop(self) -> None:
        """Stop fetching, finish (apply and commit) the batch in hand, leave the group."""
        self._stopping = True
        if self._task is not None:
            await self._task
        if self._consumer is not None:
            await self._consumer.stop()

    async def _run(self) -> None:
        assert self._consumer is not None
        consumer = self._consumer
        while not self._stopping:
            try:
                batch: Batch = await consumer.getmany(timeout_ms=200, max_records=self._max_batch)
            except KafkaError:
                log.exception("fetch failed; retrying")
                await asyncio.sleep(1.0)
                continue
            if not batch:
                continue
            try:
                await self._process(batch)
            except Exception:
                # Never commit past a record that was neither applied nor dead-lettered:
                # rewind to the batch's start so it is fetched again.
                log.exception("batch failed; it will be fetched again")
                self._rewind(batch)
                await asyncio.sleep(1.0)

    def _rewind(self, batch: Batch) -> None:
        assert self._consumer is not None
        for partition, records in batch.items():
            with contextlib.suppress(IllegalStateError):  # no longer ours after a rebalance
                self._consumer.seek(partition, records[0].offset)

    async def lag(self) -> dict[str, int]:
        return await consumer_lag(self._consumer, self._handlers.topics, self._in_hand)

    async def _process(self, batch: Batch) -> None:
        self._in_hand = batch
        try:
            await self._process_batch(batch)
        finally:
            self._in_hand = {}

    async def _process_batch(self, batch: Batch) -> None:
        dead = await self._retry_transient(lambda: self._apply_batch(batch), "apply")
        if dead is None:  # stopping while the database is away: leave it uncommitted
            self._rewind(batch)
            return
        if dead:
            await self._retry_transient(lambda: self._publish(dead), "dead-letter")
        crash_point(AFTER_COMMIT_BEFORE_ACK)
        await self._commit(batch)
        if self._metrics is not None:
            self._metrics.committed(batch, self._handled, dead)

    async def _retry_transient(self, attempt: Callable[[], Awaitable[T]], what: str) -> T | None:
        delay = 0.1
        while True:
            try:
                return await attempt()
            except Exception as error:
                if not is_transient(error):
                    raise
                if self._stopping:
                    return None
                log.warning("%s failed (%r); retrying in %.1fs", what, error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF_S)

    async def _apply_batch(self, batch: Batch) -> list[DeadLetter]:
        """Apply a batch in one transaction: first all at once, and only when a record
        fails, again from the start one record per savepoint (see `_apply_one_by_one`).
        Both end in the same state; the first costs a few round trips per record fewer."""
        dead: list[DeadLetter] = []
        ours: list[Decoded] = []
        for records in batch.values():
            for record in records:
                decoded = self._decode(record)
                if isinstance(decoded, DeadLetter):
                    dead.append(decoded)
                elif decoded is not None:
                    ours.append(decoded)
        if not ours:
            return dead
        async with self._pool_of().acquire() as conn:
            if len({event.event_id for _, _, event in ours}) == len(ours):
                self._handled = []
                try:
                    async with conn.transaction():
                        await self._apply_all(conn, ours)
                    return dead
                except Exception as error:
                    if is_transient(error):
                        raise  # the whole batch is retried; see `_retry_transient`
                    log.info("a record of the batch failed (%r); applying one by one", error)
            self._handled = []  # a retried batch is measured again from its start
            async with conn.transaction():
                return dead + await self._apply_one_by_one(conn, ours)

    def _decode(self, record: ConsumerRecord[bytes, bytes]) -> Decoded | DeadLetter | None:
        """The record's event when this consumer handles it; None when it does not (its
        type, read from the header, is not one of ours: skipped without decoding the
        value and without an inbox row); a dead letter when it cannot be read."""
        try:
            headers = decode_headers(record.headers)
            if headers.get("ce_type") in self._ignored_types:
                return None
            event = decode(headers, record.value)
        except UndecodableEvent as poison:
            return self._dead(record, poison, 1)
        if not self._handlers.handles(event):
            return None
        return record, headers, event

    async def _apply_all(self, conn: asyncpg.Connection, ours: list[Decoded]) -> None:
        """Every record's inbox row and its application's writer lock in one statement,
        then each handler, with no savepoint; any failure aborts the whole transaction."""
        fresh = await first_deliveries(
            conn, self._handlers.consumer, [event for _, _, event in ours], APPLICATION_LOCK_CLASS
        )
        with applications_held(event.application_id for _, _, event in ours):
            for record, headers, event in ours:
                if event.event_id not in fresh:
                    continue  # applied before
                with self._span(record, headers):
                    started = time.perf_counter()
                    await self._handlers.run(conn, event)
                    self._handled.append(Handled.since(started, record.topic, event))

    async def _apply_one_by_one(
        self, conn: asyncpg.Connection, ours: list[Decoded]
    ) -> list[DeadLetter]:
        """Each record in a savepoint of its own, so that a failure undoes only that
        record's inbox row and effects, and a refused one is dead-lettered. The writer
        locks are taken first, outside every savepoint (a rolled-back savepoint would free
        a lock taken in it)."""
        applications = [event.application_id for _, _, event in ours]
        await conn.execute(LOCK_APPLICATIONS_SQL, APPLICATION_LOCK_CLASS, applications)
        dead: list[DeadLetter] = []
        with applications_held(applications):
            for record, headers, event in ours:
                letter = await self._apply_record(conn, record, headers, event)
                if letter is not None:
                    dead.append(letter)
        return dead

    async def _apply_record(
        self,
        conn: asyncpg.Connection,
        record: ConsumerRecord[bytes, bytes],
        headers: Mapping[str, str],
        event: Event,
    ) -> DeadLetter | None:
        with self._span(record, headers) as span:
            for attempt in range(1, MAX_ATTEMPTS + 1):
                try:
                    # A savepoint: a failure undoes this record's inbox row and effects only.
                    started = time.perf_counter()
                    async with conn.transaction():
                        await self._handlers.apply(conn, event)
                    self._handled.append(Handled.since(started, record.topic, event))
                    return None
                except PermanentFailure as refused:
                    span.set_status(Status(StatusCode.ERROR, type(refused).__name__))
                    return self._dead(record, refused, attempt)
                except Exception as error:
                    if is_transient(error):
                        raise  # the whole batch is retried; see `_retry_transient`
                    if attempt == MAX_ATTEMPTS:
                        span.set_status(Status(StatusCode.ERROR, type(error).__name__))
                        return self._dead(record, error, attempt)
                    log.warning("handler failed on %s (try %d): %r", record.topic, attempt, error)
                    await asyncio.sleep(0.05 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _dead(
        self, record: ConsumerRecord[bytes, bytes], error: BaseException, attempts: int
    ) -> DeadLetter:
        log.warning(
            "dead-lettering %s[%s]@%s after %d attempt(s): %s: %s",
            record.topic,
            record.partition,
            record.offset,
            attempts,
            type(error).__name__,
            error,
        )
        return dead_letter(record, error, attempts)

    @contextlib.contextmanager
    def _span(
        self, record: ConsumerRecord[bytes, bytes], headers: Mapping[str, str]
    ) -> Iterator[trace.Span]:
        # A child of the producer's span, so one application's journey is one trace. A
        # missing or malformed traceparent extracts to nothing: a new trace, not a crash.
        parent = propagate.extract(dict(headers))
        attributes: dict[str, str | int] = {
            "messaging.system": "kafka",
            "messaging.operation": "process",
            "messaging.destination.name": record.topic,
            "messaging.kafka.destination.partition": record.partition,
            "messaging.kafka.message.offset": record.offset,
        }
        if conversation := headers.get("correlation_id"):
            attributes["messaging.message.conversation_id"] = conversation
        with self._tracer.start_as_current_span(
            f"{record.topic} process", context=parent, kind=SpanKind.CONSUMER, attributes=attributes
        ) as span:
            yield span

    async def _publish(self, letters: list[DeadLetter]) -> None:
        confirmations = [
            await self._broker.publish(
                letter.value,
                topic=letter.topic,
                key=letter.key,
                headers=letter.headers,
                no_confirm=True,
            )
            for letter in letters
        ]
        await asyncio.gather(*confirmations)

    async def _commit(self, batch: Batch) -> None:
        assert self._consumer is not None
        offsets = {partition: records[-1].offset + 1 for partition, records in batch.items()}
        delay = 0.1
        while True:
            try:
                await self._consumer.commit(offsets)
                return
            except (CommitFailedError, IllegalStateError) as lost:
                # A rebalance moved the partitions away: their new owner re-reads from the
                # last commit and the inbox turns the repeats into no-ops.
                log.warning("offset commit dropped after a rebalance: %r", lost)
                return
            except KafkaError as error:
                if self._stopping and delay > 1.0:
                    log.warning("offset commit failed while stopping: %r", error)
                    return
                log.warning("offset commit failed (%r); retrying in %.1fs", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF_S)
