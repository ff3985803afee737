"""What the empowerment service asks of programme organisers and consultation desks, and
their answers. They travel on each party's own request and result topics, like every
agency's checks.

- An **organiser** (the regency's manpower office, the provincial trade office, a bank)
  runs a training or mentoring programme. When a business takes a seat, empowerment asks
  it for the participation report: how many sessions were held and attended, and the
  milestones the business reached (first sale, business permit, loan repaid). The
  organiser answers once, by the report's deadline (the programme's end plus its terms).
- A **desk** answers consultations on one subject (placement, credit, refunds, products).

Personal data: an organiser gets the participant's name to take attendance; a desk gets
the question and the asker's role, never a contact or a NIK (the answer reaches the asker
through Sentra's notifications).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import ClassVar

from pydantic import Field, GetJsonSchemaHandler, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from sentra_shared.events.agency_answers import AgencyCheckCompleted, CheckOutcome
from sentra_shared.events.agency_ids import Agency, requests_topic, results_topic
from sentra_shared.events.agency_reasons import PARTICIPATION_REASON_CODES
from sentra_shared.events.agency_requests import AgencyCheckRequested
from sentra_shared.events.empowerment import (
    AskerRole,
    BusinessStage,
    ConsultationSubject,
    Milestone,
    OwnerRole,
    Sector,
)
from sentra_shared.reasons import BilingualText

# --- organisers: the participation report ----------------------------------------------


class ParticipationRequested(AgencyCheckRequested):
    """A business took a seat in the organiser's programme: report its attendance and
    milestones by `report_due` (the programme's end plus the organiser's terms)."""

    owner: ClassVar[str] = "empowerment"

    programme_id: str
    programme_title: str
    sessions: tuple[date, ...] = Field(min_length=1, description="The programme's session days.")
    participant_name: str = Field(
        min_length=2, max_length=120, description="Who attends. Personal data: never log it."
    )
    owner_role: OwnerRole
    sector: Sector
    stage: BusinessStage
    regency_code: str = Field(pattern=r"^\d{4}$")
    report_due: date


class ParticipationReported(AgencyCheckCompleted):
    """`passed`: the business took part; `failed`: it did not (the reasons say why).
    Attendance never exceeds the sessions held; milestones come only with `passed`."""

    sessions_held: int = Field(ge=0)
    sessions_attended: int = Field(ge=0)
    milestones: tuple[Milestone, ...] = ()

    @classmethod
    def listed_reasons(cls) -> Mapping[str, BilingualText]:
        return PARTICIPATION_REASON_CODES

    @model_validator(mode="after")
    def _attendance_adds_up(self) -> ParticipationReported:
        if self.sessions_attended > self.sessions_held:
            raise ValueError("sessions_attended exceeds sessions_held")
        if self.outcome is CheckOutcome.FAILED and self.milestones:
            raise ValueError("a failed participation report carries no milestones")
        kinds = [m.kind for m in self.milestones]
        if len(set(kinds)) != len(kinds):
            raise ValueError("each milestone kind at most once")
        return self

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # Published as the validator says, where JSON Schema can say it: a failed report
        # carries no milestones (attendance within the sessions held it cannot compare).
        schema = super().__get_pydantic_json_schema__(core_schema, handler)
        if getattr(cls, "agency", None) is not None:
            body = handler.resolve_ref_schema(schema)
            body["then"]["properties"]["milestones"] = {"maxItems": 0}
        return schema


class DisnakerParticipationRequested(ParticipationRequested):
    agency: ClassVar[Agency] = Agency.DISNAKER
    topic: ClassVar[str] = requests_topic(Agency.DISNAKER)


class DisnakerParticipationReported(ParticipationReported):
    owner: ClassVar[str] = "agency.disnaker"
    agency: ClassVar[Agency] = Agency.DISNAKER
    topic: ClassVar[str] = results_topic(Agency.DISNAKER)


class BankParticipationRequested(ParticipationRequested):
    agency: ClassVar[Agency] = Agency.BANK
    topic: ClassVar[str] = requests_topic(Agency.BANK)


class BankParticipationReported(ParticipationReported):
    owner: ClassVar[str] = "agency.bank"
    agency: ClassVar[Agency] = Agency.BANK
    topic: ClassVar[str] = results_topic(Agency.BANK)


class TradeOfficeParticipationRequested(ParticipationRequested):
    agency: ClassVar[Agency] = Agency.TRADE_OFFICE
    topic: ClassVar[str] = requests_topic(Agency.TRADE_OFFICE)


class TradeOfficeParticipationReported(ParticipationReported):
    owner: ClassVar[str] = "agency.trade_office"
    agency: ClassVar[Agency] = Agency.TRADE_OFFICE
    topic: ClassVar[str] = results_topic(Agency.TRADE_OFFICE)


# --- desks: consultations --------------------------------------------------------------


class ConsultationRequested(AgencyCheckRequested):
    """A question for the desk of its subject, to answer by the desk's terms."""

    owner: ClassVar[str] = "empowerment"

    subject: ConsultationSubject
    asker_role: AskerRole
    question: str = Field(min_length=5, max_length=2000)
    language: str = Field(pattern=r"^(id|en)$", description="The language to answer in.")
    business_name: str | None = Field(
        default=None, description="For a question about a listed business's product."
    )


