"""Missed deadlines, from every service that waits for someone's answer.

`…Overdue` goes on the owning service's own stream when a party's agreed time has passed;
`…Escalated` goes on the oversight stream, read by the supervising agencies, when as long
again has passed. One pair per owning service, with the same fields.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from sentra_shared.events.applications import (
    CREDIT_TOPIC,
    DOCUMENTS_TOPIC,
    ESCALATIONS_TOPIC,
    INSURANCE_TOPIC,
)
from sentra_shared.events.base import Event


class DeadlineStep(StrEnum):
    AGENCY_CHECK = "agency_check"  # an agency's check for documents
    OFFICER_REVIEW = "officer_review"  # an officer's review of a red flag
    BANK_CHECK = "bank_check"  # the bank's SLIK credit-history answer
    BANK_DECISION = "bank_decision"  # the bank's loan decision (5 working days)
    INSURER_CHECK = "insurer_check"  # the insurer's confirmation of a claim
    INSURER_PAYOUT = "insurer_payout"  # the insurer's payment (14 days)


class DeadlineMissed(Event):
    """Common fields of a missed deadline: who owed what, asked when, due when."""

    step: DeadlineStep
    party: str = Field(description="Who owes the answer: an agency, or 'officer'.")
    request_id: uuid.UUID = Field(description="The request (or review case) still unanswered.")
    requested_at: datetime
    due_at: datetime


class DeadlineEscalated(DeadlineMissed):
    """Still unanswered at the second threshold: told to the supervising agency."""

    topic: ClassVar[str] = ESCALATIONS_TOPIC

    supervisor: str
    escalated_for_at: datetime = Field(description="The second threshold that passed.")


class DocumentsDeadlineOverdue(DeadlineMissed):
    owner: ClassVar[str] = "documents"
    topic: ClassVar[str] = DOCUMENTS_TOPIC


class DocumentsDeadlineEscalated(DeadlineEscalated):
    owner: ClassVar[str] = "documents"


class CreditDeadlineOverdue(DeadlineMissed):
    owner: ClassVar[str] = "credit"
    topic: ClassVar[str] = CREDIT_TOPIC


class CreditDeadlineEscalated(DeadlineEscalated):
    owner: ClassVar[str] = "credit"


class InsuranceDeadlineOverdue(DeadlineMissed):
    owner: ClassVar[str] = "insurance"
    topic: ClassVar[str] = INSURANCE_TOPIC


class InsuranceDeadlineEscalated(DeadlineEscalated):
    owner: ClassVar[str] = "insurance"


DEADLINE_EVENTS: tuple[type[Event], ...] = (
    DocumentsDeadlineOverdue,
    DocumentsDeadlineEscalated,
    CreditDeadlineOverdue,
    CreditDeadlineEscalated,
    InsuranceDeadlineOverdue,
    InsuranceDeadlineEscalated,
)
