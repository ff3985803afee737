"""Event handlers of the insurance service: glue between the inbox, the rules and the outbox."""

from __future__ import annotations

import asyncpg
from sentra_shared.clock import now
from sentra_shared.consumer import EventHandlers
from sentra_shared.events import (
    ApplicationKind,
    ClaimOutcome,
    DocumentsVerified,
    RefundClaimAssessed,
    RefundRequest,
)
from sentra_shared.outbox import add_to_outbox

from sentra_insurance import repository
from sentra_insurance.domain.eps import ClaimType, EpsClaim, ExchangeRate, assess_claim


def _eps_claim(event: DocumentsVerified, request: RefundRequest) -> EpsClaim:
    return EpsClaim(
        claim_id=str(event.application_id),
        worker_id=request.worker_ref,
        claim_type=ClaimType(request.claim_type),
        passport_name=request.passport_name,
        account_holder_name=request.payee_account_name,
        swift_bic=request.swift_bic,
        departure_date=request.departure_date,
        employment_start=request.employment_start,
        employment_end=request.employment_end,
        assessed_amount_krw=request.assessed_amount_krw,
    )


def build_handlers(rate: ExchangeRate) -> EventHandlers:
    handlers = EventHandlers(consumer="insurance")

    @handlers.on(DocumentsVerified)
    async def assess_refund_claim(conn: asyncpg.Connection, event: DocumentsVerified) -> None:
        if event.kind is not ApplicationKind.INSURANCE_REFUND or event.refund_request is None:
            return
        request = event.refund_request
        decided_at = now()
        decision = assess_claim(
            _eps_claim(event, request),
            on=decided_at.date(),
            rate=rate,
            prior_paid_claims=await repository.paid_claims(conn, request.worker_ref),
        )
        stored = await repository.record_assessment(
            conn, event.application_id, request.worker_ref, request.claim_type, decision, decided_at
        )
        if stored:
            await add_to_outbox(
                conn,
                RefundClaimAssessed(
                    application_id=event.application_id,
                    occurred_at=decided_at,
                    outcome=ClaimOutcome(decision.outcome.value),
                    amount_krw=decision.amount_krw,
                    amount_idr=decision.amount_idr,
                    last_claim_day=decision.last_claim_day,
                    reasons=decision.reasons,
                ),
            )

    return handlers
