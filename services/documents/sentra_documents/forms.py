"""What an applicant (or the counter officer) submits over HTTP, validated by pydantic."""

from __future__ import annotations

from datetime import date
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sentra_shared.events import ApplicationKind, Channel, ClaimType, Language

from sentra_documents.domain.placement import DocumentKind
from sentra_documents.domain.red_flags import PayeeKind
from sentra_documents.domain.tables import JobCategory


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Applicant(_Form):
    full_name: str = Field(min_length=2, max_length=120)
    nik: str = Field(pattern=r"^\d{16}$", description="16-digit national identity number")
    date_of_birth: date
    sex: Literal["F", "M"]
    phone: str = Field(pattern=r"^\+?\d{8,15}$")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    channels: tuple[Channel, ...] = Field(
        default=("sms",),
        min_length=1,
        max_length=2,
        description="How the applicant wants to be told: SMS, email, or both.",
    )
    language: Language = Field(
        default="id", description="Bahasa Indonesia (id, the default) or English (en)."
    )

    @model_validator(mode="after")
    def channels_are_reachable(self) -> Self:
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("each channel once")
        if "email" in self.channels and self.email is None:
            raise ValueError("the email channel needs an email address")
        return self


class PresentedDocument(_Form):
    kind: DocumentKind
    # The medical certificate's issue date (its 3-month validity counts from it). Whether
    # it lies in the future is the placement rule's to say, against the assessment date.
    issued_on: date | None = None


class FeePaid(_Form):
    amount_idr: int = Field(gt=0, le=1_000_000_000, strict=True)
    payee: PayeeKind
    payee_account: str | None = Field(default=None, pattern=r"^[0-9 -]{5,34}$")

    @model_validator(mode="after")
    def cash_has_no_account(self) -> Self:
        if self.payee is PayeeKind.CASH and self.payee_account is not None:
            raise ValueError("a cash payment has no payee_account")
        return self


class PlacementDetails(_Form):
    destination_country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    job: JobCategory
    # The P3MI's SIP3MI licence; None when the applicant names no recruiter.
    recruiter_licence_number: str | None = Field(default=None, min_length=3, max_length=60)
    documents: tuple[PresentedDocument, ...] = Field(default=(), max_length=len(DocumentKind))
    fees: tuple[FeePaid, ...] = Field(default=(), max_length=50)
    passport_number: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{6,12}$")
    bank_account: str | None = Field(default=None, pattern=r"^[0-9 -]{5,34}$")

    @field_validator("documents")
    @classmethod
    def one_entry_per_kind(
        cls, documents: tuple[PresentedDocument, ...]
    ) -> tuple[PresentedDocument, ...]:
        kinds = [d.kind for d in documents]
        repeated = sorted({k.value for k in kinds if kinds.count(k) > 1})
        if repeated:
            raise ValueError(f"each document kind once; repeated: {', '.join(repeated)}")
        return documents

    def issued_on(self, kind: DocumentKind) -> date | None:
        return next((d.issued_on for d in self.documents if d.kind is kind), None)


class CreditDetails(_Form):
    product: Literal["placement", "micro"]
    amount_idr: int = Field(gt=0, le=1_000_000_000)
    tenor_months: int = Field(gt=0, le=120)
    contract_months: int | None = Field(default=None, gt=0, le=120)
    has_npwp: bool = False
    # No credit history here: the bank answers it from OJK's SLIK, never the applicant.
    has_commercial_productive_credit: bool = False


class RefundDetails(_Form):
    claim_type: ClaimType
    departure_date: date
    employment_start: date | None = None
    employment_end: date | None = None
    assessed_amount_krw: int | None = Field(default=None, gt=0, le=1_000_000_000)
    passport_name: str = Field(min_length=2, max_length=120)
    payee_account_name: str = Field(min_length=2, max_length=120)
    payee_account_number: str | None = Field(default=None, pattern=r"^[0-9A-Za-z-]{5,34}$")
    swift_bic: str = Field(min_length=8, max_length=11)


_SECTION_FOR_KIND = {
    ApplicationKind.PLACEMENT: "placement",
    ApplicationKind.KUR_LOAN: "credit",
    ApplicationKind.INSURANCE_REFUND: "refund",
}


class ApplicationForm(_Form):
    kind: ApplicationKind
    applicant: Applicant
    placement: PlacementDetails | None = None
    credit: CreditDetails | None = None
    refund: RefundDetails | None = None

    @model_validator(mode="after")
    def section_matches_kind(self) -> Self:
        wanted = _SECTION_FOR_KIND[self.kind]
        for section in _SECTION_FOR_KIND.values():
            given = getattr(self, section) is not None
            if section == wanted and not given:
                raise ValueError(f"a {self.kind.value} application needs the '{section}' section")
            if section != wanted and given:
                raise ValueError(f"a {self.kind.value} application takes no '{section}' section")
        return self

    @property
    def regency_code(self) -> str:
        # NIK digits 1-4 are the province and regency of registration.
        return self.applicant.nik[:4]
