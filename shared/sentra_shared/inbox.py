"""Idempotent consumption: each event is applied at most once per consumer.

A handler runs in one transaction that first records (consumer, event id, payload hash)
in the inbox; a redelivered event finds its row and commits nothing new. The same id
with a different payload is refused: applying it would silently drop or double an effect.
The Kafka offset is committed only after that transaction commits (see `consumer.py`).
"""

from __future__ import annotations

import hashlib
import uuid

import asyncpg

from sentra_shared.events import Event
from sentra_shared.failures import ConflictingRedelivery
from sentra_shared.outbox import lock_applications_sql


def payload_digest(event: Event) -> bytes:
    # The canonical JSON of the decoded event: equal events hash equal whatever the bytes.
    # Without `occurred_at`: an agency that answers a request again after a crash sends the
    # same event id and content stamped with the new decision time (the agency guide and
    # its conformance check allow that); it is a duplicate, not a conflicting payload.
    return hashlib.sha256(event.model_dump_json(exclude={"occurred_at"}).encode()).digest()


async def first_delivery(conn: asyncpg.Connection, consumer: str, event: Event) -> bool:
    """Record the event for this consumer; False when it was already applied."""
    digest = payload_digest(event)
    inserted = await conn.fetchval(
        """INSERT INTO inbox (consumer, event_id, payload_sha256) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING RETURNING true""",
        consumer,
        event.event_id,
        digest,
    )
    if inserted:
        return True
    seen = await conn.fetchval(
        "SELECT payload_sha256 FROM inbox WHERE consumer = $1 AND event_id = $2",
        consumer,
        event.event_id,
    )
    if seen is not None and bytes(seen) != digest:
        raise ConflictingRedelivery(f"event {event.event_id} was applied with another payload")
    return False


async def first_deliveries(
    conn: asyncpg.Connection, consumer: str, events: list[Event]
) -> set[uuid.UUID]:
    """Record a batch of events for this consumer in one round trip, and take the writer
    locks of their applications (`outbox.lock_applications_sql`) in
    the same statement. Return the ids recorded now: the events to apply.

    An id seen before with another payload raises `ConflictingRedelivery`, as
    `first_delivery` does for one event.
    """
    digests = {event.event_id: payload_digest(event) for event in events}
    rows = await conn.fetch(
        f"""WITH locked AS ({lock_applications_sql("$4")})
            INSERT INTO inbox (consumer, event_id, payload_sha256)
            SELECT $1, e, d FROM unnest($2::uuid[], $3::bytea[]) AS r(e, d), locked
            ON CONFLICT DO NOTHING RETURNING event_id""",
        consumer,
        list(digests),
        list(digests.values()),
        [event.application_id for event in events],
    )
    fresh = {row["event_id"] for row in rows}
    if len(fresh) < len(digests):
        seen = await conn.fetch(
            "SELECT event_id, payload_sha256 FROM inbox WHERE consumer = $1 "
            "AND event_id = ANY($2::uuid[])",
            consumer,
            [event_id for event_id in digests if event_id not in fresh],
        )
        for row in seen:
            if bytes(row["payload_sha256"]) != digests[row["event_id"]]:
                raise ConflictingRedelivery(
                    f"event {row['event_id']} was applied with another payload"
                )
    return fresh
