"""Idempotent consumption: each event is applied at most once per consumer.

A handler runs in one transaction that first records (consumer, event id) in the inbox;
a redelivered event finds its row and commits nothing new. The Kafka offset is committed
only after that transaction commits (see `consumer.py`).
"""

from __future__ import annotations

import asyncpg

from sentra_shared.events import Event


async def first_delivery(conn: asyncpg.Connection, consumer: str, event: Event) -> bool:
    """Record the event for this consumer; False when it was already applied."""
    inserted = await conn.fetchval(
        """INSERT INTO inbox (consumer, event_id) VALUES ($1, $2)
           ON CONFLICT DO NOTHING RETURNING true""",
        consumer,
        event.event_id,
    )
    return bool(inserted)
