"""Event handlers of the insurance service: glue between the inbox, the rules and the outbox.

A verified refund claim is first confirmed by the insurer (`InsurerCheckRequested`),
then assessed with the amount the insurer holds; an accepted claim is paid by the
insurer (`InsurerPayoutRequested`), a dormant one is referred to HRD Korea. Each request
opens its deadline in the transaction that sends it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg
from sentra_shared import answers, audit
from sentra_shared.calendar import WIB, WorkingDayCalendar
from sentra_shared.clock import now
from sentra_shared.consumer import EventHandlers
from sentra_shared.deadlines import (
    Party,
    Terms,
    answer_deadline,
    cancel_deadlines,
)
from sentra_shared.events import (
    INSURANCE_DEADLINES,
    Agency,
    CheckOutcome,
    ClaimOutcome,
    DeadlineStep,
    DormantClaimReferred,
    InsurerCheckCompleted,
    InsurerCheckRequested,
    InsurerPayoutConfirmed,
    InsurerPayoutRequested,
    RefundClaimAssessed,
    RefundDocumentsVerified,
    RefundPaid,
    RefundRequest,
)
from sentra_shared.failures import RejectedEvent
from sentra_shared.outbox import add_to_outbox

from sentra_insurance import repository
from sentra_insurance.audited import ASSESSED, record
from sentra_insurance.domain.dormant import dormant_claim_instructions
from sentra_insurance.domain.eps import (
    ClaimDecision,
    ClaimType,
    EpsClaim,
    ExchangeRate,
    assess_claim,
    insurer_refused,
)
from sentra_insurance.domain.payout import settle_payout
from sentra_insurance.overdue import payout_refused_escalation
from sentra_insurance.repository import StoredClaim


@dataclass(frozen=True)
class Insurer:
    """The insurer's agreed terms and the calendar they are counted in."""

    terms: Terms
    calendar: WorkingDayCalendar

    @property
    def party(self) -> Party:
        return Party(Agency.INSURER.value, self.terms, self.calendar, INSURANCE_DEADLINES)

    def last_day(self, requested_at: datetime) -> date:
        """The last day the insurer has, as a date the worker reads (WIB)."""
        start = requested_at.astimezone(WIB).date()
        return self.calendar.last_day(start, self.terms.days, self.terms.day_kind)


def _birth_date(request: RefundRequest) -> date:
    if request.date_of_birth is None:
        raise RejectedEvent("refund request without the birth date the insurer needs")
    return request.date_of_birth


def _eps_claim(application_id: uuid.UUID, request: RefundRequest, held: int | None) -> EpsClaim:
    return EpsClaim(
        claim_id=str(application_id),
        worker_id=request.worker_ref,
        claim_type=ClaimType(request.claim_type),
        passport_name=request.passport_name,
        account_holder_name=request.payee_account_name,
        swift_bic=request.swift_bic,
        departure_date=request.departure_date,
        employment_start=request.employment_start,
        employment_end=request.employment_end,
        # The insurer's confirmed figure, not the applicant's: it is what can be paid.
        assessed_amount_krw=held,
    )


