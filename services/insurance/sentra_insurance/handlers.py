"""Event handlers of the insurance service: glue between the inbox, the rules and the outbox."""

from __future__ import annotations

import asyncpg
from sentra_shared.clock import now
from sentra_shared.consumer import EventHandlers
from sentra_shared.events import (
    ApplicationKind,
    ClaimOutcome,
    DocumentsVerified,
    Reason,
    RefundClaimAssessed,
    RefundRequest,
)
from sentra_shared.outbox import add_to_outbox

from sentra_insurance import repository

handlers = EventHandlers(consumer="insurance")


@handlers.on(DocumentsVerified)
async def assess_refund_claim(conn: asyncpg.Connection, event: DocumentsVerified) -> None:
    if event.kind is not ApplicationKind.INSURANCE_REFUND or event.refund_request is None:
        return
    request = event.refund_request
    outcome, reasons = _decide(request)
    decided_at = now()
    stored = await repository.record_assessment(
        conn,
        event.application_id,
        request.claim_type,
        request.amount_krw,
        outcome.value,
        [reason.code for reason in reasons],
        decided_at,
    )
    if stored:
        await add_to_outbox(
            conn,
            RefundClaimAssessed(
                application_id=event.application_id,
                occurred_at=decided_at,
                outcome=outcome,
                amount_krw=request.amount_krw,
                reasons=reasons,
            ),
        )


def _decide(request: RefundRequest) -> tuple[ClaimOutcome, tuple[Reason, ...]]:
    if request.passport_name.upper() != request.payee_account_name.upper():
        return ClaimOutcome.REJECTED, (
            Reason(code="eps.payee", text_id="Nama tidak cocok.", text_en="Name mismatch."),
        )
    return ClaimOutcome.ACCEPTED, ()
