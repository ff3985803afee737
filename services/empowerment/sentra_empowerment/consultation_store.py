"""The consultations table (migration 0002), and the one read of the businesses table a
product question needs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from sentra_shared.events import AskerRole, ConsultationSubject, Language

from sentra_empowerment.domain.consultation import ConsultationStatus, is_listed, status_of


@dataclass(frozen=True)
class StoredConsultation:
    consultation_id: uuid.UUID
    asker_role: AskerRole
    subject: ConsultationSubject
    desk: str
    request_id: uuid.UUID
    language: Language
    business_id: uuid.UUID | None
    asked_at: datetime
    answer_due: datetime
    answer: str | None
    answered_at: datetime | None
    answered_late: bool | None
    escalated_at: datetime | None

    @property
    def status(self) -> ConsultationStatus:
        return status_of(answered_at=self.answered_at, escalated_at=self.escalated_at)

    @property
    def awaiting(self) -> bool:
        return self.answered_at is None


_COLUMNS = """consultation_id, asker_role, subject, desk, request_id, language, business_id,
              asked_at, answer_due, answer, answered_at, answered_late, escalated_at"""


async def insert_consultation(
    conn: asyncpg.Connection,
    *,
    consultation_id: uuid.UUID,
    asker_role: AskerRole,
    subject: ConsultationSubject,
    desk: str,
    request_id: uuid.UUID,
    question: str,
    language: Language,
    business_id: uuid.UUID | None,
    asked_at: datetime,
    answer_due: datetime,
) -> None:
    await conn.execute(
        """INSERT INTO consultations (consultation_id, asker_role, subject, desk, request_id,
                                      question, language, business_id, asked_at, answer_due)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
        consultation_id,
        asker_role,
        subject,
        desk,
        request_id,
        question,
        language,
        business_id,
        asked_at,
        answer_due,
    )


async def load_consultation(
    conn: asyncpg.Connection, consultation_id: uuid.UUID, *, for_update: bool = False
) -> StoredConsultation | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM consultations WHERE consultation_id = $1{lock}",
        consultation_id,
    )
    return None if row is None else StoredConsultation(**dict(row))


async def record_answer(
    conn: asyncpg.Connection,
    consultation_id: uuid.UUID,
    *,
    outcome: str,
    answer: str,
    late: bool,
    at: datetime,
) -> None:
    await conn.execute(
        """UPDATE consultations
           SET reply_outcome = $2, answer = $3, answered_late = $4, answered_at = $5
           WHERE consultation_id = $1 AND answered_at IS NULL""",
        consultation_id,
        outcome,
        answer,
        late,
        at,
    )


async def mark_escalated(
    conn: asyncpg.Connection, consultation_id: uuid.UUID, at: datetime
) -> None:
    await conn.execute(
        """UPDATE consultations SET escalated_at = $2
           WHERE consultation_id = $1 AND escalated_at IS NULL""",
        consultation_id,
        at,
    )


@dataclass(frozen=True)
class Business:
    name: str
    listed: bool


async def find_business(conn: asyncpg.Connection, business_id: uuid.UUID) -> Business | None:
    """The business a product question names: its name (for the desk) and whether the
    owner agreed to be listed. Reads only the businesses table's core columns."""
    row = await conn.fetchrow(
        "SELECT name, catalogue FROM businesses WHERE business_id = $1", business_id
    )
    return None if row is None else Business(row["name"], is_listed(row["catalogue"]))
