"""Event consumption: decode, dedupe through the inbox, run the handler in one transaction.

Acknowledgement policy: FastStream's default (ACK_FIRST) commits the offset on receipt,
which loses the message if the process dies mid-handler. We use NACK_ON_ERROR: the
offset is committed only after the handler's transaction has committed, and an error
seeks back so the same message is tried again (transient failures: database or broker
down). Messages that can never succeed (undecodable, unknown type, schema violation) are
not retried: they go to `<topic>.dlq` with the reason in headers and the partition moves on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import asyncpg
from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from sentra_shared.envelope import UndecodableEvent, decode
from sentra_shared.events import Event
from sentra_shared.inbox import first_delivery
from sentra_shared.topics import DLQ_SUFFIX

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
Handler = Callable[[asyncpg.Connection, Any], Awaitable[None]]

RETRY_DELAY_S = 0.5


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

    async def handle(self, pool: asyncpg.Pool, headers: Mapping[str, str], body: bytes) -> bool:
        """Apply one message; False when it is not for us or was applied before."""
        event = decode(headers, body)
        handler = self._handlers.get(type(event))
        if handler is None:
            return False
        async with pool.acquire() as conn, conn.transaction():
            if not await first_delivery(conn, self.consumer, event):
                return False
            await handler(conn, event)
        return True


def subscribe(
    broker: KafkaBroker,
    handlers: EventHandlers,
    pool_of: Callable[[], asyncpg.Pool],
    group_id: str,
) -> None:
    """Register one subscriber per topic that `handlers` listens to."""
    for topic in handlers.topics:
        subscriber = broker.subscriber(
            topic,
            group_id=group_id,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR,
        )
        subscriber(_consumer_for(broker, handlers, pool_of, topic))


def _consumer_for(
    broker: KafkaBroker,
    handlers: EventHandlers,
    pool_of: Callable[[], asyncpg.Pool],
    topic: str,
) -> Callable[[KafkaMessage], Awaitable[None]]:
    # FastStream reads the handler's signature to build the body model: the handler may
    # take only the message, so the topic comes in through this closure.
    async def consume(msg: KafkaMessage) -> None:
        try:
            await handlers.handle(pool_of(), msg.headers, msg.body)
        except UndecodableEvent as poison:
            await _dead_letter(broker, topic, msg, poison)
        except Exception:
            log.exception("handler failed on %s; the message will be retried", topic)
            # Back off before the seek-back re-delivers it.
            await asyncio.sleep(RETRY_DELAY_S)
            raise

    return consume


async def _dead_letter(
    broker: KafkaBroker, topic: str, msg: KafkaMessage, error: Exception
) -> None:
    record = msg.raw_message
    # One subscriber here never consumes in batches, so this is a single record.
    assert isinstance(record, ConsumerRecord)
    headers = {
        **{k: v for k, v in msg.headers.items() if not k.startswith("dlq_")},
        "dlq_original_topic": topic,
        "dlq_original_partition": str(record.partition),
        "dlq_original_offset": str(record.offset),
        "dlq_error_class": type(error).__name__,
        "dlq_error_message": str(error)[:500],
    }
    log.warning("dead-lettering %s[%s]@%s: %s", topic, record.partition, record.offset, error)
    await broker.publish(msg.body, topic=topic + DLQ_SUFFIX, key=record.key, headers=headers)
