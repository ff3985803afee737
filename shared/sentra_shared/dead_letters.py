"""Dead letters: a message that can never be applied goes to `<topic>.dlq`, whole.

The value and key are kept byte for byte; the original headers are kept (as text) and
`dlq_*` headers say where the message came from and why it failed, so an operator can
read the reason and replay it (`sentra-dlq`) once the cause is fixed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aiokafka import ConsumerRecord

from sentra_shared.topics import DLQ_SUFFIX

DLQ_HEADER_PREFIX = "dlq_"
ORIGINAL_TOPIC = "dlq_original_topic"
ORIGINAL_PARTITION = "dlq_original_partition"
ORIGINAL_OFFSET = "dlq_original_offset"
ERROR_CLASS = "dlq_error_class"
ERROR_MESSAGE = "dlq_error_message"
ATTEMPTS = "dlq_attempts"
REPLAYED_FROM = "sentra_replayed_from"

_MAX_REASON_CHARS = 500


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    key: bytes | None
    value: bytes
    headers: dict[str, str]


def readable_headers(record: ConsumerRecord[bytes, bytes]) -> dict[str, str]:
    """The record's headers as text, undecodable bytes escaped, so they can travel on."""
    return {
        name: (value or b"").decode(errors="backslashreplace") for name, value in record.headers
    }


def dead_letter(
    record: ConsumerRecord[bytes, bytes], error: BaseException, attempts: int
) -> DeadLetter:
    kept: Mapping[str, str] = {
        name: value
        for name, value in readable_headers(record).items()
        if not name.startswith(DLQ_HEADER_PREFIX)
    }
    return DeadLetter(
        topic=record.topic + DLQ_SUFFIX,
        key=record.key,
        value=record.value or b"",
        headers={
            **kept,
            ORIGINAL_TOPIC: record.topic,
            ORIGINAL_PARTITION: str(record.partition),
            ORIGINAL_OFFSET: str(record.offset),
            ERROR_CLASS: type(error).__name__,
            ERROR_MESSAGE: str(error)[:_MAX_REASON_CHARS],
            ATTEMPTS: str(attempts),
        },
    )


def original_headers(dead_headers: Mapping[str, str]) -> dict[str, str]:
    """The headers a replay sends: the original ones, without the dead-letter reasons."""
    return {k: v for k, v in dead_headers.items() if not k.startswith(DLQ_HEADER_PREFIX)}
