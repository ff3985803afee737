"""Event handlers of the documents service: glue between the inbox, the rules and the outbox.

`continue_after_review` and `reject` are also called by the officer endpoints.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import asyncpg
from sentra_shared.answers import Standing, admit
from sentra_shared.audit import Decision
from sentra_shared.calendar import WIB
from sentra_shared.clock import now
from sentra_shared.consumer import EventHandlers
from sentra_shared.deadlines import answer_deadline, cancel_deadlines
from sentra_shared.events import (
    AGENCY_EVENTS,
    DOCUMENTS_DEADLINES,
    AgencyCheckCompleted,
    ApplicationKind,
    ApplicationSubmitted,
    Borrower,
    CreditRequest,
    DeadlineStep,
    DocumentsRejected,
    DocumentsVerified,
    Event,
    RefundDocumentsVerified,
    RefundRequest,
)
from sentra_shared.outbox import add_to_outbox
from sentra_shared.reasons import Reason

from sentra_documents import audited, repository
from sentra_documents.assessment import MatchingPolicy, assess
from sentra_documents.checks import check_request
from sentra_documents.domain.agency_checks import (
    REQUIRED_CHECKS,
    ChecksState,
    combine,
    required_checks,
)
from sentra_documents.domain.placement import PlacementOutcome
from sentra_documents.flagging import open_review_case
from sentra_documents.repository import StoredApplication
from sentra_documents.sealing import Sealer
from sentra_documents.timeliness import open_agency_deadline


def documents_handlers(policy: MatchingPolicy, sealer: Sealer) -> EventHandlers:
    handlers = EventHandlers(consumer="documents")

    @handlers.on(ApplicationSubmitted)
    async def assess_submitted(conn: asyncpg.Connection, event: ApplicationSubmitted) -> None:
        await assess_submitted_application(conn, event, policy, sealer)

    async def record_result(conn: asyncpg.Connection, event: AgencyCheckCompleted) -> None:
        await record_check_result(conn, event, sealer)

    # Documents consumes the result topic of every agency it asks.
    for agency in sorted({a for agencies in REQUIRED_CHECKS.values() for a in agencies}):
        handlers.on(AGENCY_EVENTS[agency][1])(record_result)
    return handlers


async def assess_submitted_application(
    conn: asyncpg.Connection, event: ApplicationSubmitted, policy: MatchingPolicy, sealer: Sealer
) -> None:
    stored = await repository.load_application(conn, event.application_id, sealer)
    if stored is None or stored.status != "submitted":
        return
    # Holidays and birthdays are local dates: the assessment date is the day in WIB.
    on = event.occurred_at.astimezone(WIB).date()
    assessment = await assess(conn, stored, on, policy, sealer)
    if assessment.linked_worker_ref is not None:
        await repository.record_linked_worker(
            conn, stored.application_id, assessment.linked_worker_ref
        )
        stored = replace(stored, linked_worker_ref=assessment.linked_worker_ref)
    match assessment.outcome:
        case PlacementOutcome.NEEDS_REVIEW:
            # The reasons wait with the case: a cleared flag does not clear them.
            await repository.record_assessment_reasons(
                conn, stored.application_id, assessment.reasons
            )
            await open_review_case(conn, stored, assessment.flags, now())
        case PlacementOutcome.INELIGIBLE:
            # A file that fails the rules goes to no agency: nobody needs its data.
            await reject(conn, stored, assessment.reasons)
        case PlacementOutcome.ELIGIBLE:
            await request_agency_checks(conn, stored)


async def request_agency_checks(conn: asyncpg.Connection, stored: StoredApplication) -> None:
    """Ask every agency the application needs for its check, each with its deadline."""
    at = now()
    requests = [
        check_request(agency, stored.application_id, stored.form, at)
        for agency in required_checks(stored.form.kind)
    ]
    await repository.record_checks_requested(
        conn, stored.application_id, [(r.agency, r.event_id) for r in requests], at
    )
    for request in requests:
        await open_agency_deadline(
            conn, stored.application_id, request.agency, request.event_id, at
        )
    await add_to_outbox(conn, *requests)


async def record_check_result(
    conn: asyncpg.Connection, event: AgencyCheckCompleted, sealer: Sealer
) -> None:
    stored = await repository.load_application(conn, event.application_id, sealer)
    request = (
        None
        if stored is None
        else await repository.load_check_request(conn, stored.application_id, event.agency)
    )
    standing = Standing(
        known=stored is not None,
        asked=request is not None and request.request_id == event.request_id,
        first=None if request is None else request.answer,
    )
    at = now()
    if not await admit(
        conn, service="documents", subject="application", answer=event, standing=standing, at=at
    ):
        return
    assert stored is not None  # an unknown application is unexpected
    await repository.record_check_answer(conn, event, at)
    # A late answer still counts; the breach stays on the deadline row.
    await answer_deadline(
        conn, DOCUMENTS_DEADLINES, DeadlineStep.AGENCY_CHECK.value, event.request_id, at
    )
    # Under review it waits for the officer; once decided it stays on the file (a late
    # answer that agrees with the decision or cannot overturn it) and decides nothing.
    if stored.status == "checking":
        await decide_from_answers(conn, stored)


async def continue_after_review(conn: asyncpg.Connection, stored: StoredApplication) -> None:
    """An officer cleared the flags: take the application on from where it stopped."""
    if stored.assessment_reasons:
        # The flags are explained, but the rules it failed still decide.
        await reject(conn, stored, stored.assessment_reasons)
        return
    if not await repository.checks_requested(conn, stored.application_id):
        await request_agency_checks(conn, stored)
        return
    await repository.set_status(conn, stored.application_id, "checking")
    await decide_from_answers(conn, stored)


async def decide_from_answers(conn: asyncpg.Connection, stored: StoredApplication) -> None:
    """Verified when every agency passed, rejected when one failed; otherwise wait."""
    answers = await repository.load_check_answers(conn, stored.application_id)
    # A confirmed document must still be valid on the day of the decision (WIB).
    checks = combine(required_checks(stored.form.kind), answers, on=now().astimezone(WIB).date())
    if checks.state is ChecksState.PASSED:
        await verify(conn, stored)
    elif checks.state is ChecksState.FAILED:
        await reject(conn, stored, checks.reasons)


async def verify(conn: asyncpg.Connection, stored: StoredApplication) -> None:
    at = now()
    await repository.record_decision(conn, stored.application_id, "verified", [], at)
    await cancel_deadlines(conn, DOCUMENTS_DEADLINES, stored.application_id, at)
    await add_to_outbox(conn, *verified_events(stored, at))
    await audited.record(conn, stored.application_id, Decision.DOCUMENTS_VERIFIED)


async def reject(
    conn: asyncpg.Connection,
    stored: StoredApplication,
    reasons: tuple[Reason, ...],
    *,
    actor: str = audited.SYSTEM,
) -> None:
    at = now()
    await repository.record_decision(
        conn, stored.application_id, "rejected", [r.code for r in reasons], at
    )
    # Decided: nothing it still waits for can be overdue any more.
    await cancel_deadlines(conn, DOCUMENTS_DEADLINES, stored.application_id, at)
    await add_to_outbox(
        conn,
        DocumentsRejected(
            application_id=stored.application_id,
            occurred_at=at,
            kind=stored.form.kind,
            reasons=reasons,
        ),
    )
    await audited.record(
        conn, stored.application_id, Decision.DOCUMENTS_REJECTED, reasons, actor=actor
    )


def verified_events(stored: StoredApplication, at: datetime) -> list[Event]:
    """What a verified application sends: to every reader, that it was verified (and for
    a loan what credit needs); to insurance alone, a refund claim with its payee."""
    form, person = stored.form, stored.form.applicant
    credit = None
    if form.kind is ApplicationKind.KUR_LOAN and form.credit is not None:
        # The bank finds the borrower's SLIK history by NIK: credit needs it.
        borrower = Borrower(
            nik=person.nik, full_name=person.full_name, date_of_birth=person.date_of_birth
        )
        # A family member's loan names the worker by pseudonym: the tracking code and the
        # worker's birth date that found it stay here.
        details = form.credit.model_dump(exclude={"worker_tracking_code", "worker_date_of_birth"})
        credit = CreditRequest(**details, borrower=borrower, worker_ref=stored.linked_worker_ref)
    events: list[Event] = [
        DocumentsVerified(
            application_id=stored.application_id,
            occurred_at=at,
            kind=form.kind,
            credit_request=credit,
        )
    ]
    if form.kind is ApplicationKind.INSURANCE_REFUND and form.refund is not None:
        # The names, bank code and account the insurer pays to: on a topic only insurance
        # reads, never on the documents stream that credit and notifications read too.
        refund = RefundRequest(
            worker_ref=stored.worker_ref,
            date_of_birth=person.date_of_birth,
            **form.refund.model_dump(),
        )
        events.append(
            RefundDocumentsVerified(
                application_id=stored.application_id, occurred_at=at, refund_request=refund
            )
        )
    return events
