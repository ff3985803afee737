"""What can go wrong while applying a message, and whether trying again can help.

Permanent failures go to the dead letter topic; transient ones are retried with backoff,
in place, so the messages behind them on the same partition keep their order.
"""

from __future__ import annotations

import asyncpg
from aiokafka.errors import KafkaError


class PermanentFailure(Exception):
    """Trying again gives the same answer: dead-letter the message and move on."""


class UndecodableEvent(PermanentFailure, ValueError):
    """Bytes or headers that never make an event: bad JSON, schema violation, unknown type."""


class RejectedEvent(PermanentFailure):
    """A domain rule refuses the event as it is (raise it from a handler)."""


class ConflictingRedelivery(PermanentFailure):
    """An event id seen before, now with a different payload: never apply either twice."""


# Connection loss, restarts, timeouts and lock conflicts: the same message succeeds later.
_TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,  # includes ConnectionError; TimeoutError is an OSError too
    KafkaError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,  # "connection is closed", "pool is closing"
    asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, cannot connect now
    asyncpg.exceptions.InsufficientResourcesError,  # too many connections, disk full
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
)


def is_transient(error: BaseException) -> bool:
    return isinstance(error, _TRANSIENT)
