"""The applicant's timeline: what they were told, in order."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

import asyncpg
from sentra_shared.events import ApplicationSubmitted

from sentra_notifications.domain import Notice


async def append(
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    event_id: uuid.UUID,
    event_type: str,
    notice: Notice,
    occurred_at: datetime,
) -> None:
    await conn.execute(
        """INSERT INTO timeline (application_id, event_id, event_type, status,
                                 message_id, message_en, final, occurred_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        application_id,
        event_id,
        event_type,
        notice.status,
        notice.message_id,
        notice.message_en,
        notice.final,
        occurred_at,
    )


async def timeline(conn: asyncpg.Connection, application_id: uuid.UUID) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            """SELECT event_type, status, message_id, message_en, final, occurred_at
               FROM timeline WHERE application_id = $1 ORDER BY occurred_at, recorded_at""",
            application_id,
        )
    )


def tracking_code_hash(tracking_code: str) -> bytes:
    """What is kept of a tracking code; the status page looks applicants up by it."""
    normalised = tracking_code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(normalised.encode()).digest()


async def save_applicant(conn: asyncpg.Connection, event: ApplicationSubmitted) -> None:
    """Keep how to reach the applicant; nothing when they chose no channel (older forms)."""
    contact = event.contact
    if contact is None:
        return
    await conn.execute(
        """INSERT INTO applicants (application_id, kind, regency_code, language, channels,
                                   phone, email, tracking_code_hash, date_of_birth,
                                   submitted_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (application_id) DO NOTHING""",
        event.application_id,
        event.kind.value,
        event.regency_code,
        contact.language,
        list(contact.channels),
        contact.phone,
        contact.email,
        tracking_code_hash(contact.tracking_code),
        contact.date_of_birth,
        event.occurred_at,
    )
