"""Placement eligibility (UU 18/2017) combined with TPPO red flags into one decision."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from sentra_shared.reasons import Reason

from .nik import InvalidNik, Sex, cross_check_identity, parse_nik
from .reasons import DocumentsReason, missing_document_reason, reason
from .red_flags import (
    DEFAULT_THRESHOLDS,
    ApplicantIdentifiers,
    FeePayment,
    SharingThresholds,
    fee_payment_flags,
    shared_identifier_flags,
    visa_without_contract_flags,
)
from .tables import (
    FEE_CEILINGS,
    MORATORIA,
    FeeCeiling,
    JobCategory,
    Moratorium,
    fee_ceiling_in_force,
    moratorium_in_force,
)

MINIMUM_AGE = 18  # UU 18/2017 art. 5 letter a: "berusia minimal 18 (delapan belas) tahun"
MEDICAL_CERTIFICATE_VALID_MONTHS = 3  # Perpres 64/2011 art. 14(5)


class DocumentKind(StrEnum):
    KTP = "ktp"
    FAMILY_CARD = "family_card"
    BIRTH_CERTIFICATE_OR_DIPLOMA = "birth_certificate_or_diploma"
    MARITAL_STATUS_STATEMENT = "marital_status_statement"
    FAMILY_PERMISSION = "family_permission"
    COMPETENCY_CERTIFICATE = "competency_certificate"
    HEALTH_CERTIFICATE = "health_certificate"
    PASSPORT = "passport"
    WORK_VISA = "work_visa"
    PLACEMENT_AGREEMENT = "placement_agreement"
    WORK_CONTRACT = "work_contract"
    BPJS_MEMBERSHIP = "bpjs_membership"


# Every document a placement needs, with the rule that requires it.
REQUIRED_DOCUMENTS: Mapping[DocumentKind, str] = {
    DocumentKind.KTP: "Permenkumham 8/2014 art. 4 (passport application) and UU 18/2017 art. 5",
    DocumentKind.FAMILY_CARD: "Permenkumham 8/2014 art. 4",
    DocumentKind.BIRTH_CERTIFICATE_OR_DIPLOMA: "Permenkumham 8/2014 art. 4",
    DocumentKind.MARITAL_STATUS_STATEMENT: "UU 18/2017 art. 13 letter a",
    DocumentKind.FAMILY_PERMISSION: "UU 18/2017 art. 13 letter b",
    DocumentKind.COMPETENCY_CERTIFICATE: "UU 18/2017 art. 13 letter c",
    DocumentKind.HEALTH_CERTIFICATE: "UU 18/2017 art. 13 letter d",
    DocumentKind.PASSPORT: "UU 18/2017 art. 13 letter e",
    DocumentKind.WORK_VISA: "UU 18/2017 art. 13 letter f",
    DocumentKind.PLACEMENT_AGREEMENT: "UU 18/2017 art. 13 letter g",
    DocumentKind.WORK_CONTRACT: "UU 18/2017 art. 13 letter h",
    DocumentKind.BPJS_MEMBERSHIP: "UU 18/2017 art. 5 letter d (social security membership)",
}


class RecruiterLicence(BaseModel):
    """An SIP3MI (P3MI company licence) as recorded in the ministry's registry."""

    model_config = ConfigDict(frozen=True)

    licence_number: str
    holder: str
    valid_from: date
    valid_until: date
    revoked_on: date | None = None

    def valid_on(self, on: date) -> bool:
        not_revoked = self.revoked_on is None or on < self.revoked_on
        return self.valid_from <= on <= self.valid_until and not_revoked


class PlacementApplication(BaseModel):
    model_config = ConfigDict(frozen=True)

    application_id: str
    nik: str
    birth_date_on_documents: date
    sex_on_documents: Sex
    destination_country: str = Field(pattern=r"^[A-Z]{2}$")
    job: JobCategory
    recruiter_licence_number: str | None
    documents: frozenset[DocumentKind]
    medical_certificate_issued_on: date | None = None
    fees: tuple[FeePayment, ...] = ()
    passport_number: str | None = None
    phone_number: str | None = None
    bank_account: str | None = None

    def identifiers(self) -> ApplicantIdentifiers:
        return ApplicantIdentifiers(
            application_id=self.application_id,
            nik=self.nik,
            passport_number=self.passport_number,
            phone_number=self.phone_number,
            bank_account=self.bank_account,
        )


