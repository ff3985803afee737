"""The reply protocol every agency follows, as a small aiokafka responder.

Read a request, decide, send the reply to the agency's result topic with the CloudEvents
headers, the application id as key and the request's trace continued; commit the request's
offset only after Kafka acknowledged the reply (a crash in between re-answers the request,
with the same reply id, which Sentra drops as a duplicate).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError
from sentra_shared.envelope import UndecodableEvent, decode, encode, headers_for
from sentra_shared.events import AGENCY_EVENTS, Agency, AgencyCheckCompleted, AgencyCheckRequested

log = logging.getLogger(__name__)

Decide = Callable[[AgencyCheckRequested, datetime], AgencyCheckCompleted]


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


RETRY_FIRST_S = 0.5
RETRY_MAX_S = 5.0


class Responder:
    """Answers the check requests of some agencies until stopped."""

    def __init__(
        self, bootstrap: str, agencies: Iterable[Agency], decide: Decide, group_id: str
    ) -> None:
        self._agencies = tuple(agencies)
        self._decide = decide
        self._bootstrap = bootstrap
        self._group_id = group_id
        self._clients: tuple[AIOKafkaConsumer, AIOKafkaProducer] | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # aiokafka clients belong to the running event loop: created here, not in __init__.
        consumer = AIOKafkaConsumer(
            *(AGENCY_EVENTS[a][0].topic for a in self._agencies),
            bootstrap_servers=self._bootstrap,
            group_id=self._group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        producer = AIOKafkaProducer(bootstrap_servers=self._bootstrap, enable_idempotence=True)
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
                for partition in consumer.assignment():
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
        batches = await consumer.getmany(timeout_ms=500, max_records=200)
        sent = []
        for records in batches.values():
            for record in records:
                reply = self._answer(record.headers, record.value)
                if reply is not None:
                    sent.append(
                        await producer.send(
                            reply[0].topic,
                            encode(reply[0]),
                            key=reply[0].key,
                            headers=[(k, v.encode()) for k, v in reply[1].items()],
                        )
                    )
        if sent:
            await asyncio.gather(*sent)
        if batches:
            await consumer.commit()

    def _answer(
        self, raw_headers: Iterable[tuple[str, bytes]], value: bytes | None
    ) -> tuple[AgencyCheckCompleted, dict[str, str]] | None:
        headers = {k: v.decode(errors="replace") for k, v in raw_headers}
        try:
            request = decode(headers, value or b"")
        except UndecodableEvent as error:
            # Never the worker's data in the log: only why the message was unreadable.
            log.warning("skipping an unreadable request: %s", error)
            return None
        if not isinstance(request, AgencyCheckRequested) or request.agency not in self._agencies:
            return None
        reply = self._decide(request, datetime.now(UTC))
        return reply, reply_headers(headers, reply)
