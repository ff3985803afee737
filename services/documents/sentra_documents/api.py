"""HTTP intake: POST /applications."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Header, HTTPException, Request, Response, status
from pydantic import BaseModel, Field
from sentra_shared.clock import now
from sentra_shared.events import ApplicantContact, ApplicationSubmitted
from sentra_shared.outbox import add_to_outbox
from sentra_shared.runtime import ServiceRuntime

from sentra_documents import idempotency, repository
from sentra_documents.config import DocumentsSettings
from sentra_documents.domain.intake import tracking_code, tracking_key, worker_ref
from sentra_documents.forms import ApplicationForm
from sentra_documents.idempotency import HEADER, REPLAYED_HEADER
from sentra_documents.sealing import Sealer

router = APIRouter()


class Accepted(BaseModel):
    application_id: uuid.UUID
    tracking_code: str = Field(
        description="With the birth date, opens the applicant's status page. Also sent in "
        "the first message."
    )


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=HEADER,
        pattern=idempotency.KEY_PATTERN,
        description="Optional. 1 to 255 visible ASCII characters; a fresh UUID per "
        "application is best. A retry with the same key and the same form returns the "
        f"first answer (with `{REPLAYED_HEADER}: true`) and creates nothing; the same key "
        "with another form answers 409. Keys are kept for "
        f"{idempotency.KEPT_FOR.total_seconds() / 3600:.0f} hours from their first use.",
    ),
]

_RESPONSES: dict[int | str, dict[str, Any]] = {
    status.HTTP_202_ACCEPTED: {
        "headers": {
            REPLAYED_HEADER: {
                "description": f"`true` when this is the stored answer to an earlier "
                f"request with the same {HEADER}; absent otherwise.",
                "schema": {"type": "string", "enum": ["true"]},
            }
        }
    },
    status.HTTP_409_CONFLICT: {
        "description": f"The {HEADER} was used before with a different form. Nothing was stored.",
    },
}


@router.post("/applications", status_code=status.HTTP_202_ACCEPTED, responses=_RESPONSES)
async def submit_application(
    form: ApplicationForm,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
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
        if idempotency_key is not None:
            earlier = await idempotency.claim(
                conn, idempotency_key, idempotency.fingerprint(form), answer, submitted_at
            )
            if earlier is not None and not earlier.same_request:
                raise _key_reused()
            if earlier is not None:
                response.headers[REPLAYED_HEADER] = "true"
                return Accepted(**vars(earlier.answer))
            # After the claim, never before: the purge only skips locked keys, so it
            # cannot make a request wait on another. Only requests that store a key
            # purge: the table grows with them alone, and the others save a statement.
            await idempotency.purge_expired(conn, submitted_at)
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


def _key_reused() -> HTTPException:
    # Shaped like a validation error, so a client finds the header named in `loc`.
    return HTTPException(
        status.HTTP_409_CONFLICT,
        detail=[
            {
                "loc": ["header", HEADER],
                "msg": f"this {HEADER} was already used with a different application form; "
                "use a new key for a new application",
                "type": "idempotency_key_reused",
            }
        ],
    )
