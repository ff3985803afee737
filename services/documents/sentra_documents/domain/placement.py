"""Placement eligibility (UU 18/2017) combined with TPPO red flags into one decision."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from sentra_shared.facts import medical_certificate_last_valid_day, rupiah
from sentra_shared.reasons import Reason

from .identifiers import Identifier, IdentifierKind, applicant_identifiers
from .identity import identity_findings
from .nik import Sex
from .reasons import DocumentsReason, missing_document_reason, reason
from .red_flags import (
    DEFAULT_THRESHOLDS,
    FeePayment,
    SharingThresholds,
    fee_payment_flags,
    personal_payee_accounts,
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

    def identifiers(self) -> tuple[Identifier, ...]:
        """What is matched against other placement applications (by keyed hash)."""
        return applicant_identifiers(
            nik=self.nik,
            phone=self.phone_number,
            passport_number=self.passport_number,
            bank_account=self.bank_account,
            personal_payee_accounts=personal_payee_accounts(self.fees),
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
    shared_holders: Mapping[IdentifierKind, int] | None = None,
    thresholds: SharingThresholds = DEFAULT_THRESHOLDS,
    moratoria: tuple[Moratorium, ...] = MORATORIA,
    fee_ceilings: tuple[FeeCeiling, ...] = FEE_CEILINGS,
) -> PlacementDecision:
    """`licences` needs only the licence named on the form; `shared_holders` counts, per
    identifier kind, the placement applications (this one included) holding this
    applicant's most shared value of that kind."""
    identity = identity_findings(
        application.nik, application.birth_date_on_documents, application.sex_on_documents, on
    )
    reasons: list[Reason] = list(identity.reasons)
    flags: list[Reason] = list(identity.flags)

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
    flags += shared_identifier_flags(shared_holders or {}, thresholds)

    return PlacementDecision(
        outcome=decide_outcome(tuple(reasons), tuple(flags)),
        reasons=tuple(reasons),
        flags=tuple(flags),
    )


def _medical_certificate_reasons(application: PlacementApplication, on: date) -> list[Reason]:
    if DocumentKind.HEALTH_CERTIFICATE not in application.documents:
        return []  # already reported as a missing document
    issued_on = application.medical_certificate_issued_on
    if issued_on is None:
        return [reason(DocumentsReason.MEDICAL_CERTIFICATE_UNDATED)]
    if issued_on > on:
        # A date still to come is a typing error or a certificate written in advance.
        return [
            reason(
                DocumentsReason.MEDICAL_CERTIFICATE_DATED_IN_FUTURE, issued_on=issued_on.isoformat()
            )
        ]
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
        return [], [reason(DocumentsReason.FLAG_FEES_WITHOUT_COST_STRUCTURE, paid=rupiah(paid))]
    if paid > ceiling.max_fee_idr:
        return [
            reason(
                DocumentsReason.FEES_ABOVE_OFFICIAL_COST,
                paid=rupiah(paid),
                ceiling=rupiah(ceiling.max_fee_idr),
                regulation=ceiling.source,
            )
        ], []
    return [], []
