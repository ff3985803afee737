"""Event handlers of the credit service: glue between the inbox, the rules and the outbox."""

from __future__ import annotations

import asyncpg
import holidays
from sentra_shared.clock import now
from sentra_shared.consumer import EventHandlers
from sentra_shared.events import (
    ApplicationKind,
    CreditOutcome,
    CreditRequest,
    CreditScreened,
    DocumentsVerified,
)
from sentra_shared.outbox import add_to_outbox

from sentra_credit import repository
from sentra_credit.domain.kur import KurApplication, KurProduct, SlikCollectibility, screen_kur

handlers = EventHandlers(consumer="credit")

# Indonesian public holidays, computed per year on first use (no I/O): the bank's
# 5-working-day deadline skips them.
_INDONESIAN_HOLIDAYS = holidays.country_holidays("ID")

_PRODUCTS = {"placement": KurProduct.PLACEMENT, "micro": KurProduct.MICRO}


def _kur_application(event: DocumentsVerified, request: CreditRequest) -> KurApplication:
    return KurApplication(
        application_id=str(event.application_id),
        product=_PRODUCTS[request.product],
        amount_idr=request.amount_idr,
        tenor_months=request.tenor_months,
        work_contract_months=request.contract_months,
        has_npwp=request.has_npwp,
        worst_slik_collectibility=(
            None
            if request.slik_collectibility is None
            else SlikCollectibility(request.slik_collectibility)
        ),
        has_commercial_productive_credit=request.has_commercial_productive_credit,
    )


@handlers.on(DocumentsVerified)
async def screen_verified_application(conn: asyncpg.Connection, event: DocumentsVerified) -> None:
    if event.kind is not ApplicationKind.KUR_LOAN or event.credit_request is None:
        return
    request = event.credit_request
    decided_at = now()
    decision = screen_kur(
        _kur_application(event, request),
        on=decided_at.date(),
        is_holiday=_INDONESIAN_HOLIDAYS.__contains__,
    )
    outcome = CreditOutcome(decision.outcome.value)
    stored = await repository.record_screening(
        conn,
        event.application_id,
        request.product,
        request.amount_idr,
        outcome.value,
        [reason.code for reason in decision.reasons],
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
                reasons=decision.reasons,
                bank_decision_due=decision.bank_decision_due,
            ),
        )
