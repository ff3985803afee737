"""Events of the application journey between Sentra's own services.

They carry only what their readers need: no NIK, passport or account numbers.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from sentra_shared.events.base import ApplicationKind, Event
from sentra_shared.reasons import Reason

DOCUMENTS_TOPIC = "sentra.documents.events.v1"
# Read by insurance only: a verified refund claim with the payee's details the insurer
# pays to. Credit and notifications read DOCUMENTS_TOPIC and never see them.
REFUND_PAYEES_TOPIC = "sentra.documents.refund-payees.v1"
# Read by the police (Polri) and BP2MI: confirmed trafficking cases, with what they need
# to act on them. Nothing else travels on it.
TPPO_REFERRALS_TOPIC = "sentra.referrals.tppo.v1"
# Read by the supervising agencies: deadlines missed twice over, from every service.
ESCALATIONS_TOPIC = "sentra.oversight.escalations.v1"
CREDIT_TOPIC = "sentra.credit.events.v1"
INSURANCE_TOPIC = "sentra.insurance.events.v1"
NOTIFICATIONS_TOPIC = "sentra.notifications.events.v1"


# --- documents -------------------------------------------------------------------------


class Borrower(BaseModel):
    """Who asks for the loan, as the bank needs it for the SLIK check and the loan file.
    Personal data: only credit reads it, and never logs it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    nik: str = Field(pattern=r"^\d{16}$")
    full_name: str = Field(min_length=2, max_length=120)
    date_of_birth: date


BorrowerRole = Literal["worker", "family", "returnee"]
LoanScheme = Literal["kur", "regional"]


class CreditRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    product: Literal["placement", "micro"]
    amount_idr: int = Field(gt=0)
    tenor_months: int = Field(gt=0)
    contract_months: int | None = Field(default=None, gt=0)
    has_npwp: bool = False
    # Deprecated, ignored: the credit history now comes from the bank (SLIK), never from
    # what the applicant declares. Kept so that the v1 contract stays compatible.
    slik_collectibility: int | None = Field(default=None, ge=1, le=5)
    has_commercial_productive_credit: bool = False
    borrower: Borrower | None = None
    # Who borrows: the worker (a placement loan), a family member of a worker now abroad,
    # or a returnee (purna PMI) with a business. Applications from before families and
    # returnees applied are the worker's.
    borrower_role: BorrowerRole = "worker"
    # A family member's loan names the worker by the keyed pseudonym documents derives
    # from the worker's own placement application: never by the NIK.
    worker_ref: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    # A business ("micro") loan under KUR Mikro, or under the regional development bank's
    # programme for returnees and families (Bank UMKM Jawa Timur).
    scheme: LoanScheme = "kur"
    # A returnee: the day they came home from their last placement.
    returned_on: date | None = None


ClaimType = Literal["return_cost", "departure_guarantee", "wage_arrears_guarantee", "casualty"]


class RefundRequest(BaseModel):
    """A verified refund claim as insurance and the insurer need it. Personal data: it
    travels only on REFUND_PAYEES_TOPIC, which only insurance reads."""

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
    # The insurer identifies the worker by passport name and birth date, and pays to
    # this account. Personal data: never logged.
    date_of_birth: date | None = None
    payee_account_number: str | None = None


Channel = Literal["sms", "email"]
Language = Literal["id", "en"]


