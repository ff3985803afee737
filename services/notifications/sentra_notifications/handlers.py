"""Event handlers of the notifications service: one consumer reads every stream it needs
and, for each event, updates the read models and tells the applicant.

- `waits`: who holds each file and until when (status page, public figures);
- the timeline and the notice (`tell_applicant`), for applicant-facing events.
"""

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

from sentra_notifications import repository, transparency, waits
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


async def on_event(conn: asyncpg.Connection, event: Event) -> None:
    await waits.record(conn, event)
    await transparency.record(conn, event)
    if isinstance(event, APPLICANT_FACING):
        await tell_applicant(conn, event)


for _event_type in dict.fromkeys((*APPLICANT_FACING, *waits.EVENTS, *transparency.EVENTS)):
    handlers.on(_event_type)(on_event)
