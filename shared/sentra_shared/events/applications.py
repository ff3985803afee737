"""Events of the application journey between Sentra's own services.

They carry only what their readers need: no NIK, passport or account numbers.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from sentra_shared.events.base import ApplicationKind, Event
from sentra_shared.reasons import Reason

DOCUMENTS_TOPIC = "sentra.documents.events.v1"
CREDIT_TOPIC = "sentra.credit.events.v1"
INSURANCE_TOPIC = "sentra.insurance.events.v1"
NOTIFICATIONS_TOPIC = "sentra.notifications.events.v1"


# --- documents -------------------------------------------------------------------------


class CreditRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    product: Literal["placement", "micro"]
    amount_idr: int = Field(gt=0)
    tenor_months: int = Field(gt=0)
    contract_months: int | None = Field(default=None, gt=0)
    has_npwp: bool = False
    # Worst SLIK collectibility (1 = current ... 5 = loss); None while not yet checked.
    slik_collectibility: int | None = Field(default=None, ge=1, le=5)
    has_commercial_productive_credit: bool = False


ClaimType = Literal["return_cost", "departure_guarantee", "wage_arrears_guarantee", "casualty"]


class RefundRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # A keyed hash of the worker's NIK: lets insurance see "one paid claim per worker and
    # type" without ever holding the NIK.
    worker_ref: str
    claim_type: ClaimType
    departure_date: date
    employment_start: date | None = None
    employment_end: date | None = None
    assessed_amount_krw: int | None = Field(default=None, gt=0)
    # Names and the bank code travel because the insurer pays to an account whose holder
    # must be the passport holder; passport and account numbers stay in documents.
    passport_name: str
    payee_account_name: str
    swift_bic: str


class ApplicationSubmitted(Event):
    owner: ClassVar[str] = "documents"
    topic: ClassVar[str] = DOCUMENTS_TOPIC

    kind: ApplicationKind
    regency_code: str = Field(pattern=r"^\d{4}$")


class DocumentsVerified(Event):
    owner: ClassVar[str] = "documents"
    topic: ClassVar[str] = DOCUMENTS_TOPIC

    kind: ApplicationKind
    credit_request: CreditRequest | None = None
    refund_request: RefundRequest | None = None


class DocumentsRejected(Event):
    owner: ClassVar[str] = "documents"
    topic: ClassVar[str] = DOCUMENTS_TOPIC

    kind: ApplicationKind
    reasons: tuple[Reason, ...] = Field(min_length=1)


# --- credit ----------------------------------------------------------------------------


class CreditOutcome(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    REFERRED = "referred"


class CreditScreened(Event):
    owner: ClassVar[str] = "credit"
    topic: ClassVar[str] = CREDIT_TOPIC

    outcome: CreditOutcome
    amount_idr: int
    reasons: tuple[Reason, ...] = ()
    # Approved and referred cases go to a bank, which must decide by this date.
    bank_decision_due: date | None = None


# --- insurance -------------------------------------------------------------------------


class ClaimOutcome(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DORMANT = "dormant"  # past the 3-year deadline: claimed with HRD Korea instead


class RefundClaimAssessed(Event):
    owner: ClassVar[str] = "insurance"
    topic: ClassVar[str] = INSURANCE_TOPIC

    outcome: ClaimOutcome
    amount_krw: int | None
    amount_idr: int | None
    last_claim_day: date | None
    reasons: tuple[Reason, ...] = ()


# --- notifications ---------------------------------------------------------------------


class ApplicantNotified(Event):
    owner: ClassVar[str] = "notifications"
    topic: ClassVar[str] = NOTIFICATIONS_TOPIC

    channel: Literal["sms", "whatsapp", "email", "counter"]
    about: str  # the CloudEvents type of the event the applicant was told about
    final: bool


JOURNEY_EVENTS: tuple[type[Event], ...] = (
    ApplicationSubmitted,
    DocumentsVerified,
    DocumentsRejected,
    CreditScreened,
    RefundClaimAssessed,
    ApplicantNotified,
)
