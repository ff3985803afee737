"""Trafficking (TPPO) and corruption red flags.

A flag is never a rejection: it sends the case to a person with the reasons why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from sentra_shared.facts import rupiah
from sentra_shared.reasons import Reason

from .identifiers import IdentifierKind
from .reasons import DocumentsReason, reason


class PayeeKind(StrEnum):
    RECRUITER_COMPANY_ACCOUNT = "recruiter_company_account"
    PERSONAL_ACCOUNT = "personal_account"  # a sponsor's, a broker's or an officer's own account
    CASH = "cash"


class FeePayment(BaseModel):
    model_config = ConfigDict(frozen=True)

    amount_idr: int = Field(gt=0, strict=True)
    payee: PayeeKind
    payee_account: str | None = None  # the account paid into; cash has none


def personal_payee_accounts(payments: Iterable[FeePayment]) -> tuple[str, ...]:
    """Accounts of persons who took fees: matched across applicants (a broker collecting
    from many workers). A licensed company's account is expected to recur."""
    return tuple(
        p.payee_account
        for p in payments
        if p.payee is PayeeKind.PERSONAL_ACCOUNT and p.payee_account
    )


class SharingThresholds(BaseModel):
    """How many applications (this one included) may share a value before it is flagged.

    Policy values, not law: a NIK or passport belongs to one person, so a second
    holder is already suspicious; families often share a phone or an account.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    nik: int = Field(default=2, ge=2)
    passport: int = Field(default=2, ge=2)
    phone: int = Field(default=3, ge=2)
    bank_account: int = Field(default=3, ge=2)
    fee_payee: int = Field(default=3, ge=2)

    def for_kind(self, kind: IdentifierKind) -> int:
        threshold: int = getattr(self, kind.value)
        return threshold


DEFAULT_THRESHOLDS = SharingThresholds()

_SHARED_FLAG: Mapping[IdentifierKind, DocumentsReason] = {
    IdentifierKind.NIK: DocumentsReason.FLAG_SHARED_NIK,
    IdentifierKind.PASSPORT: DocumentsReason.FLAG_SHARED_PASSPORT,
    IdentifierKind.PHONE: DocumentsReason.FLAG_SHARED_PHONE,
    IdentifierKind.BANK_ACCOUNT: DocumentsReason.FLAG_SHARED_BANK_ACCOUNT,
    IdentifierKind.FEE_PAYEE: DocumentsReason.FLAG_SHARED_FEE_PAYEE,
}


def shared_identifier_flags(
    holders: Mapping[IdentifierKind, int], thresholds: SharingThresholds = DEFAULT_THRESHOLDS
) -> tuple[Reason, ...]:
    """One flag per kind of identifier held by at least its threshold of applications.

    `holders` counts, per kind, the applications (this one included) holding the most
    shared value of that kind; the caller counts them from keyed hashes.
    """
    return tuple(
        shared_identifier_flag(kind, count)
        for kind, count in sorted(holders.items())
        if count >= thresholds.for_kind(kind)
    )


def shared_identifier_flag(kind: IdentifierKind, count: int) -> Reason:
    return reason(_SHARED_FLAG[kind], count=count)


def fee_payment_flags(payments: Iterable[FeePayment]) -> tuple[Reason, ...]:
    to_persons = sum(
        p.amount_idr for p in payments if p.payee is not PayeeKind.RECRUITER_COMPANY_ACCOUNT
    )
    if to_persons:
        return (reason(DocumentsReason.FLAG_FEES_TO_PERSONAL_ACCOUNT, amount=rupiah(to_persons)),)
    return ()


def visa_without_contract_flags(
    *, has_passport: bool, has_visa: bool, has_contract: bool
) -> tuple[Reason, ...]:
    # A worker sent with passport and visa but no signed contract is a classic TPPO pattern.
    if has_passport and has_visa and not has_contract:
        return (reason(DocumentsReason.FLAG_VISA_WITHOUT_WORK_CONTRACT),)
    return ()
