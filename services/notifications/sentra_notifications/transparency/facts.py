"""What one event tells the public figures about its application: pure, no I/O.

Only the kind, the regency, when it was submitted and decided, the outcome and whether a
red flag was raised or confirmed: nothing that names or identifies a person.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sentra_shared.events import (
    ApplicationFlagged,
    ApplicationKind,
    ApplicationReviewed,
    ApplicationSubmitted,
    ClaimOutcome,
    CreditOutcome,
    CreditScreened,
    DocumentsRejected,
    DocumentsVerified,
    DormantClaimReferred,
    Event,
    LoanDecided,
    LoanOutcome,
    RefundClaimAssessed,
    RefundPaid,
    ReviewDecision,
)


class Outcome(StrEnum):
    APPROVED = "approved"  # placement verified, loan disbursed, refund paid
    REJECTED = "rejected"  # by documents, credit screening, the bank or the assessment
    REFERRED = "referred"  # a dormant refund claim: referred to HRD Korea
    IN_PROGRESS = "in_progress"  # no final word yet (never stored: the absence of one)


EVENTS: tuple[type[Event], ...] = (
    ApplicationSubmitted,
    ApplicationFlagged,
    ApplicationReviewed,
    DocumentsVerified,
    DocumentsRejected,
    CreditScreened,
    LoanDecided,
    RefundClaimAssessed,
    RefundPaid,
    DormantClaimReferred,
)


@dataclass(frozen=True)
class Fact:
    """A partial row of `public_applications`: None (False) where the event says nothing."""

    application_id: uuid.UUID
    kind: ApplicationKind | None = None
    regency_code: str | None = None
    submitted_at: datetime | None = None
    outcome: Outcome | None = None
    decided_at: datetime | None = None
    flagged: bool = False
    confirmed: bool = False


def fact_of(event: Event) -> Fact | None:
    """The final outcome, the submission or a red flag; None for anything else."""
    app = event.application_id
    match event:
        case ApplicationSubmitted():
            return Fact(
                app,
                kind=event.kind,
                regency_code=event.regency_code,
                submitted_at=event.occurred_at,
            )
        case ApplicationFlagged():
            return Fact(app, kind=event.kind, flagged=True)
        case ApplicationReviewed():
            # A confirmation is always of a raised flag, even if the flag arrives later.
            confirmed = event.decision is ReviewDecision.CONFIRMED
            return Fact(app, kind=event.kind, flagged=True, confirmed=confirmed)
        case DocumentsVerified():
            # Verified documents end a placement; a loan or a refund goes on.
            if event.kind is not ApplicationKind.PLACEMENT:
                return Fact(app, kind=event.kind)
            return _decided(event, event.kind, Outcome.APPROVED)
        case DocumentsRejected():
            return _decided(event, event.kind, Outcome.REJECTED)
        case CreditScreened():
            if event.outcome is not CreditOutcome.REJECTED:
                return Fact(app, kind=ApplicationKind.KUR_LOAN)
            return _decided(event, ApplicationKind.KUR_LOAN, Outcome.REJECTED)
        case LoanDecided():
            approved = event.outcome is LoanOutcome.DISBURSED
            outcome = Outcome.APPROVED if approved else Outcome.REJECTED
            return _decided(event, ApplicationKind.KUR_LOAN, outcome)
        case RefundClaimAssessed():
            claim = _CLAIM_OUTCOMES.get(event.outcome)
            if claim is None:  # accepted: the payout is still to come
                return Fact(app, kind=ApplicationKind.INSURANCE_REFUND)
            return _decided(event, ApplicationKind.INSURANCE_REFUND, claim)
        case RefundPaid():
            return _decided(event, ApplicationKind.INSURANCE_REFUND, Outcome.APPROVED)
        case DormantClaimReferred():
            return _decided(event, ApplicationKind.INSURANCE_REFUND, Outcome.REFERRED)
    return None


_CLAIM_OUTCOMES = {ClaimOutcome.REJECTED: Outcome.REJECTED, ClaimOutcome.DORMANT: Outcome.REFERRED}


def _decided(event: Event, kind: ApplicationKind, outcome: Outcome) -> Fact:
    return Fact(event.application_id, kind=kind, outcome=outcome, decided_at=event.occurred_at)
