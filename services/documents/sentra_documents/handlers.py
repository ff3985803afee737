"""Event handlers of the documents service: glue between the inbox, the rules and the outbox."""

from __future__ import annotations

import asyncpg
from sentra_shared.clock import now
from sentra_shared.consumer import EventHandlers
from sentra_shared.events import (
    AGENCY_EVENTS,
    AgencyCheckCompleted,
    ApplicationKind,
    ApplicationSubmitted,
    Borrower,
    CreditRequest,
    DocumentsRejected,
    DocumentsVerified,
    RefundRequest,
)
from sentra_shared.outbox import add_to_outbox
from sentra_shared.reasons import Reason

from sentra_documents import repository
from sentra_documents.checks import check_request
from sentra_documents.domain.agency_checks import (
    REQUIRED_CHECKS,
    ChecksState,
    combine,
    required_checks,
)
from sentra_documents.domain.intake import verify_intake
from sentra_documents.repository import StoredApplication

handlers = EventHandlers(consumer="documents")


@handlers.on(ApplicationSubmitted)
async def verify_submitted_application(
    conn: asyncpg.Connection, event: ApplicationSubmitted
) -> None:
    stored = await repository.load_application(conn, event.application_id)
    if stored is None or stored.status != "submitted":
        return
    applicant = stored.form.applicant
    result = verify_intake(
        applicant.nik,
        applicant.date_of_birth,
        applicant.sex,
        submitted_on=event.occurred_at.date(),
    )
    if not result.verified:
        # A file that fails intake goes to no agency: nobody needs its data.
        await reject(conn, stored, result.reasons)
        return
    await request_agency_checks(conn, stored)


async def request_agency_checks(conn: asyncpg.Connection, stored: StoredApplication) -> None:
    """Ask every agency the application needs for its check (also after a cleared review)."""
    at = now()
    requests = [
        check_request(agency, stored.application_id, stored.form, at)
        for agency in required_checks(stored.form.kind)
    ]
    await repository.record_checks_requested(
        conn, stored.application_id, [(r.agency, r.event_id) for r in requests], at
    )
    await add_to_outbox(conn, *requests)


async def continue_after_review(conn: asyncpg.Connection, stored: StoredApplication) -> None:
    """An officer cleared the red flags: the application goes on to the agencies.

    Minimal version for the officer review; the placement assessment replaces it with
    one that also applies the rules kept aside while the case waited.
    """
    await request_agency_checks(conn, stored)


async def record_check_result(conn: asyncpg.Connection, event: AgencyCheckCompleted) -> None:
    stored = await repository.load_application(conn, event.application_id)
    if stored is None or stored.status != "checking":
        return  # decided already: a late or repeated answer changes nothing
    if not await repository.record_check_answer(conn, event, now()):
        return
    answers = await repository.load_check_answers(conn, event.application_id)
    checks = combine(required_checks(stored.form.kind), answers)
    if checks.state is ChecksState.PASSED:
        await repository.record_decision(conn, stored.application_id, "verified", [], now())
        await add_to_outbox(conn, _verified_event(stored))
    elif checks.state is ChecksState.FAILED:
        await reject(conn, stored, checks.reasons)


# Documents consumes the result topic of every agency it asks.
for _agency in sorted({a for agencies in REQUIRED_CHECKS.values() for a in agencies}):
    handlers.on(AGENCY_EVENTS[_agency][1])(record_check_result)


async def reject(
    conn: asyncpg.Connection, stored: StoredApplication, reasons: tuple[Reason, ...]
) -> None:
    await repository.record_decision(
        conn, stored.application_id, "rejected", [r.code for r in reasons], now()
    )
    await add_to_outbox(
        conn,
        DocumentsRejected(
            application_id=stored.application_id,
            occurred_at=now(),
            kind=stored.form.kind,
            reasons=reasons,
        ),
    )


def _verified_event(stored: StoredApplication) -> DocumentsVerified:
    """Only what credit or insurance need to decide travels on: no identity numbers."""
    form = stored.form
    credit = refund = None
    person = form.applicant
    if form.kind is ApplicationKind.KUR_LOAN and form.credit is not None:
        # The bank finds the borrower's SLIK history by NIK: credit needs it, no one else.
        borrower = Borrower(
            nik=person.nik, full_name=person.full_name, date_of_birth=person.date_of_birth
        )
        credit = CreditRequest(**form.credit.model_dump(), borrower=borrower)
    if form.kind is ApplicationKind.INSURANCE_REFUND and form.refund is not None:
        refund = RefundRequest(
            worker_ref=stored.worker_ref,
            date_of_birth=person.date_of_birth,
            **form.refund.model_dump(),
        )
    return DocumentsVerified(
        application_id=stored.application_id,
        occurred_at=now(),
        kind=form.kind,
        credit_request=credit,
        refund_request=refund,
    )
