"""Reading and writing the applicant's file."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

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
