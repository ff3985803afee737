"""Reading and writing the applicant's file."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from sentra_shared.events import Agency, AgencyCheckCompleted, CheckOutcome
from sentra_shared.reasons import Reason

from sentra_documents.domain.agency_checks import CheckAnswer
from sentra_documents.forms import ApplicationForm


@dataclass(frozen=True)
class StoredApplication:
    application_id: uuid.UUID
    form: ApplicationForm
    worker_ref: str
    status: str
    submitted_at: datetime


async def insert_application(
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    form: ApplicationForm,
    worker_ref: str,
    at: datetime,
) -> None:
    await conn.execute(
        """INSERT INTO applications
               (application_id, kind, regency_code, worker_ref, form, submitted_at)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        application_id,
        form.kind.value,
        form.regency_code,
        worker_ref,
        form.model_dump_json(),
        at,
    )


async def load_application(
    conn: asyncpg.Connection, application_id: uuid.UUID
) -> StoredApplication | None:
    row = await conn.fetchrow(
        """SELECT form, worker_ref, status, submitted_at FROM applications
           WHERE application_id = $1 FOR UPDATE""",
        application_id,
    )
    if row is None:
        return None
    return StoredApplication(
        application_id=application_id,
        form=ApplicationForm.model_validate_json(row["form"]),
        worker_ref=row["worker_ref"],
        status=row["status"],
        submitted_at=row["submitted_at"],
    )


async def record_decision(
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    status: str,
    reason_codes: list[str],
    at: datetime,
) -> None:
    await conn.execute(
        """UPDATE applications SET status = $2, reasons = $3, decided_at = $4
           WHERE application_id = $1""",
        application_id,
        status,
        json.dumps(reason_codes),
        at,
    )


async def record_checks_requested(
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    requests: list[tuple[Agency, uuid.UUID]],
    at: datetime,
) -> None:
    await conn.executemany(
        """INSERT INTO agency_checks (application_id, agency, request_id, requested_at)
           VALUES ($1, $2, $3, $4)""",
        [(application_id, agency.value, request_id, at) for agency, request_id in requests],
    )
    await conn.execute(
        "UPDATE applications SET status = 'checking' WHERE application_id = $1", application_id
    )


async def record_check_answer(
    conn: asyncpg.Connection, answer: AgencyCheckCompleted, at: datetime
) -> bool:
    """Store an agency's first answer to a request; False for an unknown or repeated one."""
    stored = await conn.fetchval(
        """UPDATE agency_checks
           SET outcome = $3, reasons = $4, valid_until = $5, completed_at = $6
           WHERE request_id = $1 AND agency = $2 AND outcome IS NULL
           RETURNING true""",
        answer.request_id,
        answer.agency.value,
        answer.outcome.value,
        json.dumps([r.model_dump(mode="json") for r in answer.reasons]),
        answer.valid_until,
        at,
    )
    return bool(stored)


async def load_check_answers(
    conn: asyncpg.Connection, application_id: uuid.UUID
) -> dict[Agency, CheckAnswer]:
    rows = await conn.fetch(
        """SELECT agency, outcome, reasons FROM agency_checks
           WHERE application_id = $1 AND outcome IS NOT NULL""",
        application_id,
    )
    return {
        Agency(row["agency"]): CheckAnswer(
            outcome=CheckOutcome(row["outcome"]),
            reasons=tuple(Reason.model_validate(r) for r in json.loads(row["reasons"])),
        )
        for row in rows
    }
