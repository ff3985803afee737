"""Deadlines, from every service that waits for someone's answer.

`…AnswerRequested` says who holds the file now and until when; `…AnswerClosed` that the
wait ended (answered, on time or late, or withdrawn because the application was decided).
Both go on the owning service's own stream: the status page and the transparency figures
are built from them. `…Overdue` goes on the same stream when a party's agreed time has
passed; `…Escalated` goes on the oversight stream, read by the supervising agencies, when
as long again has passed. One set per owning service, with the same fields.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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


class AnswerRequested(Event):
    """A party now owes an answer (the file is with it) until `due_at`."""

    step: DeadlineStep
    party: str = Field(description="Who owes the answer: an agency, or 'officer'.")
    request_id: uuid.UUID = Field(description="The request (or review case) to answer.")
    requested_at: datetime
    due_at: datetime


class AnswerClosed(AnswerRequested):
    """The wait for one answer ended: answered (`answered_at` set, on time or late), or
    withdrawn because the application was decided first (`answered_at` empty)."""

    closed_at: datetime
    answered_at: datetime | None
    on_time: bool | None = Field(description="Answered by `due_at`; empty when withdrawn.")


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


class DocumentsAnswerRequested(AnswerRequested):
    owner: ClassVar[str] = "documents"
    topic: ClassVar[str] = DOCUMENTS_TOPIC


class DocumentsAnswerClosed(AnswerClosed):
    owner: ClassVar[str] = "documents"
    topic: ClassVar[str] = DOCUMENTS_TOPIC


class CreditAnswerRequested(AnswerRequested):
    owner: ClassVar[str] = "credit"
    topic: ClassVar[str] = CREDIT_TOPIC


class CreditAnswerClosed(AnswerClosed):
    owner: ClassVar[str] = "credit"
    topic: ClassVar[str] = CREDIT_TOPIC


class InsuranceAnswerRequested(AnswerRequested):
    owner: ClassVar[str] = "insurance"
    topic: ClassVar[str] = INSURANCE_TOPIC


class InsuranceAnswerClosed(AnswerClosed):
    owner: ClassVar[str] = "insurance"
    topic: ClassVar[str] = INSURANCE_TOPIC


@dataclass(frozen=True)
class DeadlineEvents:
    """The four deadline events of one owning service."""

    requested: type[AnswerRequested]
    closed: type[AnswerClosed]
    overdue: type[DeadlineMissed]
    escalated: type[DeadlineEscalated]


DOCUMENTS_DEADLINES = DeadlineEvents(
    DocumentsAnswerRequested,
    DocumentsAnswerClosed,
    DocumentsDeadlineOverdue,
    DocumentsDeadlineEscalated,
)
CREDIT_DEADLINES = DeadlineEvents(
    CreditAnswerRequested, CreditAnswerClosed, CreditDeadlineOverdue, CreditDeadlineEscalated
)
INSURANCE_DEADLINES = DeadlineEvents(
    InsuranceAnswerRequested,
    InsuranceAnswerClosed,
    InsuranceDeadlineOverdue,
    InsuranceDeadlineEscalated,
)

DEADLINE_EVENTS: tuple[type[Event], ...] = tuple(
    event
    for bundle in (DOCUMENTS_DEADLINES, CREDIT_DEADLINES, INSURANCE_DEADLINES)
    for event in (bundle.requested, bundle.closed, bundle.overdue, bundle.escalated)
)
