"""Event handlers of the credit service: glue between the inbox, the rules and the outbox.

A KUR application goes: documents verified -> the bank is asked for SLIK -> screened with
the bank's answer -> (approved or referred) the loan is referred to the bank -> the bank's
decision closes it. Each request to the bank opens a deadline in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache

import asyncpg
from sentra_shared import answers, audit
from sentra_shared.audit_heads import recording_escalations
from sentra_shared.calendar import WIB, WorkingDayCalendar
from sentra_shared.clock import now
from sentra_shared.consumer import EventHandlers
from sentra_shared.deadlines import (
    Party,
    Terms,
    announce_missed,
    answer_deadline,
    cancel_deadlines,
)
from sentra_shared.events import (
    CREDIT_DEADLINES,
    Agency,
    ApplicationKind,
    BankCheckCompleted,
    BankCheckRequested,
    BankLoanDecided,
    BankLoanRequested,
    CheckOutcome,
    CreditOutcome,
    CreditRequest,
    CreditScreened,
    DeadlineStep,
    DocumentsVerified,
    LoanDecided,
    LoanOutcome,
)
from sentra_shared.failures import RejectedEvent
from sentra_shared.outbox import add_to_outbox

from sentra_credit import repository
from sentra_credit.domain.kur import (
    BANK_DECISION_WORKING_DAYS,
    NON_PERFORMING,
    KurApplication,
    SlikCollectibility,
    screen_kur,
)
from sentra_credit.domain.kur_rules import KUR_RULES, BorrowerRole, KurProduct, product_for
from sentra_credit.domain.loan import decide_loan

BANK = Agency.BANK.value
# Two tables: both outcomes have a "rejected", equal as strings.
_SCREENING = {
    CreditOutcome.APPROVED: audit.Decision.CREDIT_APPROVED,
    CreditOutcome.REJECTED: audit.Decision.CREDIT_REJECTED,
    CreditOutcome.REFERRED: audit.Decision.CREDIT_REFERRED,
}
_LOAN = {
    LoanOutcome.DISBURSED: audit.Decision.LOAN_DISBURSED,
    LoanOutcome.REJECTED: audit.Decision.LOAN_REJECTED,
}


@cache
def rules_version() -> str:
    """The KUR rules that decide: the dated table, SLIK's non-performing grades, the bank's
    decision time."""
    return audit.rules_version("kur", KUR_RULES, NON_PERFORMING, BANK_DECISION_WORKING_DAYS)


AUDITOR = audit.Auditor("credit", rules_version)


def loan_product(request: CreditRequest) -> KurProduct:
    product = product_for(request.product, request.scheme)
    if product is None:
        # Documents refuses such a form at intake; no rule could screen it.
        raise RejectedEvent(f"no loan product {request.product!r} under {request.scheme!r}")
    return product


def kur_application(
    application_id: uuid.UUID, request: CreditRequest, slik_collectibility: int | None
) -> KurApplication:
    return KurApplication(
        application_id=str(application_id),
        product=loan_product(request),
        amount_idr=request.amount_idr,
        tenor_months=request.tenor_months,
        work_contract_months=request.contract_months,
        has_npwp=request.has_npwp,
        # Only the bank's SLIK answer counts; the applicant's own statement is ignored.
        worst_slik_collectibility=(
            None if slik_collectibility is None else SlikCollectibility(slik_collectibility)
        ),
        has_commercial_productive_credit=request.has_commercial_productive_credit,
        borrower_role=BorrowerRole(request.borrower_role),
        worker_linked=request.worker_ref is not None,
    )


@dataclass(frozen=True)
class CreditHandlers:
    """The handlers, with the calendar and the bank's agreed terms they count deadlines by."""

    calendar: WorkingDayCalendar
    bank_terms: Terms

    @property
    def bank(self) -> Party:
        return Party(BANK, self.bank_terms, self.calendar, CREDIT_DEADLINES)

    def registry(self) -> EventHandlers:
        handlers = EventHandlers(consumer="credit")
        handlers.on(DocumentsVerified)(self.ask_bank_for_slik)
        handlers.on(BankCheckCompleted)(self.screen_with_slik)
        handlers.on(BankLoanDecided)(self.record_bank_decision)
        return handlers

    async def ask_bank_for_slik(self, conn: asyncpg.Connection, event: DocumentsVerified) -> None:
        if event.kind is not ApplicationKind.KUR_LOAN:
            return
        request = event.credit_request
        if request is None or request.borrower is None:
            # Documents sends both for every KUR loan; without them the bank cannot be asked.
            raise RejectedEvent("a verified KUR application without the borrower's identity")
        borrower = request.borrower
        loan_product(request)  # before the bank is asked anything
        at = now()
        slik_request = BankCheckRequested(
            application_id=event.application_id,
            occurred_at=at,
            nik=borrower.nik,
            full_name=borrower.full_name,
            date_of_birth=borrower.date_of_birth,
            amount_idr=request.amount_idr,
        )
        if not await repository.open_case(
            conn, event.application_id, request, borrower, slik_request.event_id, at
        ):
            return
        await self.bank.owes(
            conn, DeadlineStep.BANK_CHECK, event.application_id, slik_request.event_id, at
        )
        await add_to_outbox(conn, slik_request)

    async def screen_with_slik(self, conn: asyncpg.Connection, event: BankCheckCompleted) -> None:
        at = now()
        case = await repository.load_case(conn, event.application_id)
        if not await answers.admit_awaited(
            conn,
            service="credit",
            subject="loan case",
            answer=event,
            known=case is not None,
            asked=case is not None and case.slik_request_id == event.request_id,
            awaiting=case is not None and case.stage is repository.Stage.AWAITING_SLIK,
            at=at,
        ):
            return
        assert case is not None and case.stage is repository.Stage.AWAITING_SLIK
        # A late answer still counts; the breach stays on the deadline row.
        await answer_deadline(conn, CREDIT_DEADLINES, DeadlineStep.BANK_CHECK, event.request_id, at)
        assert case.request is not None and case.borrower is not None  # set when opened
        # A failed check without a collectibility is "no SLIK result": the bank judges it.
        collectibility = event.slik_collectibility
        decision = screen_kur(
            kur_application(case.application_id, case.request, collectibility),
            on=at.astimezone(WIB).date(),
            calendar=self.calendar,
        )
        outcome = CreditOutcome(decision.outcome.value)
        screened = CreditScreened(
            application_id=case.application_id,
            occurred_at=at,
            outcome=outcome,
            amount_idr=case.request.amount_idr,
            reasons=decision.reasons,
            bank_decision_due=decision.bank_decision_due,
            borrower_role=case.request.borrower_role,
            scheme=case.request.scheme,
        )
        loan_request = None
        if outcome is not CreditOutcome.REJECTED:
            assert decision.bank_decision_due is not None  # every referral has one
            loan_request = BankLoanRequested(
                application_id=case.application_id,
                occurred_at=at,
                nik=case.borrower.nik,
                full_name=case.borrower.full_name,
                date_of_birth=case.borrower.date_of_birth,
                product=case.request.product,
                amount_idr=case.request.amount_idr,
                tenor_months=case.request.tenor_months,
                screening="approved" if outcome is CreditOutcome.APPROVED else "referred",
                reasons=decision.reasons,
                decision_due=decision.bank_decision_due,
                borrower_role=case.request.borrower_role,
                scheme=case.request.scheme,
                worker_ref=case.request.worker_ref,
            )
        await repository.record_screening(
            conn,
            case.application_id,
            slik_collectibility=collectibility,
            outcome=outcome.value,
            reasons=decision.reasons,
            bank_decision_due=decision.bank_decision_due,
            loan_request_id=None if loan_request is None else loan_request.event_id,
            at=at,
        )
        await AUDITOR.record(conn, case.application_id, _SCREENING[outcome], decision.reasons)
        if loan_request is None:
            await cancel_deadlines(conn, CREDIT_DEADLINES, case.application_id, at)
            await add_to_outbox(conn, screened)
            return
        await self.bank.owes(
            conn, DeadlineStep.BANK_DECISION, case.application_id, loan_request.event_id, at
        )
        await add_to_outbox(conn, screened, loan_request)

    async def record_bank_decision(self, conn: asyncpg.Connection, event: BankLoanDecided) -> None:
        at = now()
        case = await repository.load_case(conn, event.application_id)
        if not await answers.admit_awaited(
            conn,
            service="credit",
            subject="loan case",
            answer=event,
            known=case is not None,
            asked=case is not None and case.loan_request_id == event.request_id,
            awaiting=case is not None and case.stage is repository.Stage.AWAITING_BANK,
            at=at,
        ):
            return
        assert case is not None and case.stage is repository.Stage.AWAITING_BANK
        deadline = await answer_deadline(
            conn, CREDIT_DEADLINES, DeadlineStep.BANK_DECISION, event.request_id, at
        )
        decided_late = deadline is not None and deadline.breached
        assert case.request is not None  # set when opened
        decision = decide_loan(
            granted=event.outcome is CheckOutcome.PASSED,
            disbursed_amount_idr=event.disbursed_amount_idr,
            referred_amount_idr=case.request.amount_idr,
            bank_reasons=event.reasons,
        )
        await repository.record_loan_decision(
            conn,
            case.application_id,
            outcome=decision.outcome.value,
            amount_disbursed_idr=decision.amount_disbursed_idr,
            reasons=decision.reasons,
            decided_late=decided_late,
            at=at,
        )
        await cancel_deadlines(conn, CREDIT_DEADLINES, case.application_id, at)
        await add_to_outbox(
            conn,
            LoanDecided(
                application_id=case.application_id,
                occurred_at=at,
                outcome=decision.outcome,
                amount_disbursed_idr=decision.amount_disbursed_idr,
                reasons=decision.reasons,
                decided_late=decided_late,
            ),
        )
        # The bank decides; what is recorded is its decision as credit applied it.
        await AUDITOR.record(conn, case.application_id, _LOAN[decision.outcome], decision.reasons)

    # The bank missed a deadline: credit's stream hears it is overdue, and at the second
    # threshold the supervisor (OJK) is told on the oversight stream.
    on_due = staticmethod(recording_escalations(announce_missed(CREDIT_DEADLINES)))
