"""HTTP: businesses (registration, enrolment), the programmes on offer, the award's
shortlist. Every write stores its state and its events in one transaction; nothing is
published from here (the relay does)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sentra_shared import idempotency
from sentra_shared.clock import now
from sentra_shared.events import ApplicantContact, BusinessRegistered
from sentra_shared.outbox import add_to_outbox, writing_for
from sentra_shared.runtime import ServiceRuntime
from sentra_shared.tracking_codes import tracking_code

from sentra_empowerment import repository
from sentra_empowerment.domain.award import AWARD_CRITERIA
from sentra_empowerment.domain.programmes import Programme, seats_left
from sentra_empowerment.forms import BusinessForm, EnrolmentForm
from sentra_empowerment.programmes import Enrolled, ProgrammeHandlers

router = APIRouter()


class Registered(BaseModel):
    business_id: uuid.UUID
    tracking_code: str


class EnrolmentAccepted(BaseModel):
    business_id: uuid.UUID
    programme_id: str
    report_due: datetime  # the end (WIB midnight) of the organiser's last day to report


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def _offered(request: Request) -> Mapping[str, Programme]:
    return {p.id: p for p in request.app.state.programmes}


@router.post("/businesses", status_code=status.HTTP_202_ACCEPTED, responses=idempotency.RESPONSES)
async def register_business(
    form: BusinessForm,
    request: Request,
    response: Response,
    idempotency_key: idempotency.KeyHeader = None,
) -> Registered:
    """Store the business and announce it (with the owner's contact, for notifications
    alone), in one transaction. Invalid input never gets here: 422 with the field errors.
    A retry with the same `Idempotency-Key` gets the first answer (docs/idempotency.md)."""
    business_id, code, at = uuid.uuid4(), tracking_code(secrets.token_bytes(7)), now()
    owner = form.owner
    contact = ApplicantContact(
        language=owner.language,
        channels=owner.channels,
        phone=owner.phone,
        email=owner.email,
        tracking_code=code,
        date_of_birth=owner.date_of_birth,
    )
    answer = idempotency.Answer(business_id, code)
    # READ COMMITTED: a retry waiting on our key must read it once we commit.
    pool = _runtime(request).pool
    async with pool.acquire() as conn, conn.transaction(isolation="read_committed"):
        earlier = await idempotency.replay_or_claim(
            conn, idempotency_key, form, answer, at, response
        )
        if earlier is not None:
            return Registered(
                business_id=earlier.application_id, tracking_code=earlier.tracking_code
            )
        await repository.insert_business(conn, business_id, form, contact, at)
        await add_to_outbox(
            conn,
            BusinessRegistered(
                application_id=business_id,
                occurred_at=at,
                owner_role=owner.role,
                sector=form.business.sector,
                regency_code=form.business.regency_code,
                stage=form.business.stage,
                listed=form.catalogue.listed,
                contact=contact,
            ),
        )
    return Registered(business_id=business_id, tracking_code=code)


@router.get("/businesses/{business_id}")
async def get_business(business_id: uuid.UUID, request: Request) -> dict[str, Any]:
    """The business as registered, its enrolments and reports, and its latest award
    assessment. For the centre's staff: it holds the owner's contact."""
    async with _runtime(request).pool.acquire() as conn:
        business = await repository.load_business(conn, business_id)
        if business is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no business with this id")
        enrolments = await repository.enrolments_of(conn, business_id)
        assessment = await repository.assessment_of(conn, business_id)
    return {
        "business_id": business.business_id,
        "name": business.name,
        "owner": {"full_name": business.owner_name, "role": business.owner_role},
        "sector": business.sector,
        "regency_code": business.regency_code,
        "stage": business.stage,
        "products": business.products,
        "catalogue": business.catalogue.value,
        "registered_at": business.registered_at,
        "enrolments": enrolments,
        "award": assessment,
    }


@router.post(
    "/businesses/{business_id}/enrolments",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=EnrolmentAccepted,
    responses={
        status.HTTP_409_CONFLICT: {"description": '`{"reasons": [{"code", "text"}]}`: refused'},
        status.HTTP_404_NOT_FOUND: {"description": "No such business or programme."},
    },
)
async def enrol(business_id: uuid.UUID, form: EnrolmentForm, request: Request) -> Any:
    """Take a seat in a programme: 409 with the reasons when the rule refuses it."""
    programme = _offered(request).get(form.programme_id)
    handlers: ProgrammeHandlers = request.app.state.programme_handlers
    async with (
        _runtime(request).pool.acquire() as conn,
        conn.transaction(),
        # The business's writer lock before any row (outbox.writing_for).
        writing_for(conn, [business_id]),
    ):
        business = await repository.load_business(conn, business_id)
        if business is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no business with this id")
        if programme is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no programme with this id")
        outcome = await handlers.enrol(conn, business, programme, now())
    if not isinstance(outcome, Enrolled):
        return JSONResponse(
            status_code=status.HTTP_409_CONFLICT,
            content={"reasons": [r.model_dump(mode="json") for r in outcome]},
        )
    return EnrolmentAccepted(
        business_id=business_id, programme_id=programme.id, report_due=outcome.report_due
    )


@router.get("/programmes")
async def list_programmes(request: Request) -> dict[str, Any]:
    """The programmes on offer, with the seats left in each."""
    async with _runtime(request).pool.acquire() as conn:
        taken = await repository.seats_taken(conn)
    return {
        "programmes": [
            {
                "id": p.id,
                "title": p.title,
                "kind": p.kind,
                "organiser": p.organiser,
                "regencies": list(p.regencies),
                "capacity": p.capacity,
                "seats_left": seats_left(p, taken.get(p.id, 0)),
                "sessions": [d.isoformat() for d in p.sessions],
                "enrolment_closes_on": p.enrolment_closes_on.isoformat(),
            }
            for p in request.app.state.programmes
        ]
    }


@router.get("/awards/shortlist")
async def shortlist(request: Request) -> dict[str, Any]:
    """Nominated businesses ranked by total, each with its score and explanation per
    criterion, and the published criteria they were scored by."""
    async with _runtime(request).pool.acquire() as conn:
        nominees = await repository.nominees(conn)
    return {
        "criteria": {
            "version": AWARD_CRITERIA.version,
            "published_on": AWARD_CRITERIA.published_on.isoformat(),
            "source": AWARD_CRITERIA.source,
            "threshold": str(AWARD_CRITERIA.threshold),
            "criteria": [
                {"criterion": c.code, "max_points": str(c.max_points), "text": c.text.model_dump()}
                for c in AWARD_CRITERIA.criteria
            ],
        },
        "nominees": [
            {
                "rank": rank,
                "business_id": str(n.business.business_id),
                "name": n.business.name,
                "sector": n.business.sector,
                "regency_code": n.business.regency_code,
                "award": n.award,
                "criteria_version": n.criteria_version,
                "total": str(n.total),
                "threshold": str(n.threshold),
                "scores": [s.model_dump(mode="json") for s in n.scores],
                "assessed_at": n.assessed_at.isoformat(),
            }
            for rank, n in enumerate(nominees, start=1)
        ],
    }
