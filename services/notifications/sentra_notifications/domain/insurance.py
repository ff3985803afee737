"""Notices about an EPS Korea insurance refund: assessment, payment, the dormant route."""

from __future__ import annotations

from sentra_shared.events import ClaimOutcome, DormantClaimReferred, RefundClaimAssessed, RefundPaid
from sentra_shared.facts import rupiah

from sentra_notifications.domain.notice import Notice, compose, day_en, day_id, with_reasons


def _krw(amount: int) -> str:
    return f"KRW {amount:,}"


@compose.register
def _(event: RefundClaimAssessed) -> Notice:
    if event.outcome is ClaimOutcome.ACCEPTED:
        amounts = _krw(event.amount_krw or 0)
        if event.amount_idr is not None:
            amounts += f" (± {rupiah(event.amount_idr)})"
        due_id = f" paling lambat {day_id(event.payout_due)}" if event.payout_due else ""
        due_en = f" by {day_en(event.payout_due)}" if event.payout_due else ""
        return Notice(
            status="claim_accepted",
            message_id=with_reasons(
                f"Klaim pengembalian asuransi Anda diterima: {amounts}. Perusahaan asuransi "
                f"akan membayar ke rekening atas nama Anda{due_id}.",
                event.reasons,
                "id",
            ),
            message_en=with_reasons(
                f"Your insurance refund claim was accepted: {amounts}. The insurer will pay "
                f"into the account in your name{due_en}.",
                event.reasons,
                "en",
            ),
            final=False,
        )
    if event.outcome is ClaimOutcome.DORMANT:
        return Notice(
            status="claim_dormant",
            message_id="Klaim Anda melewati batas 3 tahun; uangnya kini dipegang HRD Korea "
            "sebagai asuransi tidur. Petunjuk cara mengklaimnya menyusul.",
            message_en="Your claim is past the 3-year limit; the money is now held by HRD "
            "Korea as dormant insurance. Instructions on how to claim it follow.",
            final=False,
        )
    return Notice(
        status="claim_rejected",
        message_id=with_reasons("Klaim pengembalian asuransi Anda ditolak.", event.reasons, "id"),
        message_en=with_reasons("Your insurance refund claim was rejected.", event.reasons, "en"),
        final=True,
    )


@compose.register
def _(event: RefundPaid) -> Notice:
    return Notice(
        status="refund_paid",
        message_id=f"Pengembalian asuransi Anda telah dibayar: {_krw(event.amount_krw)}, "
        f"diterima {rupiah(event.amount_idr)} pada {day_id(event.paid_on)}.",
        message_en=f"Your insurance refund has been paid: {_krw(event.amount_krw)}, "
        f"credited as {rupiah(event.amount_idr)} on {day_en(event.paid_on)}.",
        final=True,
    )


@compose.register
def _(event: DormantClaimReferred) -> Notice:
    return Notice(
        status="dormant_referred",
        message_id=with_reasons(
            "Klaim Anda diurus melalui HRD Korea (asuransi tidur).", event.instructions, "id"
        ),
        message_en=with_reasons(
            "Your claim goes through HRD Korea (dormant insurance).", event.instructions, "en"
        ),
        final=True,
    )
