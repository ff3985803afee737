"""The applicant's timeline: what they were told, in order."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

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
