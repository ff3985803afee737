"""The reply protocol every agency follows, as a small aiokafka responder.

Read a request, decide, send the reply to the agency's result topic with the CloudEvents
headers, the application id as key and the request's trace continued; commit the request's
offset only after Kafka acknowledged the reply (a crash in between re-answers the request,
with the same reply id, which Sentra drops as a duplicate).

An answer that is due later is held in memory (`pending.PendingAnswers`) without holding
up the others; its partition is committed only up to it, so a restart reads it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from sentra_shared import clock
from sentra_shared.calendar import WIB
from sentra_shared.envelope import UndecodableEvent, decode, encode, headers_for
from sentra_shared.events import AGENCY_EVENTS, Agency, AgencyCheckCompleted, AgencyCheckRequested
from sentra_shared.kafka_login import KafkaLogin

from sentra_agencies.pending import Deferred, PendingAnswers
from sentra_agencies.timing import AnswerPlan, Timing

log = logging.getLogger(__name__)

# The answer to a request, decided at a time, taking effect on a day.
Decide = Callable[[AgencyCheckRequested, datetime, date], AgencyCheckCompleted]
# When to answer a request (at once, not before a time, or never).
Schedule = Callable[[AgencyCheckRequested], AnswerPlan]
# A request to answer now: the request, its headers, the day the answer takes effect.
Answer = tuple[AgencyCheckRequested, dict[str, str], date]

RETRY_FIRST_S = 0.5
RETRY_MAX_S = 5.0
MAX_BATCH = 200
IDLE_WAIT_S = 0.5  # the longest fetch wait: deferred answers fall due while we listen


def continue_trace(traceparent: str | None) -> str | None:
    """The same trace id with a new span id: the agency's step is a child of the request."""
    if not traceparent:
        return None
    version, trace_id, _parent_span, flags = traceparent.split("-")
    return f"{version}-{trace_id}-{secrets.token_hex(8)}-{flags}"


def reply_headers(request: Mapping[str, str], reply: AgencyCheckCompleted) -> dict[str, str]:
    headers = headers_for(reply)
    if traceparent := continue_trace(request.get("traceparent")):
        headers["traceparent"] = traceparent
    if "correlation_id" in request:  # lets operators find every message of one application
        headers["correlation_id"] = request["correlation_id"]
    return headers


def answer_at_once(request: AgencyCheckRequested) -> AnswerPlan:
    return AnswerPlan(Timing.PROMPT, None, request.occurred_at.astimezone(WIB).date())


class _Forget(ConsumerRebalanceListener):  # type: ignore[misc]
    """Deferred answers of a partition taken away are its new owner's to give."""

    def __init__(self, pending: PendingAnswers[TopicPartition]) -> None:
        self._pending = pending

    async def on_partitions_revoked(self, revoked: Collection[TopicPartition]) -> None:
        self._pending.forget(revoked)

    async def on_partitions_assigned(self, assigned: Collection[TopicPartition]) -> None:
        pass


