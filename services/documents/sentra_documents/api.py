"""HTTP intake: POST /applications."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

import asyncpg
from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field
from sentra_shared import idempotency
from sentra_shared.clock import now
from sentra_shared.events import ApplicantContact, ApplicationSubmitted
from sentra_shared.outbox import add_to_outbox
from sentra_shared.runtime import ServiceRuntime
from sentra_shared.tracking_codes import tracking_code

from sentra_documents import repository
from sentra_documents.config import DocumentsSettings
from sentra_documents.domain.intake import tracking_key, worker_ref
from sentra_documents.forms import ApplicationForm
from sentra_documents.sealing import Sealer

router = APIRouter()


class Accepted(BaseModel):
    application_id: uuid.UUID
    tracking_code: str = Field(
        description="With the birth date, opens the applicant's status page. Also sent in "
        "the first message."
    )


@router.post("/applications", status_code=status.HTTP_202_ACCEPTED, responses=idempotency.RESPONSES)
async def submit_application(
    form: ApplicationForm,
    request: Request,
    response: Response,
    idempotency_key: idempotency.KeyHeader = None,
) -> Accepted:
    """Store the application and announce it, in one transaction.

    Invalid input never gets here: FastAPI answers 422 with the field errors.
    """
    runtime: ServiceRuntime = request.app.state.runtime
    settings: DocumentsSettings = request.app.state.settings
    answer = idempotency.Answer(uuid.uuid4(), tracking_code(secrets.token_bytes(7)))
    submitted_at = now()
    # READ COMMITTED whatever the server's default: a retry waiting on our key must read
    # it once we commit (see idempotency.claim).
    async with runtime.pool.acquire() as conn, conn.transaction(isolation="read_committed"):
        earlier = await idempotency.replay_or_claim(
            conn, idempotency_key, form, answer, submitted_at, response
        )
        if earlier is not None:
            return Accepted(**vars(earlier))
        await _store(conn, answer, form, settings, request.app.state.sealer, submitted_at)
    return Accepted(**vars(answer))


async def _store(
    conn: asyncpg.Connection,
    answer: idempotency.Answer,
    form: ApplicationForm,
    settings: DocumentsSettings,
    sealer: Sealer,
    submitted_at: datetime,
) -> None:
    applicant = form.applicant
    await repository.insert_application(
        conn,
        answer.application_id,
        form,
        worker_ref(applicant.nik, settings.pseudonym_key.get_secret_value().encode()),
        submitted_at,
        sealer,
        tracking_key=tracking_key(
            answer.tracking_code, settings.identifier_key.get_secret_value().encode()
        ),
    )
    await add_to_outbox(
        conn,
        ApplicationSubmitted(
            application_id=answer.application_id,
            occurred_at=submitted_at,
            kind=form.kind,
            regency_code=form.regency_code,
            contact=ApplicantContact(
                language=applicant.language,
                channels=applicant.channels,
                phone=applicant.phone,
                email=applicant.email,
                tracking_code=answer.tracking_code,
                date_of_birth=applicant.date_of_birth,
            ),
        ),
    )
