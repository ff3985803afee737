"""What an applicant (or the counter officer) submits over HTTP, validated by pydantic.

Every scalar field has one of the edge types of `form_fields`, never a plain `str`,
`int`, `bool` or `date` (a unit test walks the models to keep it so).
"""

from __future__ import annotations

from datetime import date
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError
from sentra_shared.events import (
    ApplicationKind,
    BorrowerRole,
    Channel,
    ClaimType,
    Language,
    LoanScheme,
)

from sentra_documents.domain import intake
from sentra_documents.domain.placement import DocumentKind
from sentra_documents.domain.red_flags import PayeeKind
from sentra_documents.domain.tables import JobCategory
from sentra_documents.form_fields import (
    STORED_FORM,
    AccountNumber,
    BirthDate,
    CountryCode,
    Email,
    EventDate,
    ForeignAccount,
    FreeText,
    IssueDate,
    Months,
    Name,
    Nik,
    PassportNumber,
    PastDate,
    Phone,
    Rupiah,
    SwiftBic,
    TrackingCode,
    Won,
    YesNo,
)


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Applicant(_Form):
    full_name: Name = Field(description="As on the KTP, 2-120 visible characters, composed (NFC).")
    nik: Nik = Field(description="16-digit national identity number, ASCII digits 0-9.")
    date_of_birth: BirthDate = Field(
        description="YYYY-MM-DD, in the past, for an age of 15 to 100 years on the day of "
        "submission (WIB). Under 18 is accepted here and put before an officer."
    )
    sex: Literal["F", "M"]
    phone: Phone = Field(description="8-15 ASCII digits, optionally after a leading +.")
    email: Email | None = Field(default=None, description="An email address, one line.")
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
    # The medical certificate's issue date (its 3-month validity counts from it): never
    # after the day of submission; whether it is still valid is the placement rule's.
    issued_on: IssueDate | None = Field(
        default=None,
        description="YYYY-MM-DD, not after the day of submission (WIB) and from 1 January "
        "a hundred years back.",
    )


class FeePaid(_Form):
    amount_idr: Rupiah = Field(description="Whole rupiah, a JSON integer, 1 to 1,000,000,000.")
    payee: PayeeKind
    payee_account: AccountNumber | None = Field(
        default=None, description="5-34 characters: ASCII digits, spaces and hyphens."
    )

    @model_validator(mode="after")
    def cash_has_no_account(self) -> Self:
        if self.payee is PayeeKind.CASH and self.payee_account is not None:
            raise ValueError("a cash payment has no payee_account")
        return self


class PlacementDetails(_Form):
    destination_country: CountryCode = Field(description="ISO 3166-1 alpha-2, e.g. TW")
    job: JobCategory
    # The P3MI's SIP3MI licence; None when the applicant names no recruiter. Free text on
    # purpose: a number not in the registry is a red flag for an officer, not a typo to
    # refuse here.
    recruiter_licence_number: FreeText | None = Field(
        default=None, description="The recruiter's SIP3MI licence number, 3-60 characters."
    )
    documents: tuple[PresentedDocument, ...] = Field(default=(), max_length=len(DocumentKind))
    fees: tuple[FeePaid, ...] = Field(default=(), max_length=50)
    passport_number: PassportNumber | None = Field(
        default=None, description="6-12 ASCII letters and digits."
    )
    bank_account: AccountNumber | None = Field(
        default=None, description="5-34 characters: ASCII digits, spaces and hyphens."
    )

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
    product: Literal["placement", "micro"] = Field(
        description="placement: the worker's placement costs; micro: a business loan."
    )
    amount_idr: Rupiah = Field(description="Whole rupiah, a JSON integer, 1 to 1,000,000,000.")
    tenor_months: Months = Field(description="A JSON integer, 1 to 120.")
    contract_months: Months | None = Field(default=None, description="A JSON integer, 1 to 120.")
    has_npwp: YesNo = Field(default=False, description="A JSON boolean.")
    # No credit history here: the bank answers it from OJK's SLIK, never the applicant.
    has_commercial_productive_credit: YesNo = Field(default=False, description="A JSON boolean.")
    borrower_role: BorrowerRole = Field(
        default="worker",
        description="worker (the default): the departing worker; family: a family member of "
        "a worker now abroad, who names the worker; returnee: a returned worker.",
    )
    scheme: LoanScheme = Field(
        default="kur",
        description="kur (the default), or regional: the regional development bank's "
        "programme for returnees and families (Bank UMKM Jawa Timur), product micro only.",
    )
    worker_tracking_code: TrackingCode | None = Field(
        default=None,
        description="Family only, required: the tracking code the worker got for their "
        "placement application (e.g. 7K3QD-9XWM2), as on their status page.",
    )
    worker_date_of_birth: BirthDate | None = Field(
        default=None, description="Family only, required: the worker's birth date, YYYY-MM-DD."
    )
    returned_on: PastDate | None = Field(
        default=None,
        description="Returnee only, required: the day they came home from their last "
        "placement, YYYY-MM-DD, not after the day of submission.",
    )

    @model_validator(mode="after")
    def fits_the_borrower(self) -> Self:
        problem = intake.credit_role_problem(
            role=self.borrower_role,
            product=self.product,
            scheme=self.scheme,
            names_worker=self.worker_tracking_code is not None,
            names_worker_birth=self.worker_date_of_birth is not None,
            returned=self.returned_on is not None,
        )
        if problem is not None:
            raise PydanticCustomError("credit_role", "{rule}", {"rule": problem})
        return self


_EVENT_DATE = "YYYY-MM-DD, from 1 January a hundred years back to a year after submission."


class RefundDetails(_Form):
    claim_type: ClaimType
    departure_date: EventDate = Field(description=_EVENT_DATE)
    employment_start: EventDate | None = Field(default=None, description=_EVENT_DATE)
    employment_end: EventDate | None = Field(
        default=None, description=_EVENT_DATE + " Not before employment_start."
    )
    assessed_amount_krw: Won | None = Field(
        default=None, description="Whole won, a JSON integer, 1 to 1,000,000,000."
    )
    passport_name: Name = Field(description="As in the passport, 2-120 visible characters.")
    payee_account_name: Name = Field(description="The account holder, 2-120 visible characters.")
    payee_account_number: ForeignAccount | None = Field(
        default=None, description="5-34 ASCII letters, digits and hyphens."
    )
    swift_bic: SwiftBic = Field(description="The bank's SWIFT/BIC, 8-11 ASCII letters and digits.")

    @field_validator("employment_end")
    @classmethod
    def end_not_before_start(cls, end: date | None, info: ValidationInfo) -> date | None:
        problem = intake.period_problem(info.data.get("employment_start"), end)
        if problem is not None:
            raise PydanticCustomError(
                "period_reversed", "Input should be {rule}", {"rule": problem}
            )
        return end


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


def read_stored_form(text: str) -> ApplicationForm:
    """A form as it was accepted: its dates were judged on the day it was submitted."""
    return ApplicationForm.model_validate_json(text, context={STORED_FORM: True})
