"""Event handlers of the notifications service: record the notice, announce it via the outbox."""

from __future__ import annotations

import asyncpg
from sentra_shared.consumer import EventHandlers
from sentra_shared.events import (
    ApplicantNotified,
    ApplicationFlagged,
    ApplicationReviewed,
    ApplicationSubmitted,
    CreditDeadlineEscalated,
    CreditDeadlineOverdue,
    CreditScreened,
    DocumentsDeadlineEscalated,
    DocumentsDeadlineOverdue,
    DocumentsRejected,
    DocumentsVerified,
    DormantClaimReferred,
    Event,
    InsuranceDeadlineEscalated,
    InsuranceDeadlineOverdue,
    LoanDecided,
    RefundClaimAssessed,
    RefundPaid,
)
from sentra_shared.outbox import add_to_outbox

from sentra_notifications import repository
from sentra_notifications.domain import compose

handlers = EventHandlers(consumer="notifications")

# Every event the applicant hears about (compose may still decide to say nothing).
APPLICANT_FACING: tuple[type[Event], ...] = (
    ApplicationSubmitted,
    ApplicationFlagged,
    ApplicationReviewed,
    DocumentsVerified,
    DocumentsRejected,
    DocumentsDeadlineOverdue,
    DocumentsDeadlineEscalated,
    CreditScreened,
    LoanDecided,
    CreditDeadlineOverdue,
    CreditDeadlineEscalated,
    RefundClaimAssessed,
    RefundPaid,
    DormantClaimReferred,
    InsuranceDeadlineOverdue,
    InsuranceDeadlineEscalated,
)


async def tell_applicant(conn: asyncpg.Connection, event: Event) -> None:
    if isinstance(event, ApplicationSubmitted):
        await repository.save_applicant(conn, event)
    notice = compose(event)
    if notice is None:
        return
    await repository.append(
        conn, event.application_id, event.event_id, event.ce_type(), notice, event.occurred_at
    )
    await add_to_outbox(
        conn,
        ApplicantNotified(
            application_id=event.application_id,
            occurred_at=event.occurred_at,
            channel="sms",
            about=event.ce_type(),
            final=notice.final,
        ),
    )


for _event_type in APPLICANT_FACING:
    handlers.on(_event_type)(tell_applicant)
