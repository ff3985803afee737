"""HTTP intake: POST /applications."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status
from pydantic import BaseModel
from sentra_shared.clock import now
from sentra_shared.events import ApplicationSubmitted
from sentra_shared.outbox import add_to_outbox
from sentra_shared.runtime import ServiceRuntime

from sentra_documents import repository
from sentra_documents.config import DocumentsSettings
from sentra_documents.domain.intake import worker_ref
from sentra_documents.forms import ApplicationForm

router = APIRouter()


class Accepted(BaseModel):
    application_id: uuid.UUID


@router.post("/applications", status_code=status.HTTP_202_ACCEPTED)
async def submit_application(form: ApplicationForm, request: Request) -> Accepted:
    """Store the application and announce it, in one transaction.

    Invalid input never gets here: FastAPI answers 422 with the field errors.
    """
    runtime: ServiceRuntime = request.app.state.runtime
    settings: DocumentsSettings = request.app.state.settings
    application_id = uuid.uuid4()
    submitted_at = now()
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
            ),
        )
    return Accepted(application_id=application_id)
