"""The deliveries table: messages owed, claimed under a lease, and their results.

A claim is fenced by its attempt number: a sender whose lease ran out (it hung, or died)
finds its result ignored, because the row was claimed again since and counts one more
attempt. Recipients and texts are personal data: never logged.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from sentra_shared.events import Channel, Event
from sentra_shared.telemetry import current_traceparent

from sentra_notifications.domain.delivery import Contact, Message

NOTIFY_CHANNEL = "deliveries"
# Delivery ids are derived from (event, channel): the same message always has the same id,
# hence the same idempotency key and Message-ID, however often it is written or sent.
_NAMESPACE = uuid.UUID("5d6f3f0e-8a0b-4c7e-9a55-5e17a0de1e7e")


def delivery_id(event_id: uuid.UUID, channel: Channel) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{event_id}/{channel}")


@dataclass(frozen=True)
class Claimed:
    id: uuid.UUID
    application_id: uuid.UUID
    about: str
    final: bool
    channel: Channel
    recipient: str
    language: str
    subject: str
    body: str
    attempts: int  # including this one
    idempotency_key: str
    traceparent: str | None


async def contact_of(conn: asyncpg.Connection, application_id: uuid.UUID) -> Contact | None:
    row = await conn.fetchrow(
        "SELECT language, channels, phone, email FROM applicants WHERE application_id = $1",
        application_id,
    )
    if row is None:
        return None
    return Contact(row["language"], tuple(row["channels"]), row["phone"], row["email"])


async def schedule(
    conn: asyncpg.Connection,
    event: Event,
    final: bool,
    messages: tuple[Message, ...],
    now: datetime,
) -> None:
    """Owe these messages (in the caller's transaction) and wake the worker at commit."""
    traceparent = current_traceparent()
    ids = [delivery_id(event.event_id, m.channel) for m in messages]
    # One round trip: the rows, then the worker's wake-up (sent at commit).
    await conn.execute(
        """WITH owed AS (
               INSERT INTO deliveries (id, application_id, event_id, about, final, channel,
                                       recipient, language, subject, body, next_attempt_at,
                                       idempotency_key, traceparent, created_at, updated_at)
               SELECT id, $2, $3, $4, $5, channel, recipient, language, subject, body, $6,
                      id::text, $7, $6, $6
               FROM unnest($1::uuid[], $8::text[], $9::text[], $10::text[], $11::text[],
                           $12::text[]) AS m(id, channel, recipient, language, subject, body)
               ON CONFLICT (application_id, event_id, channel) DO NOTHING
               RETURNING 1)
           SELECT pg_notify($13, '')""",
        ids,
        event.application_id,
        event.event_id,
        event.ce_type(),
        final,
        now,
        traceparent,
        [m.channel for m in messages],
        [m.recipient for m in messages],
        [m.language for m in messages],
        [m.subject for m in messages],
        [m.text for m in messages],
        NOTIFY_CHANNEL,
    )


async def claim(
    conn: asyncpg.Connection, channel: Channel, limit: int, now: datetime, lease_until: datetime
) -> list[Claimed]:
    """Take up to `limit` due messages of one channel until `lease_until`. Rows another
    worker holds (locked) are skipped, rows it leased are not due: nobody sends twice."""
    rows = await conn.fetch(
        """UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = $4, updated_at = $3
           WHERE id IN (SELECT id FROM deliveries
                        WHERE status = 'pending' AND channel = $1 AND next_attempt_at <= $3
                        ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
           RETURNING id, application_id, about, final, channel, recipient, language, subject,
                     body, attempts, idempotency_key, traceparent""",
        channel,
        limit,
        now,
        lease_until,
    )
    return [Claimed(**dict(row)) for row in rows]


async def mark_all_sent(
    conn: asyncpg.Connection, claimed: Sequence[Claimed], now: datetime
) -> set[uuid.UUID]:
    """Record these messages as sent, in one statement; return the ids recorded. A message
    whose claim no longer holds its row (see the module docstring) is left out."""
    if not claimed:
        return set()
    rows = await conn.fetch(
        """UPDATE deliveries AS d
           SET status = 'sent', sent_at = $3, last_error = NULL, updated_at = $3
           FROM unnest($1::uuid[], $2::integer[]) AS c(id, attempts)
           WHERE d.id = c.id AND d.status = 'pending' AND d.attempts = c.attempts
           RETURNING d.id""",
        [message.id for message in claimed],
        [message.attempts for message in claimed],
        now,
    )
    return {row["id"] for row in rows}


async def mark_retry(
    conn: asyncpg.Connection, claimed: Claimed, now: datetime, retry_at: datetime, error: str
) -> bool:
    return await _update(
        conn,
        claimed,
        "next_attempt_at = $4, last_error = $5, updated_at = $3",
        now,
        retry_at,
        error,
    )


async def mark_failed(
    conn: asyncpg.Connection, claimed: Claimed, now: datetime, error: str
) -> bool:
    return await _update(
        conn, claimed, "status = 'failed', last_error = $4, updated_at = $3", now, error
    )


async def _update(
    conn: asyncpg.Connection, claimed: Claimed, assignments: str, *args: object
) -> bool:
    """Record a result only if this claim still holds the row (see the module docstring)."""
    done = await conn.fetchval(
        f"""UPDATE deliveries SET {assignments}
            WHERE id = $1 AND status = 'pending' AND attempts = $2 RETURNING true""",
        claimed.id,
        claimed.attempts,
        *args,
    )
    return bool(done)