class PlacementOutcome(StrEnum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    NEEDS_REVIEW = "needs_review"


class PlacementDecision(BaseModel):
    model_config = ConfigDict(frozen=True)

    outcome: PlacementOutcome
    reasons: tuple[Reason, ...]  # why the applicant does not (yet) meet the rules
    flags: tuple[Reason, ...]  # why a person must look at the case


def decide_outcome(reasons: tuple[Reason, ...], flags: tuple[Reason, ...]) -> PlacementOutcome:
    # A flag always wins: an automatic rejection would let a trafficker simply retry.
    if flags:
        return PlacementOutcome.NEEDS_REVIEW
    if reasons:
        return PlacementOutcome.INELIGIBLE
    return PlacementOutcome.ELIGIBLE


def assess_placement(
    application: PlacementApplication,
    *,
    on: date,
    licences: Mapping[str, RecruiterLicence],
    other_applicants: Iterable[ApplicantIdentifiers] = (),
    thresholds: SharingThresholds = DEFAULT_THRESHOLDS,
    moratoria: tuple[Moratorium, ...] = MORATORIA,
    fee_ceilings: tuple[FeeCeiling, ...] = FEE_CEILINGS,
) -> PlacementDecision:
    reasons: list[Reason] = []
    flags: list[Reason] = []

    try:
        nik = parse_nik(application.nik, reference_date=on)
        flags += cross_check_identity(
            nik,
            birth_date_on_documents=application.birth_date_on_documents,
            sex_on_documents=application.sex_on_documents,
        )
    except InvalidNik as invalid:
        reasons += invalid.reasons

    # The documents' birth date decides the age; a NIK disagreeing with it is flagged above.
    age = age_on(application.birth_date_on_documents, on)
    if age < MINIMUM_AGE:
        reasons.append(reason(DocumentsReason.UNDER_MINIMUM_AGE, age=age, minimum=MINIMUM_AGE))
        flags.append(reason(DocumentsReason.FLAG_UNDER_AGE, age=age))

    reasons += [
        missing_document_reason(kind)
        for kind in REQUIRED_DOCUMENTS
        if kind not in application.documents
    ]
    reasons += _medical_certificate_reasons(application, on)
    reasons += _recruiter_reasons(application.recruiter_licence_number, licences, on)

    closed = moratorium_in_force(application.destination_country, application.job, on, moratoria)
    if closed is not None:
        reasons.append(
            reason(
                DocumentsReason.DESTINATION_UNDER_MORATORIUM,
                country=application.destination_country,
                job=application.job.value,
                regulation=closed.source,
            )
        )

    fee_reasons, fee_flags = _fee_findings(application, on, fee_ceilings)
    reasons += fee_reasons
    flags += fee_flags
    flags += fee_payment_flags(application.fees)
    flags += visa_without_contract_flags(
        has_passport=DocumentKind.PASSPORT in application.documents,
        has_visa=DocumentKind.WORK_VISA in application.documents,
        has_contract=DocumentKind.WORK_CONTRACT in application.documents,
    )
    flags += shared_identifier_flags(application.identifiers(), other_applicants, thresholds)

    return PlacementDecision(
        outcome=decide_outcome(tuple(reasons), tuple(flags)),
        reasons=tuple(reasons),
        flags=tuple(flags),
    )


def age_on(birth_date: date, on: date) -> int:
    """Completed years; someone born on 29 February turns a year older on 1 March."""
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(before_birthday)


def medical_certificate_last_valid_day(issued_on: date) -> date:
    """Valid for 3 months counted from the issue day itself: the last valid day is the eve
    of the same date three months later, or the end of that month when it has no such date
    (issued 30 Nov -> valid through 28/29 Feb)."""
    month_index = issued_on.month - 1 + MEDICAL_CERTIFICATE_VALID_MONTHS
    year, month = issued_on.year + month_index // 12, month_index % 12 + 1
    days_in_month = calendar.monthrange(year, month)[1]
    if issued_on.day > days_in_month:
        return date(year, month, days_in_month)
    return date(year, month, issued_on.day) - timedelta(days=1)


def _medical_certificate_reasons(application: PlacementApplication, on: date) -> list[Reason]:
    if DocumentKind.HEALTH_CERTIFICATE not in application.documents:
        return []  # already reported as a missing document
    issued_on = application.medical_certificate_issued_on
    if issued_on is None:
        return [reason(DocumentsReason.MEDICAL_CERTIFICATE_UNDATED)]
    last_valid_day = medical_certificate_last_valid_day(issued_on)
    if on > last_valid_day:
        return [
            reason(
                DocumentsReason.MEDICAL_CERTIFICATE_EXPIRED,
                issued_on=issued_on.isoformat(),
                last_valid_day=last_valid_day.isoformat(),
            )
        ]
    return []


def _recruiter_reasons(
    licence_number: str | None, licences: Mapping[str, RecruiterLicence], on: date
) -> list[Reason]:
    licence = licences.get(licence_number) if licence_number else None
    if licence is None:
        return [reason(DocumentsReason.RECRUITER_NOT_LICENSED, licence=licence_number or "-")]
    if not licence.valid_on(on):
        return [reason(DocumentsReason.RECRUITER_LICENCE_NOT_VALID, licence=licence.licence_number)]
    return []


def _fee_findings(
    application: PlacementApplication, on: date, fee_ceilings: tuple[FeeCeiling, ...]
) -> tuple[list[Reason], list[Reason]]:
    paid = sum(payment.amount_idr for payment in application.fees)
    if paid == 0:
        return [], []
    ceiling = fee_ceiling_in_force(
        application.destination_country, application.job, on, fee_ceilings
    )
    if ceiling is None:
        # No official cost structure to compare with: a person has to judge the fees.
        return [], [reason(DocumentsReason.FLAG_FEES_WITHOUT_COST_STRUCTURE, paid=_rupiah(paid))]
    if paid > ceiling.max_fee_idr:
        return [
            reason(
                DocumentsReason.FEES_ABOVE_OFFICIAL_COST,
                paid=_rupiah(paid),
                ceiling=_rupiah(ceiling.max_fee_idr),
                regulation=ceiling.source,
            )
        ], []
    return [], []


def _rupiah(amount: int) -> str:
    return f"Rp {amount:,}".replace(",", ".")
