"""HTTP: `POST /consultations` (a question for a desk) and `GET /consultations/{id}`."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError
from sentra_shared import idempotency
from sentra_shared.calendar import WIB
from sentra_shared.clock import now
from sentra_shared.events import (
    ApplicantContact,
    AskerRole,
    ConsultationSubject,
)
from sentra_shared.http_errors import render_errors
from sentra_shared.runtime import ServiceRuntime
from sentra_shared.tracking_codes import tracking_code

from sentra_empowerment import consultation_store as store
from sentra_empowerment.consultations import ConsultationHandlers
from sentra_empowerment.domain.consultation import (
    ConsultationStatus,
    Question,
    birth_date_problem,
    product_reference_problem,
    question_problem,
)
from sentra_empowerment.forms import Contact, Form, iso_date

router = APIRouter()


def _plausible_birth_date(born: date) -> date:
    problem = birth_date_problem(born, now().astimezone(WIB).date())
    if problem is not None:
        raise PydanticCustomError("birth_date", "Input should be {rule}", {"rule": problem})
    return born


def _readable_question(text: str) -> str:
    problem = question_problem(text)
    if problem is not None:
        raise PydanticCustomError("question_text", "Input should be {rule}", {"rule": problem})
    return text


class Asker(Contact):
    """The asker's contact (a buyer may be anyone: only a plausible birth date, which opens
    the status page with the tracking code)."""

    role: AskerRole = Field(description="worker, family (a worker's family member) or buyer.")
    date_of_birth: Annotated[
        date, BeforeValidator(iso_date), AfterValidator(_plausible_birth_date)
    ] = Field(
        description="YYYY-MM-DD, in the past: with the tracking code it opens the status page."
    )


class ConsultationForm(Form):
    asker: Asker
    subject: ConsultationSubject = Field(description="placement, credit, refund or product.")
    question: Annotated[str, AfterValidator(_readable_question)] = Field(
        min_length=5, max_length=2000, description="5 to 2000 characters; line breaks allowed."
    )
    business_id: uuid.UUID | None = Field(
        default=None, description="Only for a product question: a business in the catalogue."
    )


class Accepted(BaseModel):
    consultation_id: uuid.UUID
    tracking_code: str = Field(
        description="With the birth date, opens the asker's status page. Also sent in the "
        "first message."
    )


class ConsultationView(BaseModel):
    consultation_id: uuid.UUID
    subject: ConsultationSubject
    desk: str
    status: ConsultationStatus
    answer_due: datetime
    answer: str | None


@router.post(
    "/consultations", status_code=status.HTTP_202_ACCEPTED, responses=idempotency.RESPONSES
)
async def ask(
    form: ConsultationForm,
    request: Request,
    response: Response,
    idempotency_key: idempotency.KeyHeader = None,
) -> Accepted:
    """Store the question, route it to its desk with a deadline and announce it, in one
    transaction. Bad input answers 422 and stores nothing; a retry with the same
    `Idempotency-Key` gets the first answer (docs/idempotency.md)."""
    runtime: ServiceRuntime = request.app.state.runtime
    handlers: ConsultationHandlers = request.app.state.consultation_handlers
    answer = idempotency.Answer(uuid.uuid4(), tracking_code(secrets.token_bytes(7)))
    accepted = Accepted(consultation_id=answer.application_id, tracking_code=answer.tracking_code)
    asker, at = form.asker, now()
    # READ COMMITTED: a retry waiting on our key must read it once we commit.
    async with runtime.pool.acquire() as conn, conn.transaction(isolation="read_committed"):
        earlier = await idempotency.replay_or_claim(
            conn, idempotency_key, form, answer, at, response
        )
        if earlier is not None:
            return Accepted(
                consultation_id=earlier.application_id, tracking_code=earlier.tracking_code
            )
        business = None
        if form.business_id is not None:
            business = await store.find_business(conn, form.business_id)
        problem = product_reference_problem(
            form.subject, form.business_id, None if business is None else business.listed
        )
        if problem is not None:
            raise _refused(("body", "business_id"), problem, "business_reference")
        await handlers.receive(
            conn,
            consultation_id=accepted.consultation_id,
            asker_role=asker.role,
            question=Question(
                subject=form.subject,
                text=form.question,
                language=asker.language,
                business_name=None if business is None else business.name,
            ),
            business_id=form.business_id,
            contact=ApplicantContact(
                language=asker.language,
                channels=asker.channels,
                phone=asker.phone,
                email=asker.email,
                tracking_code=accepted.tracking_code,
                date_of_birth=asker.date_of_birth,
            ),
            at=at,
        )
    return accepted


@router.get("/consultations/{consultation_id}")
async def consultation(consultation_id: uuid.UUID, request: Request) -> ConsultationView:
    runtime: ServiceRuntime = request.app.state.runtime
    async with runtime.pool.acquire() as conn:
        found = await store.load_consultation(conn, consultation_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no consultation with this id")
    return ConsultationView(
        consultation_id=found.consultation_id,
        subject=found.subject,
        desk=found.desk,
        status=found.status,
        answer_due=found.answer_due,
        answer=found.answer,
    )


def _refused(loc: tuple[str, ...], msg: str, kind: str) -> HTTPException:
    # Shaped like the validation errors, so a client reads every 422 the same way.
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=render_errors([{"loc": loc, "msg": msg, "type": kind}]),
    )
