"""Event handlers of the credit service: glue between the inbox, the rules and the outbox."""

from __future__ import annotations

import asyncpg
from sentra_shared.clock import now
from sentra_shared.consumer import EventHandlers
from sentra_shared.events import (
    ApplicationKind,
    CreditOutcome,
    CreditRequest,
    CreditScreened,
    DocumentsVerified,
    Reason,
)
from sentra_shared.outbox import add_to_outbox

from sentra_credit import repository

handlers = EventHandlers(consumer="credit")


@handlers.on(DocumentsVerified)
async def screen_verified_application(conn: asyncpg.Connection, event: DocumentsVerified) -> None:
    if event.kind is not ApplicationKind.KUR_LOAN or event.credit_request is None:
        return
    request = event.credit_request
    outcome, reasons = _decide(request)
    decided_at = now()
    stored = await repository.record_screening(
        conn,
        event.application_id,
        request.product,
        request.amount_idr,
        outcome.value,
        [reason.code for reason in reasons],
        decided_at,
    )
    if stored:
        await add_to_outbox(
            conn,
            CreditScreened(
                application_id=event.application_id,
                occurred_at=decided_at,
                outcome=outcome,
                amount_idr=request.amount_idr,
                reasons=reasons,
            ),
        )


def _decide(request: CreditRequest) -> tuple[CreditOutcome, tuple[Reason, ...]]:
    if request.amount_idr > 100_000_000:
        return CreditOutcome.REJECTED, (
            Reason(code="kur.above_ceiling", text_id="Di atas plafon.", text_en="Above ceiling."),
        )
    return CreditOutcome.APPROVED, ()
