"""Event handlers of the documents service: glue between the inbox, the rules and the outbox."""

from __future__ import annotations

import asyncpg
from sentra_shared.clock import now
from sentra_shared.consumer import EventHandlers
from sentra_shared.events import (
    ApplicationKind,
    ApplicationSubmitted,
    CreditRequest,
    DocumentsRejected,
    DocumentsVerified,
    RefundRequest,
)
from sentra_shared.outbox import add_to_outbox

from sentra_documents import repository
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
    if result.verified:
        await repository.record_decision(conn, event.application_id, "verified", [], now())
        await add_to_outbox(conn, _verified_event(event, stored))
    else:
        await repository.record_decision(
            conn,
            event.application_id,
            "rejected",
            [reason.code for reason in result.reasons],
            now(),
        )
        await add_to_outbox(
            conn,
            DocumentsRejected(
                application_id=event.application_id,
                occurred_at=now(),
                kind=event.kind,
                reasons=result.reasons,
            ),
        )


def _verified_event(event: ApplicationSubmitted, stored: StoredApplication) -> DocumentsVerified:
    """Only what credit or insurance need to decide travels on: no identity numbers."""
    form = stored.form
    credit = refund = None
    if form.kind is ApplicationKind.KUR_LOAN and form.credit is not None:
        credit = CreditRequest(**form.credit.model_dump())
    if form.kind is ApplicationKind.INSURANCE_REFUND and form.refund is not None:
        refund = RefundRequest(worker_ref=stored.worker_ref, **form.refund.model_dump())
    return DocumentsVerified(
        application_id=event.application_id,
        occurred_at=now(),
        kind=form.kind,
        credit_request=credit,
        refund_request=refund,
    )
