"""Event handlers of the notifications service: one consumer reads every stream it needs
and, for each event, updates the read models and tells the applicant.

- `waits`: who holds each file and until when (status page, public figures);
- the timeline and the notice (`tell_applicant`), for applicant-facing events.

The empowerment service's cases (a business, a consultation) are told like applications:
their first event carries the person's contact and tracking code, and their id stands
where an application's does.
"""

from __future__ import annotations

import asyncpg
from sentra_shared import clock
from sentra_shared.consumer import EventHandlers
from sentra_shared.events import (
    ApplicantNotified,
    ApplicationFlagged,
    ApplicationReviewed,
    ApplicationSubmitted,
    AwardAssessed,
    BusinessRegistered,
    ConsultationAnswered,
    ConsultationReceived,
    CreditDeadlineEscalated,
    CreditDeadlineOverdue,
    CreditScreened,
    DocumentsDeadlineEscalated,
    DocumentsDeadlineOverdue,
    DocumentsRejected,
    DocumentsVerified,
    DormantClaimReferred,
    EmpowermentDeadlineEscalated,
    EmpowermentDeadlineOverdue,
    Event,
    InsuranceDeadlineEscalated,
    InsuranceDeadlineOverdue,
    LoanDecided,
    ProgrammeEnrolled,
    ProgressRecorded,
    RefundClaimAssessed,
    RefundPaid,
)
from sentra_shared.outbox import add_to_outbox

from sentra_notifications import delivery, repository, transparency, waits
from sentra_notifications.domain import compose
from sentra_notifications.domain.delivery import messages_for

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
    BusinessRegistered,
    ProgrammeEnrolled,
    ProgressRecorded,
    AwardAssessed,
    ConsultationReceived,
    ConsultationAnswered,
    EmpowermentDeadlineOverdue,
    EmpowermentDeadlineEscalated,
)


def tracking_code(event: Event) -> str | None:
    case = repository.case_of(event)
    return case[2].tracking_code if case else None


async def tell_applicant(conn: asyncpg.Connection, event: Event) -> None:
    """The timeline row and the messages owed on the applicant's channels, in this
    transaction; the delivery worker sends them. An applicant who chose no channel (an
    application from before channels existed) is told at the counter and on the timeline."""
    await repository.save_applicant(conn, event)  # the first event of a case only
    notice = compose(event)
    if notice is None:
        return
    # The message carries the tracking code; the timeline (the status page, the JSON
    # timeline) never shows it: a screenshot of the page must not open the page again.
    shown = notice.masking(tracking_code(event))
    await repository.append(
        conn, event.application_id, event.event_id, event.ce_type(), shown, event.occurred_at
    )
    contact = await delivery.contact_of(conn, event.application_id)
    messages = messages_for(notice, contact) if contact is not None else ()
    if messages:
        await delivery.schedule(conn, event, notice.final, messages, clock.now())
        return
    await add_to_outbox(
        conn,
        ApplicantNotified(
            application_id=event.application_id,
            occurred_at=event.occurred_at,
            channel="counter",
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
