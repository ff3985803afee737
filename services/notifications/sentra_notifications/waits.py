"""Who holds each file and until when: a read model of the services' deadline events.

Fed only by `…AnswerRequested` / `…AnswerClosed` (never by another service's tables). The
status page shows one application's waits; the public figures aggregate them per party.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from sentra_shared.events import (
    CREDIT_DEADLINES,
    DOCUMENTS_DEADLINES,
    EMPOWERMENT_DEADLINES,
    INSURANCE_DEADLINES,
    AnswerClosed,
    AnswerRequested,
    Event,
)

EVENTS: tuple[type[Event], ...] = tuple(
    event
    for bundle in (
        DOCUMENTS_DEADLINES,
        CREDIT_DEADLINES,
        INSURANCE_DEADLINES,
        # An organiser's programme report, a desk's answer to a consultation.
        EMPOWERMENT_DEADLINES,
    )
    for event in (bundle.requested, bundle.closed)
)


@dataclass(frozen=True)
class Wait:
    request_id: uuid.UUID
    application_id: uuid.UUID
    owner: str
    step: str
    party: str
    requested_at: datetime
    due_at: datetime
    closed_at: datetime | None
    answered_at: datetime | None
    on_time: bool | None

    @property
    def open(self) -> bool:
        return self.closed_at is None

    def overdue_at(self, moment: datetime) -> bool:
        """Still unanswered after its due time."""
        return self.open and moment > self.due_at


async def record(conn: asyncpg.Connection, event: Event) -> None:
    """Apply one deadline event. A close that overtakes its request (they travel on the same
    stream, so only a replay can do that) still leaves one complete row."""
    if not isinstance(event, AnswerRequested):
        return
    closed = event if isinstance(event, AnswerClosed) else None
    await conn.execute(
        """INSERT INTO waits (request_id, application_id, owner, step, party, requested_at,
                              due_at, closed_at, answered_at, on_time)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (request_id) DO UPDATE
           SET closed_at = COALESCE(waits.closed_at, EXCLUDED.closed_at),
               answered_at = COALESCE(waits.answered_at, EXCLUDED.answered_at),
               on_time = COALESCE(waits.on_time, EXCLUDED.on_time)""",
        event.request_id,
        event.application_id,
        event.owner,
        event.step.value,
        event.party,
        event.requested_at,
        event.due_at,
        closed.closed_at if closed else None,
        closed.answered_at if closed else None,
        closed.on_time if closed else None,
    )


_COLUMNS = """request_id, application_id, owner, step, party, requested_at, due_at, closed_at,
              answered_at, on_time"""


async def of_application(conn: asyncpg.Connection, application_id: uuid.UUID) -> list[Wait]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM waits WHERE application_id = $1 ORDER BY requested_at, party",
        application_id,
    )
    return [Wait(**dict(row)) for row in rows]


async def all_waits(conn: asyncpg.Connection) -> list[Wait]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM waits ORDER BY requested_at")
    return [Wait(**dict(row)) for row in rows]