def build_handlers(rate: ExchangeRate, insurer: Insurer) -> EventHandlers:
    handlers = EventHandlers(consumer="insurance")

    # The claim comes whole on its own topic (documents publishes it with DocumentsVerified
    # in one transaction): nothing here waits for, or joins with, the documents stream.
    @handlers.on(RefundDocumentsVerified)
    async def ask_insurer(conn: asyncpg.Connection, event: RefundDocumentsVerified) -> None:
        request = event.refund_request
        at = now()
        check = InsurerCheckRequested(
            application_id=event.application_id,
            occurred_at=at,
            passport_name=request.passport_name,
            date_of_birth=_birth_date(request),
            claim_type=request.claim_type,
            departure_date=request.departure_date,
        )
        if not await repository.open_claim(conn, event.application_id, request, check.event_id):
            return
        await insurer.party.owes(
            conn, DeadlineStep.INSURER_CHECK, event.application_id, check.event_id, at
        )
        await add_to_outbox(conn, check)

    @handlers.on(InsurerCheckCompleted)
    async def assess_confirmed_claim(
        conn: asyncpg.Connection, event: InsurerCheckCompleted
    ) -> None:
        at = now()
        claim = await repository.load_claim(conn, event.application_id)
        if not await answers.admit_awaited(
            conn,
            service="insurance",
            subject="claim",
            answer=event,
            known=claim is not None,
            asked=claim is not None and claim.check_request_id == event.request_id,
            awaiting=claim is not None and claim.status == repository.INSURER_CHECK,
            at=at,
        ):
            return
        assert claim is not None and claim.status == repository.INSURER_CHECK
        await answer_deadline(
            conn, INSURANCE_DEADLINES, DeadlineStep.INSURER_CHECK, event.request_id, at
        )
        request = claim.request
        if event.outcome is CheckOutcome.FAILED:
            decision = insurer_refused(event.reasons, request.departure_date)
        else:
            decision = assess_claim(
                _eps_claim(claim.application_id, request, event.amount_krw),
                on=at.astimezone(WIB).date(),
                rate=rate,
                prior_paid_claims=await repository.paid_claims(conn, request.worker_ref),
            )
        await _apply_decision(conn, insurer, claim, decision, at)

    @handlers.on(InsurerPayoutConfirmed)
    async def record_payout(conn: asyncpg.Connection, event: InsurerPayoutConfirmed) -> None:
        at = now()
        claim = await repository.load_claim(conn, event.application_id)
        if not await answers.admit_awaited(
            conn,
            service="insurance",
            subject="claim",
            answer=event,
            known=claim is not None,
            asked=claim is not None and claim.payout_request_id == event.request_id,
            awaiting=claim is not None and claim.status == repository.PAYOUT_REQUESTED,
            at=at,
        ):
            return
        assert claim is not None and claim.status == repository.PAYOUT_REQUESTED
        # Set with the payout request.
        assert claim.amount_krw is not None and claim.amount_idr is not None
        assert claim.payout_due is not None
        deadline = await answer_deadline(
            conn, INSURANCE_DEADLINES, DeadlineStep.INSURER_PAYOUT, event.request_id, at
        )
        if event.outcome is CheckOutcome.FAILED:
            # Not re-requested: the same account and amounts would be refused again. The
            # supervisor takes the case at once; the insurer's reasons stay on the claim.
            await repository.record_payout_refused(
                conn, claim.application_id, [r.code for r in event.reasons], at
            )
            await add_to_outbox(
                conn, await payout_refused_escalation(conn, claim, insurer.terms, deadline, at)
            )
            await record(conn, claim.application_id, audit.Decision.PAYOUT_REFUSED, event.reasons)
            return
        payment = settle_payout(
            requested_krw=claim.amount_krw,
            estimated_idr=claim.amount_idr,
            payout_due=claim.payout_due,
            paid_krw=event.paid_krw,
            paid_idr=event.paid_idr,
            paid_on=event.paid_on,
            answered_on=at.astimezone(WIB).date(),
            deadline_breached=deadline is not None and deadline.breached,
        )
        await repository.record_payment(conn, claim.application_id, payment, at)
        await cancel_deadlines(conn, INSURANCE_DEADLINES, claim.application_id, at)
        await add_to_outbox(
            conn,
            RefundPaid(
                application_id=claim.application_id,
                occurred_at=at,
                amount_krw=payment.amount_krw,
                amount_idr=payment.amount_idr,
                paid_on=payment.paid_on,
                paid_late=payment.paid_late,
            ),
        )
        await record(conn, claim.application_id, audit.Decision.PAYOUT_PAID)

    return handlers


async def _apply_decision(
    conn: asyncpg.Connection,
    insurer: Insurer,
    claim: StoredClaim,
    decision: ClaimDecision,
    at: datetime,
) -> None:
    """Save the assessment and send what follows from it: the payout request (accepted),
    the HRD Korea referral (dormant), or nothing more (rejected)."""
    request, application_id = claim.request, claim.application_id
    accepted = decision.outcome.value == ClaimOutcome.ACCEPTED and decision.amount_krw is not None
    payout_due = insurer.last_day(at) if accepted else None
    assessed = RefundClaimAssessed(
        application_id=application_id,
        occurred_at=at,
        outcome=ClaimOutcome(decision.outcome.value),
        amount_krw=decision.amount_krw,
        amount_idr=decision.amount_idr,
        last_claim_day=decision.last_claim_day,
        reasons=decision.reasons,
        payout_due=payout_due,
    )
    # One record for the three ways on: it commits with whichever events follow.
    await record(conn, application_id, ASSESSED[assessed.outcome], decision.reasons)
    if payout_due is not None and decision.amount_krw is not None:
        payout = InsurerPayoutRequested(
            application_id=application_id,
            occurred_at=at,
            passport_name=request.passport_name,
            date_of_birth=_birth_date(request),
            claim_type=request.claim_type,
            amount_krw=decision.amount_krw,
            payee_account_name=request.payee_account_name,
            payee_account_number=request.payee_account_number,
            swift_bic=request.swift_bic,
            payout_due=payout_due,
        )
        await repository.record_assessment(
            conn,
            application_id,
            decision,
            at,
            payout_request_id=payout.event_id,
            payout_due=payout_due,
        )
        await insurer.party.owes(
            conn, DeadlineStep.INSURER_PAYOUT, application_id, payout.event_id, at
        )
        await add_to_outbox(conn, assessed, payout)
        return
    await repository.record_assessment(conn, application_id, decision, at)
    await cancel_deadlines(conn, INSURANCE_DEADLINES, application_id, at)
    if assessed.outcome is ClaimOutcome.DORMANT and decision.last_claim_day is not None:
        referral = DormantClaimReferred(
            application_id=application_id,
            occurred_at=at,
            amount_krw=decision.amount_krw,
            last_claim_day=decision.last_claim_day,
            instructions=dormant_claim_instructions(
                ClaimType(request.claim_type),
                request.departure_date,
                decision.last_claim_day,
                decision.amount_krw,
            ),
        )
        await add_to_outbox(conn, assessed, referral)
        return
    await add_to_outbox(conn, assessed)
