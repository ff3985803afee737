"""HTTP: `POST /consultations` (a question for a desk) and `GET /consultations/{id}`."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import date, datetime
from typing import Annotated, Self

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError
from sentra_shared import idempotency
from sentra_shared.calendar import WIB
from sentra_shared.clock import now
from sentra_shared.events import (
    ApplicantContact,
    AskerRole,
    Channel,
    ConsultationSubject,
    Language,
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

router = APIRouter()


def _iso_date(value: object) -> object:
    # Lax parsing would also take 0 (1970-01-01) or a datetime string.
    if not (isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)):
        raise PydanticCustomError("date_type", "Input should be a date written YYYY-MM-DD")
    return value


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


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Asker(_Form):
    role: AskerRole = Field(description="worker, family (a worker's family member) or buyer.")
    date_of_birth: Annotated[
        date, BeforeValidator(_iso_date), AfterValidator(_plausible_birth_date)
    ] = Field(
        description="YYYY-MM-DD, in the past: with the tracking code it opens the status page."
    )
    phone: str | None = Field(
        default=None, pattern=r"^\+?[0-9]{8,15}$", description="8-15 ASCII digits, optional +."
    )
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    channels: tuple[Channel, ...] = Field(default=("sms",), min_length=1, max_length=2)
    language: Language = Field(default="id", description="id (Bahasa Indonesia) or en.")

    @model_validator(mode="after")
    def channels_are_reachable(self) -> Self:
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("each channel once")
        if "sms" in self.channels and self.phone is None:
            raise ValueError("the sms channel needs a phone number")
        if "email" in self.channels and self.email is None:
            raise ValueError("the email channel needs an email address")
        return self


class ConsultationForm(_Form):
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
