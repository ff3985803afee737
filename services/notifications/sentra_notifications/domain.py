"""What the applicant is told about each event, in Bahasa Indonesia and English.

Pure: one function from an event to a notice. `final` marks the last word on an
application: after it, nothing more is decided for that application.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import singledispatch

from sentra_shared.events import (
    ApplicationKind,
    ApplicationSubmitted,
    ClaimOutcome,
    CreditOutcome,
    CreditScreened,
    DocumentsRejected,
    DocumentsVerified,
    Event,
    RefundClaimAssessed,
)
from sentra_shared.reasons import Reason


@dataclass(frozen=True)
class Notice:
    status: str
    message_id: str
    message_en: str
    final: bool


def _with_reasons(text: str, reasons: tuple[Reason, ...], lang: str) -> str:
    if not reasons:
        return text
    details = " ".join(r.text.id if lang == "id" else r.text.en for r in reasons)
    return f"{text} {details}"


@singledispatch
def compose(event: Event) -> Notice:
    raise TypeError(f"no notice for {type(event).__name__}")


@compose.register
def _(event: ApplicationSubmitted) -> Notice:
    return Notice(
        status="submitted",
        message_id="Permohonan Anda telah diterima dan sedang diperiksa.",
        message_en="Your application has been received and is being checked.",
        final=False,
    )


@compose.register
def _(event: DocumentsVerified) -> Notice:
    # A placement application ends here for now; loans and refunds go on to a decision.
    final = event.kind is ApplicationKind.PLACEMENT
    return Notice(
        status="documents_verified",
        message_id="Dokumen Anda telah diverifikasi.",
        message_en="Your documents have been verified.",
        final=final,
    )


@compose.register
def _(event: DocumentsRejected) -> Notice:
    return Notice(
        status="documents_rejected",
        message_id=_with_reasons("Dokumen Anda belum dapat diterima.", event.reasons, "id"),
        message_en=_with_reasons("Your documents could not be accepted.", event.reasons, "en"),
        final=True,
    )


_CREDIT_TEXT = {
    CreditOutcome.APPROVED: ("Pengajuan KUR Anda disetujui.", "Your KUR loan was approved."),
    CreditOutcome.REJECTED: ("Pengajuan KUR Anda ditolak.", "Your KUR loan was rejected."),
    CreditOutcome.REFERRED: (
        "Pengajuan KUR Anda diteruskan ke bank untuk diputuskan.",
        "Your KUR loan was referred to the bank for a decision.",
    ),
}


@compose.register
def _(event: CreditScreened) -> Notice:
    text_id, text_en = _CREDIT_TEXT[event.outcome]
    return Notice(
        status=f"credit_{event.outcome.value}",
        message_id=_with_reasons(text_id, event.reasons, "id"),
        message_en=_with_reasons(text_en, event.reasons, "en"),
        final=True,
    )


_CLAIM_TEXT = {
    ClaimOutcome.ACCEPTED: (
        "Klaim pengembalian asuransi Anda diterima.",
        "Your insurance refund claim was accepted.",
    ),
    ClaimOutcome.REJECTED: (
        "Klaim pengembalian asuransi Anda ditolak.",
        "Your insurance refund claim was rejected.",
    ),
    ClaimOutcome.DORMANT: (
        "Klaim Anda melewati batas 3 tahun dan diurus sebagai asuransi tidur melalui HRD Korea.",
        "Your claim is past the 3-year limit and goes to HRD Korea as dormant insurance.",
    ),
}


@compose.register
def _(event: RefundClaimAssessed) -> Notice:
    text_id, text_en = _CLAIM_TEXT[event.outcome]
    return Notice(
        status=f"claim_{event.outcome.value}",
        message_id=_with_reasons(text_id, event.reasons, "id"),
        message_en=_with_reasons(text_en, event.reasons, "en"),
        final=True,
    )
