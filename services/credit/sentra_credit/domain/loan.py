"""The partner bank's decision on a referred KUR loan, as Sentra records it."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field
from sentra_shared.events import LoanOutcome
from sentra_shared.reasons import Reason

from .reasons import CreditReason, reason

# A bank that rejects a KUR PMI application must state its reasons in writing.
REASONS_REQUIRED_BY = "Permen P2MI/Kepala BP2MI 18/2025 art. 14(1)(d)"


class LoanDecision(BaseModel):
    model_config = ConfigDict(frozen=True)

    outcome: LoanOutcome
    amount_disbursed_idr: int | None = Field(default=None, gt=0)
    reasons: tuple[Reason, ...] = ()


def decide_loan(
    *,
    granted: bool,
    disbursed_amount_idr: int | None,
    referred_amount_idr: int,
    bank_reasons: Sequence[Reason],
) -> LoanDecision:
    """Record the bank's answer. A grant without an amount is the amount referred (the
    bank was asked for exactly that). A rejection without a reason is still a rejection,
    but the record says the bank broke the rule, so the applicant and OJK can act on it."""
    if granted:
        return LoanDecision(
            outcome=LoanOutcome.DISBURSED,
            amount_disbursed_idr=disbursed_amount_idr or referred_amount_idr,
            reasons=tuple(bank_reasons),
        )
    reasons = tuple(bank_reasons) or (
        reason(CreditReason.BANK_REJECTED_WITHOUT_REASON, regulation=REASONS_REQUIRED_BY),
    )
    return LoanDecision(outcome=LoanOutcome.REJECTED, reasons=reasons)
