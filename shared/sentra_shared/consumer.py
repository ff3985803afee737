"""Event consumption: fetch a batch, apply it in one transaction, dead-letter poison, commit.

Why a loop of our own over aiokafka rather than a FastStream subscriber (README,
"Delivery guarantees", has the details): FastStream 0.7.8's `NACK_ON_ERROR` commits every
position the consumer holds, retries a failing message forever by seeking back, and a
header that is not UTF-8 fails inside its parser, where the nack cannot seek either, so
the next success commits past the message and it is lost without a trace. Here:

- one PostgreSQL transaction per fetched batch (`sentra_shared.batch`): all records at
  once, and only after a failure again one record per savepoint with its inbox row, so
  a record that fails undoes only itself; a fetch that brings less than a full batch
  waits `linger_ms` for what arrives meanwhile;
- records of a type we do not handle are skipped by their `ce_type` header, without
  decoding them and without an inbox row; their offsets are committed with the batch;
- transient failures (database or broker away, timeouts) retry the whole batch in place
  with backoff, which keeps per-key order: nothing behind it is committed or skipped;
- permanent failures (undecodable bytes or headers, schema violation, unknown type or
  version, a domain rule refusing, the same id with another payload) and failures that
  persist for `MAX_ATTEMPTS` go to `<topic>.dlq` with the reason; the partition moves on;
- the offsets committed are exactly "last record of the batch + 1" per partition, and only
  after the transaction committed and the dead letters were acknowledged.

`EventHandlers` (the events a consumer reacts to) lives in `event_handlers` and is
imported from here as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from faststream.kafka import KafkaBroker
from opentelemetry import trace

from sentra_shared.batch import MAX_ATTEMPTS, Batch, BatchApplier
from sentra_shared.dead_letters import DeadLetter
from sentra_shared.event_handlers import EventHandlers
from sentra_shared.failures import is_transient
from sentra_shared.faults import AFTER_COMMIT_BEFORE_ACK, crash_point
from sentra_shared.kafka_login import KafkaLogin
from sentra_shared.metrics import ServiceMetrics, consumer_lag

log = logging.getLogger(__name__)

__all__ = ["MAX_ATTEMPTS", "Batch", "EventConsumer", "EventHandlers"]

T = TypeVar("T")

MAX_BACKOFF_S = 5.0


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
        linger_ms: int = 0,
    ) -> None:
        self._handlers = handlers
        self._pool_of = pool_of
        self._broker = broker
        self._tracer = tracer
        self._login = login
        self._group_id = group_id
        self._max_batch = max_batch
        self._linger = linger_ms / 1000
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._metrics = metrics
        self._applier = BatchApplier(handlers, pool_of, tracer)
        # The batch being applied, for the consumer lag.
        self._in_hand: Batch = {}

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
                batch = await self._gather_more(batch)
            except KafkaError:
                log.exception("fetch failed; applying what came before")
            try:
                await self._process(batch)
            except Exception:
                # Never commit past a record that was neither applied nor dead-lettered:
                # rewind to the batch's start so it is fetched again.
                log.exception("batch failed; it will be fetched again")
                self._rewind(batch)
                await asyncio.sleep(1.0)

    async def _gather_more(self, batch: Batch) -> Batch:
        """Under load, records arrive while the first ones are fetched: after a short
        linger, take what the fetcher has buffered since, into the same batch (in offset
        order per partition), so that one transaction and one commit cover them all."""
        assert self._consumer is not None
        count = sum(len(records) for records in batch.values())
        if not self._linger or count >= self._max_batch:
            return batch
        await asyncio.sleep(self._linger)
        more = await self._consumer.getmany(timeout_ms=0, max_records=self._max_batch - count)
        for partition, records in more.items():
            batch.setdefault(partition, []).extend(records)
        return batch

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
        dead = await self._retry_transient(lambda: self._applier.apply(batch), "apply")
        if dead is None:  # stopping while the database is away: leave it uncommitted
            self._rewind(batch)
            return
        if dead:
            await self._retry_transient(lambda: self._publish(dead), "dead-letter")
        crash_point(AFTER_COMMIT_BEFORE_ACK)
        await self._commit(batch)
        if self._metrics is not None:
            self._metrics.committed(batch, self._applier.handled, dead)

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