class Responder:
    """Answers the requests of some agencies until stopped."""

    def __init__(
        self,
        kafka: KafkaLogin,
        agencies: Iterable[Agency],
        decide: Decide,
        group_id: str,
        *,
        schedule: Schedule = answer_at_once,
        max_deferred: int = 10_000,
    ) -> None:
        self._agencies = tuple(agencies)
        self._decide = decide
        self._schedule = schedule
        self._kafka = kafka
        self._group_id = group_id
        self._pending: PendingAnswers[TopicPartition] = PendingAnswers(max_deferred)
        self._clients: tuple[AIOKafkaConsumer, AIOKafkaProducer] | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # aiokafka clients belong to the running event loop: created here, not in __init__.
        consumer = AIOKafkaConsumer(
            **self._kafka.aiokafka(),
            group_id=self._group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        consumer.subscribe(
            [AGENCY_EVENTS[a][0].topic for a in self._agencies], listener=_Forget(self._pending)
        )
        producer = AIOKafkaProducer(**self._kafka.aiokafka(), enable_idempotence=True)
        await producer.start()
        await consumer.start()
        self._clients = consumer, producer
        self._task = asyncio.create_task(self._run(consumer, producer), name="agency-responder")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._clients is not None:
            consumer, producer = self._clients
            await consumer.stop()
            await producer.stop()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def deferred(self) -> int:
        """Answers held back until their time (late agencies)."""
        return len(self._pending)

    async def _run(self, consumer: AIOKafkaConsumer, producer: AIOKafkaProducer) -> None:
        backoff = RETRY_FIRST_S
        while True:
            try:
                await self._answer_batch(consumer, producer)
                backoff = RETRY_FIRST_S
            except KafkaError as error:
                # Broker trouble mid-batch: read again from the last commit and answer again.
                # Replies carry deterministic event ids, so Sentra's inbox drops the repeats;
                # moving on instead would let the next commit pass unanswered requests.
                log.warning("responder: %s; answering again in %.1fs", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, RETRY_MAX_S)
                await self._rewind(consumer)

    async def _rewind(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            try:
                partitions = consumer.assignment()
                self._pending.forget(partitions)
                for partition in partitions:
                    committed = await consumer.committed(partition)
                    if committed is None:
                        await consumer.seek_to_beginning(partition)
                    else:
                        consumer.seek(partition, committed)
                return
            except KafkaError as error:
                log.warning("responder: cannot read committed offsets yet: %s", error)
                await asyncio.sleep(RETRY_MAX_S)

    async def _answer_batch(self, consumer: AIOKafkaConsumer, producer: AIOKafkaProducer) -> None:
        now = clock.now()
        answers = [(item.request, item.headers, item.on) for item in self._pending.take_due(now)]
        batches = await self._fetch(consumer, now)
        for partition, records in batches.items():
            for record in records:
                if answer := self._take(partition, record.offset, record.headers, record.value):
                    answers.append(answer)
            self._pending.read_to(partition, records[-1].offset + 1)
        # Sent one after the other (in order), acknowledged together.
        deliveries = [await self._send(producer, *answer) for answer in answers]
        if deliveries:
            await asyncio.gather(*deliveries)
        # Only now that Kafka has every reply sent so far: up to the first unanswered request.
        if points := self._pending.commit_points():
            await consumer.commit(points)
            self._pending.committed(points)

    async def _fetch(self, consumer: AIOKafkaConsumer, now: datetime) -> dict[TopicPartition, Any]:
        # Full: stop fetching (Kafka keeps the requests) until deferred answers are given.
        room = self._pending.room
        if room == 0:
            consumer.pause(*consumer.assignment())
        elif paused := consumer.paused():
            consumer.resume(*paused)
        wait_s = IDLE_WAIT_S
        if (next_due := self._pending.next_due()) is not None:
            wait_s = min(wait_s, max(clock.current().real_seconds(next_due - now), 0.01))
        batches: dict[TopicPartition, Any] = await consumer.getmany(
            timeout_ms=int(wait_s * 1000), max_records=max(min(MAX_BATCH, room), 1)
        )
        return batches

    def _take(
        self,
        partition: TopicPartition,
        offset: int,
        raw_headers: Iterable[tuple[str, bytes]],
        value: bytes | None,
    ) -> Answer | None:
        """A request to answer now; None when it is deferred, never answered or not ours."""
        headers = {k: v.decode(errors="replace") for k, v in raw_headers}
        try:
            request = decode(headers, value or b"")
        except UndecodableEvent as error:
            # Never the worker's data in the log: only why the message was unreadable.
            log.warning("skipping an unreadable request: %s", error)
            return None
        if not isinstance(request, AgencyCheckRequested) or request.agency not in self._agencies:
            return None
        plan = self._schedule(request)
        if plan.on is None:
            log.info("not answering request %s (%s)", request.event_id, plan.timing)
            return None
        if plan.not_before is not None and plan.not_before > clock.now():
            self._pending.defer(
                Deferred(partition, offset, plan.not_before, plan.on, request, headers)
            )
            return None
        return request, headers, plan.on

    async def _send(
        self,
        producer: AIOKafkaProducer,
        request: AgencyCheckRequested,
        headers: Mapping[str, str],
        on: date,
    ) -> asyncio.Future[Any]:
        reply = self._decide(request, clock.now(), on)
        delivery: asyncio.Future[Any] = await producer.send(
            reply.topic,
            encode(reply),
            key=reply.key,
            headers=[(k, v.encode()) for k, v in reply_headers(headers, reply).items()],
        )
        return delivery
