"""Events of the empowerment service: packages 2 (productive empowerment) and 4
(information and consultation).

Two kinds of case, each keyed like an application so that its events stay in order:
- a **business** of a returnee (purna PMI) or a worker's family member (`application_id`
  is the business id): registered, enrolled in programmes, its attendance and milestones
  reported by the organiser, assessed for the award;
- a **consultation** (`application_id` is the consultation id): a question routed to a
  desk, answered within the desk's deadline, or overdue and escalated.

The first event of each case carries the asker's contact, for notifications alone, as
`ApplicationSubmitted` does. Nothing here names a NIK.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from sentra_shared.events.applications import ESCALATIONS_TOPIC, ApplicantContact
from sentra_shared.events.base import Event
from sentra_shared.events.deadlines import (
    AnswerClosed,
    AnswerRequested,
    DeadlineEscalated,
    DeadlineEvents,
    DeadlineMissed,
)
from sentra_shared.reasons import Reason

EMPOWERMENT_TOPIC = "sentra.empowerment.events.v1"

OwnerRole = Literal["returnee", "family"]
Sector = Literal[
    "food_and_drink", "crafts", "fashion", "agriculture", "fisheries", "trade", "services"
]
BusinessStage = Literal["idea", "starting", "running", "growing"]
MilestoneKind = Literal["first_sale", "business_permit", "loan_repaid"]
AskerRole = Literal["worker", "family", "buyer"]
ConsultationSubject = Literal["placement", "credit", "refund", "product"]


class Milestone(BaseModel):
    """Something a business achieved, as its programme's organiser reported it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: MilestoneKind
    achieved_on: date


class CriterionScore(BaseModel):
    """One published award criterion, scored: what was found and what it earned."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    criterion: str = Field(description="The criterion's code in the published criteria.")
    points: Decimal = Field(ge=0, description="Points earned, at most `max_points`.")
    max_points: Decimal = Field(gt=0)
    explanation: Reason


# --- businesses ----------------------------------------------------------------------


class BusinessRegistered(Event):
    owner: ClassVar[str] = "empowerment"
    topic: ClassVar[str] = EMPOWERMENT_TOPIC

    owner_role: OwnerRole
    sector: Sector
    regency_code: str = Field(pattern=r"^\d{4}$")
    stage: BusinessStage
    listed: bool = Field(description="The owner agreed to be listed in the public catalogue.")
    contact: ApplicantContact


class ProgrammeEnrolled(Event):
    """A seat in a training or mentoring programme was taken; the organiser reports the
    attendance and milestones by `report_due`."""

    owner: ClassVar[str] = "empowerment"
    topic: ClassVar[str] = EMPOWERMENT_TOPIC

    programme_id: str
    programme_title: str
    organiser: str = Field(description="The organising party (an agency id).")
    starts_on: date
    ends_on: date
    report_due: datetime


class ProgressRecorded(Event):
    """The organiser's report on one programme: attendance and milestones."""

    owner: ClassVar[str] = "empowerment"
    topic: ClassVar[str] = EMPOWERMENT_TOPIC

    programme_id: str
    completed: bool = Field(description="False: the organiser reports the owner did not take part.")
    sessions_held: int = Field(ge=0)
    sessions_attended: int = Field(ge=0)
    milestones: tuple[Milestone, ...] = ()
    reasons: tuple[Reason, ...] = Field(default=(), description="Why not completed.")
    reported_late: bool = Field(description="The organiser reported after its deadline.")


class AwardAssessed(Event):
    """The business measured against the award's published criteria, one score per
    criterion; nominated when the total reaches the threshold."""

    owner: ClassVar[str] = "empowerment"
    topic: ClassVar[str] = EMPOWERMENT_TOPIC

    award: str = Field(description="The award and its round, e.g. 'purna-pmi-2026'.")
    criteria_version: str = Field(description="Which published criteria were applied.")
    scores: tuple[CriterionScore, ...] = Field(min_length=1)
    total: Decimal = Field(ge=0)
    threshold: Decimal = Field(gt=0)
    nominated: bool


# --- consultations -------------------------------------------------------------------


class ConsultationReceived(Event):
    """A question was routed to a desk, which must answer by `answer_due`."""

    owner: ClassVar[str] = "empowerment"
    topic: ClassVar[str] = EMPOWERMENT_TOPIC

    asker_role: AskerRole
    subject: ConsultationSubject
    desk: str = Field(description="The desk (an agency id) the question was routed to.")
    answer_due: datetime
    contact: ApplicantContact


class ConsultationAnswered(Event):
    owner: ClassVar[str] = "empowerment"
    topic: ClassVar[str] = EMPOWERMENT_TOPIC

    desk: str
    answer: str = Field(min_length=1, max_length=4000)
    answered_late: bool = Field(description="The desk answered after its deadline.")


# --- deadlines -----------------------------------------------------------------------


class EmpowermentStep(StrEnum):
    PROGRAMME_REPORT = "programme_report"  # the organiser's attendance and milestones
    CONSULTATION_ANSWER = "consultation_answer"  # a desk's answer to a question


class EmpowermentAnswerRequested(AnswerRequested):
    owner: ClassVar[str] = "empowerment"
    topic: ClassVar[str] = EMPOWERMENT_TOPIC

    step: EmpowermentStep  # type: ignore[assignment]  # the service's own steps


class EmpowermentAnswerClosed(AnswerClosed):
    owner: ClassVar[str] = "empowerment"
    topic: ClassVar[str] = EMPOWERMENT_TOPIC

    step: EmpowermentStep  # type: ignore[assignment]


class EmpowermentDeadlineOverdue(DeadlineMissed):
    owner: ClassVar[str] = "empowerment"
    topic: ClassVar[str] = EMPOWERMENT_TOPIC

    step: EmpowermentStep  # type: ignore[assignment]


class EmpowermentDeadlineEscalated(DeadlineEscalated):
    owner: ClassVar[str] = "empowerment"
    topic: ClassVar[str] = ESCALATIONS_TOPIC

    step: EmpowermentStep  # type: ignore[assignment]


EMPOWERMENT_DEADLINES = DeadlineEvents(
    EmpowermentAnswerRequested,
    EmpowermentAnswerClosed,
    EmpowermentDeadlineOverdue,
    EmpowermentDeadlineEscalated,
)

EMPOWERMENT_EVENTS: tuple[type[Event], ...] = (
    BusinessRegistered,
    ProgrammeEnrolled,
    ProgressRecorded,
    AwardAssessed,
    ConsultationReceived,
    ConsultationAnswered,
    EmpowermentAnswerRequested,
    EmpowermentAnswerClosed,
    EmpowermentDeadlineOverdue,
    EmpowermentDeadlineEscalated,
)
