"""The applicant's timeline: what they were told, in order; and how to reach them."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

import asyncpg
from sentra_shared.events import (
    ApplicantContact,
    ApplicationSubmitted,
    BusinessRegistered,
    ConsultationReceived,
    Event,
)

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


# The empowerment service's cases, kept beside the applications' kinds: a business of a
# returnee or a family (keyed by the business id), a consultation (by its id).
BUSINESS = "business"
CONSULTATION = "consultation"
CASE_KINDS = (BUSINESS, CONSULTATION)


def case_of(event: Event) -> tuple[str, str | None, ApplicantContact] | None:
    """The kind, the regency (a consultation has none) and the contact the first event of a
    case carries; None for any other event, or an application from before channels."""
    match event:
        case ApplicationSubmitted(contact=ApplicantContact() as contact):
            return event.kind.value, event.regency_code, contact
        case BusinessRegistered():
            return BUSINESS, event.regency_code, event.contact
        case ConsultationReceived():
            return CONSULTATION, None, event.contact
    return None


async def save_applicant(conn: asyncpg.Connection, event: Event) -> None:
    """Keep how to reach the person the case is about, from its first event; nothing when
    they chose no channel (older forms)."""
    case = case_of(event)
    if case is None:
        return
    kind, regency_code, contact = case
    await conn.execute(
        """INSERT INTO applicants (application_id, kind, regency_code, language, channels,
                                   phone, email, tracking_code_hash, date_of_birth,
                                   submitted_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (application_id) DO NOTHING""",
        event.application_id,
        kind,
        regency_code,
        contact.language,
        list(contact.channels),
        contact.phone,
        contact.email,
        tracking_code_hash(contact.tracking_code),
        contact.date_of_birth,
        event.occurred_at,
    )
