"""Trafficking (TPPO) and corruption red flags.

A flag is never a rejection: it sends the case to a person with the reasons why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from sentra_shared.reasons import Reason

from .reasons import DocumentsReason, reason


class PayeeKind(StrEnum):
    RECRUITER_COMPANY_ACCOUNT = "recruiter_company_account"
    PERSONAL_ACCOUNT = "personal_account"  # a sponsor's, a broker's or an officer's own account
    CASH = "cash"


class FeePayment(BaseModel):
    model_config = ConfigDict(frozen=True)

    amount_idr: int = Field(gt=0, strict=True)
    payee: PayeeKind


class ApplicantIdentifiers(BaseModel):
    """The identifiers that, shared across many applicants, point at a recruiting ring."""

    model_config = ConfigDict(frozen=True)

    application_id: str
    nik: str
    passport_number: str | None = None
    phone_number: str | None = None
    bank_account: str | None = None


class SharingThresholds(BaseModel):
    """How many applications (this one included) may share a value before it is flagged.

    Policy values, not law: a NIK or passport belongs to one person, so a second
    holder is already suspicious; families often share a phone or an account.
    """

    model_config = ConfigDict(frozen=True)

    nik: int = Field(default=2, ge=2)
    passport: int = Field(default=2, ge=2)
    phone: int = Field(default=3, ge=2)
    bank_account: int = Field(default=3, ge=2)


DEFAULT_THRESHOLDS = SharingThresholds()


def shared_identifier_flags(
    applicant: ApplicantIdentifiers,
    others: Iterable[ApplicantIdentifiers],
    thresholds: SharingThresholds = DEFAULT_THRESHOLDS,
) -> tuple[Reason, ...]:
    """One flag per identifier held by at least its threshold of applications."""
    others = [o for o in others if o.application_id != applicant.application_id]
    checks: tuple[tuple[DocumentsReason, str, Callable[[str], str], int], ...] = (
        (DocumentsReason.FLAG_SHARED_NIK, "nik", _digits, thresholds.nik),
        (
            DocumentsReason.FLAG_SHARED_PASSPORT,
            "passport_number",
            _passport_key,
            thresholds.passport,
        ),
        (DocumentsReason.FLAG_SHARED_PHONE, "phone_number", _phone_key, thresholds.phone),
        (
            DocumentsReason.FLAG_SHARED_BANK_ACCOUNT,
            "bank_account",
            _digits,
            thresholds.bank_account,
        ),
    )
    flags: list[Reason] = []
    for code, field, normalise, threshold in checks:
        key = normalise(_identifier(applicant, field))
        if not key:
            continue
        holders = 1 + sum(1 for other in others if normalise(_identifier(other, field)) == key)
        if holders >= threshold:
            flags.append(reason(code, count=holders))
    return tuple(flags)


def _identifier(applicant: ApplicantIdentifiers, field: str) -> str:
    value = getattr(applicant, field)
    return value if isinstance(value, str) else ""


def fee_payment_flags(payments: Iterable[FeePayment]) -> tuple[Reason, ...]:
    to_persons = sum(
        p.amount_idr for p in payments if p.payee is not PayeeKind.RECRUITER_COMPANY_ACCOUNT
    )
    if to_persons:
        return (reason(DocumentsReason.FLAG_FEES_TO_PERSONAL_ACCOUNT, amount=_rupiah(to_persons)),)
    return ()


def visa_without_contract_flags(
    *, has_passport: bool, has_visa: bool, has_contract: bool
) -> tuple[Reason, ...]:
    # A worker sent with passport and visa but no signed contract is a classic TPPO pattern.
    if has_passport and has_visa and not has_contract:
        return (reason(DocumentsReason.FLAG_VISA_WITHOUT_WORK_CONTRACT),)
    return ()


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def _passport_key(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def _phone_key(value: str) -> str:
    digits = _digits(value)
    # 0812..., 62812... and +62 812... are the same Indonesian number.
    if digits.startswith("0"):
        return "62" + digits[1:]
    return digits


def _rupiah(amount: int) -> str:
    return f"Rp {amount:,}".replace(",", ".")
