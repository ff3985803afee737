"""HTTP intake: POST /applications."""

from __future__ import annotations

import secrets
import uuid

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field
from sentra_shared.clock import now
from sentra_shared.events import ApplicantContact, ApplicationSubmitted
from sentra_shared.outbox import add_to_outbox
from sentra_shared.runtime import ServiceRuntime

from sentra_documents import repository
from sentra_documents.config import DocumentsSettings
from sentra_documents.domain.intake import tracking_code, worker_ref
from sentra_documents.forms import ApplicationForm

router = APIRouter()


class Accepted(BaseModel):
    application_id: uuid.UUID
    tracking_code: str = Field(
        description="With the birth date, opens the applicant's status page. Also sent in "
        "the first message."
    )


@router.post("/applications", status_code=status.HTTP_202_ACCEPTED)
async def submit_application(form: ApplicationForm, request: Request) -> Accepted:
    """Store the application and announce it, in one transaction.

    Invalid input never gets here: FastAPI answers 422 with the field errors.
    """
    runtime: ServiceRuntime = request.app.state.runtime
    settings: DocumentsSettings = request.app.state.settings
    application_id = uuid.uuid4()
    code = tracking_code(secrets.token_bytes(7))
    submitted_at = now()
    applicant = form.applicant
    async with runtime.pool.acquire() as conn, conn.transaction():
        await repository.insert_application(
            conn,
            application_id,
            form,
            worker_ref(form.applicant.nik, settings.pseudonym_key.get_secret_value().encode()),
            submitted_at,
        )
        await add_to_outbox(
            conn,
            ApplicationSubmitted(
                application_id=application_id,
                occurred_at=submitted_at,
                kind=form.kind,
                regency_code=form.regency_code,
                contact=ApplicantContact(
                    language=applicant.language,
                    channels=applicant.channels,
                    phone=applicant.phone,
                    email=applicant.email,
                    tracking_code=code,
                    date_of_birth=applicant.date_of_birth,
                ),
            ),
        )
    return Accepted(application_id=application_id, tracking_code=code)