class ConsultationReplied(AgencyCheckCompleted):
    """`passed`: `answer` is the desk's answer; `failed`: the desk cannot answer (the
    reasons say why, e.g. the question is for another desk)."""

    answer: str | None = Field(default=None, min_length=1, max_length=4000)

    @model_validator(mode="after")
    def _passed_answers(self) -> ConsultationReplied:
        if (self.outcome is CheckOutcome.PASSED) != (self.answer is not None):
            raise ValueError("a passed reply has an answer, a failed one none")
        return self

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # Published as the validator says: `passed` requires the answer, `failed` has none.
        schema = super().__get_pydantic_json_schema__(core_schema, handler)
        if getattr(cls, "agency", None) is not None:
            body = handler.resolve_ref_schema(schema)
            body["then"]["properties"]["answer"] = {"type": "null"}
            body["else"]["required"] = ["answer"]
            body["else"]["properties"]["answer"] = {"type": "string"}
        return schema


class PlacementDeskConsultationRequested(ConsultationRequested):
    agency: ClassVar[Agency] = Agency.PLACEMENT_DESK
    topic: ClassVar[str] = requests_topic(Agency.PLACEMENT_DESK)


class PlacementDeskConsultationReplied(ConsultationReplied):
    owner: ClassVar[str] = "agency.placement_desk"
    agency: ClassVar[Agency] = Agency.PLACEMENT_DESK
    topic: ClassVar[str] = results_topic(Agency.PLACEMENT_DESK)


class CreditDeskConsultationRequested(ConsultationRequested):
    agency: ClassVar[Agency] = Agency.CREDIT_DESK
    topic: ClassVar[str] = requests_topic(Agency.CREDIT_DESK)


class CreditDeskConsultationReplied(ConsultationReplied):
    owner: ClassVar[str] = "agency.credit_desk"
    agency: ClassVar[Agency] = Agency.CREDIT_DESK
    topic: ClassVar[str] = results_topic(Agency.CREDIT_DESK)


class RefundDeskConsultationRequested(ConsultationRequested):
    agency: ClassVar[Agency] = Agency.REFUND_DESK
    topic: ClassVar[str] = requests_topic(Agency.REFUND_DESK)


class RefundDeskConsultationReplied(ConsultationReplied):
    owner: ClassVar[str] = "agency.refund_desk"
    agency: ClassVar[Agency] = Agency.REFUND_DESK
    topic: ClassVar[str] = results_topic(Agency.REFUND_DESK)


class ProductDeskConsultationRequested(ConsultationRequested):
    agency: ClassVar[Agency] = Agency.PRODUCT_DESK
    topic: ClassVar[str] = requests_topic(Agency.PRODUCT_DESK)


class ProductDeskConsultationReplied(ConsultationReplied):
    owner: ClassVar[str] = "agency.product_desk"
    agency: ClassVar[Agency] = Agency.PRODUCT_DESK
    topic: ClassVar[str] = results_topic(Agency.PRODUCT_DESK)


# The organiser of each kind of programme, and the desk of each subject.
ORGANISER_EXCHANGES: dict[
    Agency, tuple[type[ParticipationRequested], type[ParticipationReported]]
] = {
    Agency.DISNAKER: (DisnakerParticipationRequested, DisnakerParticipationReported),
    Agency.BANK: (BankParticipationRequested, BankParticipationReported),
    Agency.TRADE_OFFICE: (TradeOfficeParticipationRequested, TradeOfficeParticipationReported),
}
DESK_EXCHANGES: dict[Agency, tuple[type[ConsultationRequested], type[ConsultationReplied]]] = {
    Agency.PLACEMENT_DESK: (PlacementDeskConsultationRequested, PlacementDeskConsultationReplied),
    Agency.CREDIT_DESK: (CreditDeskConsultationRequested, CreditDeskConsultationReplied),
    Agency.REFUND_DESK: (RefundDeskConsultationRequested, RefundDeskConsultationReplied),
    Agency.PRODUCT_DESK: (ProductDeskConsultationRequested, ProductDeskConsultationReplied),
}