class ApplicantContact(BaseModel):
    """How notifications reaches the applicant, in which language, and what the applicant
    shows to open the status page. Personal data: only notifications reads it, and never
    logs it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: Language = "id"
    channels: tuple[Channel, ...] = Field(min_length=1, max_length=2)
    phone: str | None = Field(default=None, pattern=r"^\+?\d{8,15}$")
    email: str | None = Field(default=None, max_length=254)
    # Given to the applicant at submission (never the internal id); with the birth date it
    # opens the status page.
    tracking_code: str = Field(min_length=8, max_length=32)
    date_of_birth: date


class ApplicationSubmitted(Event):
    owner: ClassVar[str] = "documents"
    topic: ClassVar[str] = DOCUMENTS_TOPIC

    kind: ApplicationKind
    regency_code: str = Field(pattern=r"^\d{4}$")
    # Absent from applications submitted before applicants chose a channel: those are told
    # at the counter and on the status page only.
    contact: ApplicantContact | None = None


class DocumentsVerified(Event):
    owner: ClassVar[str] = "documents"
    topic: ClassVar[str] = DOCUMENTS_TOPIC

    kind: ApplicationKind
    credit_request: CreditRequest | None = None
    # Retired, always absent: the refund's names, bank code and account went to every
    # reader of this topic though only insurance needs them. They travel on
    # RefundDocumentsVerified now; the field stays readable until the next topic version.
    refund_request: RefundRequest | None = Field(
        default=None,
        deprecated=True,
        description="Retired: always absent. See RefundDocumentsVerified.",
    )


class RefundDocumentsVerified(Event):
    """A refund application's documents were verified: the claim, with the payee's
    details the insurer pays to, for insurance alone. Published with DocumentsVerified
    in one transaction; insurance opens the claim from this event only."""

    owner: ClassVar[str] = "documents"
    topic: ClassVar[str] = REFUND_PAYEES_TOPIC

    refund_request: RefundRequest


class DocumentsRejected(Event):
    owner: ClassVar[str] = "documents"
    topic: ClassVar[str] = DOCUMENTS_TOPIC

    kind: ApplicationKind
    reasons: tuple[Reason, ...] = Field(min_length=1)


class ApplicationFlagged(Event):
    """A red flag fired: the case waits for an officer, who must act by `review_due`.
    Only the flag codes travel; the officer sees the details in documents."""

    owner: ClassVar[str] = "documents"
    topic: ClassVar[str] = DOCUMENTS_TOPIC

    kind: ApplicationKind
    flag_codes: tuple[str, ...] = Field(min_length=1)
    review_due: datetime


class ReviewDecision(StrEnum):
    CLEARED = "cleared"  # the flags were explained: the application goes on
    CONFIRMED = "confirmed"  # trafficking or a levy confirmed: rejected and referred


class ApplicationReviewed(Event):
    owner: ClassVar[str] = "documents"
    topic: ClassVar[str] = DOCUMENTS_TOPIC

    kind: ApplicationKind
    decision: ReviewDecision
    officer_id: str = Field(description="The officer's subject in the identity provider.")
    reason: str = Field(min_length=1, max_length=2000)


class TraffickingReferred(Event):
    """A confirmed red flag, referred to the police (Polri) and BP2MI to act on. Carries
    what an investigator needs to find the person and the recruiter. Personal data."""

    owner: ClassVar[str] = "documents"
    topic: ClassVar[str] = TPPO_REFERRALS_TOPIC

    kind: ApplicationKind
    flags: tuple[Reason, ...] = Field(min_length=1)
    officer_id: str
    officer_reason: str
    nik: str = Field(pattern=r"^\d{16}$")
    full_name: str
    date_of_birth: date
    regency_code: str = Field(pattern=r"^\d{4}$")
    recruiter_licence_number: str | None = None
    destination_country: str | None = None
    job: str | None = None


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
    borrower_role: BorrowerRole = "worker"
    scheme: LoanScheme = "kur"


class LoanOutcome(StrEnum):
    DISBURSED = "disbursed"
    REJECTED = "rejected"


class LoanDecided(Event):
    """The partner bank's decision on a screened loan; it closes the application."""

    owner: ClassVar[str] = "credit"
    topic: ClassVar[str] = CREDIT_TOPIC

    outcome: LoanOutcome
    amount_disbursed_idr: int | None = Field(default=None, gt=0)
    reasons: tuple[Reason, ...] = ()
    decided_late: bool = Field(description="The bank answered after its deadline.")


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
    # Accepted claims: the insurer must pay by this date.
    payout_due: date | None = None


class RefundPaid(Event):
    """The insurer confirmed the payment; it closes the claim."""

    owner: ClassVar[str] = "insurance"
    topic: ClassVar[str] = INSURANCE_TOPIC

    amount_krw: int = Field(gt=0)
    amount_idr: int = Field(gt=0)
    paid_on: date
    paid_late: bool = Field(description="The insurer paid after its deadline.")


class DormantClaimReferred(Event):
    """Past the claim period: the money is with HRD Korea; what the worker must do."""

    owner: ClassVar[str] = "insurance"
    topic: ClassVar[str] = INSURANCE_TOPIC

    amount_krw: int | None
    last_claim_day: date
    instructions: tuple[Reason, ...] = Field(min_length=1)


# --- notifications ---------------------------------------------------------------------


class ApplicantNotified(Event):
    owner: ClassVar[str] = "notifications"
    topic: ClassVar[str] = NOTIFICATIONS_TOPIC

    channel: Literal["sms", "whatsapp", "email", "counter"]
    about: str  # the CloudEvents type of the event the applicant was told about
    final: bool


class ApplicantNotificationFailed(Event):
    """A message could not be delivered on one channel after bounded attempts."""

    owner: ClassVar[str] = "notifications"
    topic: ClassVar[str] = NOTIFICATIONS_TOPIC

    channel: Channel
    about: str  # the CloudEvents type of the event the message was about
    attempts: int = Field(gt=0)
    reason: str = Field(max_length=500, description="The last failure, without personal data.")


JOURNEY_EVENTS: tuple[type[Event], ...] = (
    ApplicationSubmitted,
    DocumentsVerified,
    RefundDocumentsVerified,
    DocumentsRejected,
    ApplicationFlagged,
    ApplicationReviewed,
    TraffickingReferred,
    CreditScreened,
    LoanDecided,
    RefundClaimAssessed,
    RefundPaid,
    DormantClaimReferred,
    ApplicantNotified,
    ApplicantNotificationFailed,
)
