"""Officers' review of red flags: list and open the cases, then clear or confirm each one.

A red flag never rejects by itself (a trafficker would just try again): it opens a case
that an authenticated officer decides with a reason. The decision, the answer to the
review deadline and the events it causes commit in one transaction.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime
from typing import Annotated, TypedDict

import asyncpg
from fastapi import APIRouter, HTTPException, Query, Request, status
from sentra_shared import audit
from sentra_shared.audit import AuditReason, audit_reason
from sentra_shared.clock import now
from sentra_shared.deadlines import answer_deadline, cancel_deadlines
from sentra_shared.events import (
    DOCUMENTS_DEADLINES,
    ApplicationKind,
    ApplicationReviewed,
    DeadlineStep,
    ReviewDecision,
    TraffickingReferred,
)
from sentra_shared.outbox import add_to_outbox, writing_for
from sentra_shared.reasons import Reason
from sentra_shared.runtime import ServiceRuntime

from sentra_documents import audited, repository
from sentra_documents.auth import Officer, OfficerDep
from sentra_documents.domain.reasons import DocumentsReason, reason
from sentra_documents.forms import ApplicationForm
from sentra_documents.handlers import continue_after_review, reject
from sentra_documents.repository import StoredApplication
from sentra_documents.review_views import (
    ApplicationSummary,
    CaseDetail,
    CaseSummary,
    Decided,
    Decision,
    Region,
    SharedIdentifier,
    SharedWith,
)
from sentra_documents.sealed_forms import open_form
from sentra_documents.sealing import Sealer

log = logging.getLogger(__name__)

router = APIRouter(prefix="/reviews", tags=["officer review"])


def _pool(request: Request) -> asyncpg.Pool:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime.pool


def _sealer(request: Request) -> Sealer:
    sealer: Sealer = request.app.state.sealer
    return sealer


def _flags(stored: str) -> list[Reason]:
    return [Reason.model_validate(f) for f in json.loads(stored)]


@router.get("")
async def list_open_cases(
    request: Request, officer: OfficerDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[CaseSummary]:
    """Open cases, oldest first: the one waiting longest is decided first."""
    async with _pool(request).acquire() as conn:
        rows = await conn.fetch(
            """SELECT r.case_id, r.application_id, a.kind, a.regency_code, r.opened_at,
                      r.review_due, r.flags
               FROM review_cases r JOIN applications a USING (application_id)
               WHERE r.status = 'open' ORDER BY r.opened_at, r.case_id LIMIT $1""",
            limit,
        )
    at = now()
    return [
        CaseSummary(
            case_id=row["case_id"],
            application_id=row["application_id"],
            kind=ApplicationKind(row["kind"]),
            regency_code=row["regency_code"],
            region=Region.of(row["regency_code"]),
            opened_at=row["opened_at"],
            review_due=row["review_due"],
            flag_codes=list(dict.fromkeys(f.code for f in _flags(row["flags"]))),
            overdue=at > row["review_due"],
        )
        for row in rows
    ]


@router.get("/{case_id}")
async def open_case(case_id: uuid.UUID, request: Request, officer: OfficerDep) -> CaseDetail:
    async with _pool(request).acquire() as conn:
        case = await conn.fetchrow("SELECT * FROM review_cases WHERE case_id = $1", case_id)
        if case is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No such review case.")
        app = await conn.fetchrow(
            "SELECT form, status FROM applications WHERE application_id = $1",
            case["application_id"],
        )
        identifiers = await _shared_identifiers(conn, case["application_id"])
    if app is None:  # the foreign key rules it out; a case without its file is no case
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No such review case.")
    # Who looked at which case is part of the audit trail; the subject is no personal data
    # of the applicant.
    log.info("officer %s opened review case %s", officer.subject, case_id)
    return CaseDetail(
        case_id=case_id,
        application_id=case["application_id"],
        status=case["status"],
        opened_at=case["opened_at"],
        review_due=case["review_due"],
        overdue=case["status"] == "open" and now() > case["review_due"],
        flags=_flags(case["flags"]),
        application=_summary(open_form(app["form"], case["application_id"], _sealer(request)), app),
        identifiers=identifiers,
        officer_id=case["officer_id"],
        officer_reason=case["officer_reason"],
        decided_at=case["decided_at"],
    )


def _summary(form: ApplicationForm, app: asyncpg.Record) -> ApplicationSummary:
    return ApplicationSummary(
        kind=form.kind,
        status=app["status"],
        regency_code=form.regency_code,
        region=Region.of(form.regency_code),
        **_placement(form),
    )


class _Placement(TypedDict):
    destination_country: str | None
    job: str | None
    recruiter_licence_number: str | None


def _placement(form: ApplicationForm) -> _Placement:
    """Where the worker would go, for what job, through which recruiter (SIP3MI licence,
    when the form names one)."""
    placement = form.placement
    return _Placement(
        destination_country=placement.destination_country if placement else None,
        job=str(placement.job) if placement else None,
        recruiter_licence_number=placement.recruiter_licence_number if placement else None,
    )


async def _shared_identifiers(
    conn: asyncpg.Connection, application_id: uuid.UUID
) -> list[SharedIdentifier]:
    """The application's identifiers (masked), each with the other applications whose
    keyed hash is the same. Plaintext identifiers are never read here."""
    rows = await conn.fetch(
        """SELECT mine.kind, mine.masked, other.application_id AS other_id, a.status
           FROM identifier_keys mine
           LEFT JOIN identifier_keys other
                  ON other.kind = mine.kind AND other.key_hash = mine.key_hash
                 AND other.application_id <> mine.application_id
           LEFT JOIN applications a ON a.application_id = other.application_id
           WHERE mine.application_id = $1
           ORDER BY mine.kind, mine.masked, other.application_id""",
        application_id,
    )
    found: dict[tuple[str, str], SharedIdentifier] = {}
    for row in rows:
        key = (row["kind"], row["masked"])
        entry = found.setdefault(key, SharedIdentifier(kind=key[0], masked=key[1], shared_with=[]))
        if row["other_id"] is not None:
            entry.shared_with.append(
                SharedWith(application_id=row["other_id"], status=row["status"])
            )
    return list(found.values())


@router.post("/{case_id}/clear")
async def clear_case(
    case_id: uuid.UUID, decision: Decision, request: Request, officer: OfficerDep
) -> Decided:
    """The flags are explained: the application goes on where it stopped."""
    return await _decide(request, case_id, ReviewDecision.CLEARED, decision.reason, officer)


@router.post("/{case_id}/confirm")
async def confirm_case(
    case_id: uuid.UUID, decision: Decision, request: Request, officer: OfficerDep
) -> Decided:
    """Trafficking or an illegal levy confirmed: rejected, and referred to Polri and BP2MI."""
    return await _decide(request, case_id, ReviewDecision.CONFIRMED, decision.reason, officer)


async def _decide(
    request: Request,
    case_id: uuid.UUID,
    decision: ReviewDecision,
    why: str,
    officer: Officer,
) -> Decided:
    async with _pool(request).acquire() as conn, conn.transaction():
        application_id = await conn.fetchval(
            "SELECT application_id FROM review_cases WHERE case_id = $1", case_id
        )
        if application_id is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No such review case.")
        async with writing_for(conn, [application_id]):
            decided = await _apply_decision(
                request, conn, application_id, case_id, decision, why, officer
            )
    log.info("officer %s %s review case %s", officer.subject, decision.value, case_id)
    return decided


async def _apply_decision(
    request: Request,
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    case_id: uuid.UUID,
    decision: ReviewDecision,
    why: str,
    officer: Officer,
) -> Decided:
    """In the decision's transaction, with the application's writer lock held: the
    order every writer takes locks in (the writer lock, then the application row, then the
    case), so two transactions never wait on each other in a circle."""
    stored = await repository.load_application(conn, application_id, _sealer(request))
    case = await conn.fetchrow(
        "SELECT status, flags FROM review_cases WHERE case_id = $1 FOR UPDATE", case_id
    )
    if stored is None or case is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No such review case.")
    if case["status"] != "open":
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"The case is already {case['status']}."
        )
    at = now()
    await conn.execute(
        """UPDATE review_cases
           SET status = $2, officer_id = $3, officer_reason = $4, decided_at = $5
           WHERE case_id = $1""",
        case_id,
        decision.value,
        officer.subject,
        why,
        at,
    )
    deadline = await answer_deadline(
        conn, DOCUMENTS_DEADLINES, DeadlineStep.OFFICER_REVIEW, case_id, at
    )
    await add_to_outbox(
        conn,
        ApplicationReviewed(
            application_id=application_id,
            occurred_at=at,
            kind=stored.form.kind,
            decision=decision,
            officer_id=officer.subject,
            reason=why,
        ),
    )
    cleared = decision is ReviewDecision.CLEARED
    await audited.record(
        conn,
        application_id,
        audit.Decision.REVIEW_CLEARED if cleared else audit.Decision.REVIEW_CONFIRMED,
        [
            audit_reason(
                AuditReason.OFFICER_CLEARED if cleared else AuditReason.OFFICER_CONFIRMED,
                why=why,
            ),
            *_flags(case["flags"]),
        ],
        actor=audit.officer(officer.subject),
    )
    if cleared:
        await continue_after_review(conn, stored)
    else:
        await _confirm(conn, stored, tuple(_flags(case["flags"])), officer, why, at)
    return Decided(
        case_id=case_id,
        application_id=application_id,
        decision=decision,
        officer_id=officer.subject,
        decided_at=at,
        decided_late=deadline is not None and deadline.breached,
    )


async def _confirm(
    conn: asyncpg.Connection,
    stored: StoredApplication,
    flags: tuple[Reason, ...],
    officer: Officer,
    why: str,
    at: datetime,
) -> None:
    # The applicant is only told to come to the office: the flags go to the police.
    await reject(
        conn,
        stored,
        (reason(DocumentsReason.REVIEW_CONFIRMED_RED_FLAGS),),
        actor=audit.officer(officer.subject),
    )
    await cancel_deadlines(conn, DOCUMENTS_DEADLINES, stored.application_id, at)
    form = stored.form
    await add_to_outbox(
        conn,
        TraffickingReferred(
            application_id=stored.application_id,
            occurred_at=at,
            kind=form.kind,
            flags=flags,
            officer_id=officer.subject,
            officer_reason=why,
            nik=form.applicant.nik,
            full_name=form.applicant.full_name,
            date_of_birth=form.applicant.date_of_birth,
            regency_code=form.regency_code,
            **_placement(form),
        ),
    )
