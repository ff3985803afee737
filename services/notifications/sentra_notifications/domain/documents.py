"""Notices about the applicant's file: received, under review, verified, rejected."""

from __future__ import annotations

from sentra_shared.events import (
    ApplicationFlagged,
    ApplicationKind,
    ApplicationReviewed,
    ApplicationSubmitted,
    DocumentsRejected,
    DocumentsVerified,
    ReviewDecision,
)

from sentra_notifications.domain.notice import Notice, compose, day_en, day_id, with_reasons

OFFICE_ID = "kantor layanan terpadu satu atap (LTSA) di kabupaten Anda"
OFFICE_EN = "the one-roof service office (LTSA) in your regency"


@compose.register
def _(event: ApplicationSubmitted) -> Notice:
    return Notice(
        status="submitted",
        message_id="Permohonan Anda telah diterima dan sedang diperiksa. Anda tidak perlu "
        "membayar siapa pun untuk layanan ini.",
        message_en="Your application has been received and is being checked. You do not "
        "have to pay anyone for this service.",
        final=False,
    )


@compose.register
def _(event: ApplicationFlagged) -> Notice:
    # Never the flags themselves: a recruiter reading over the worker's shoulder must not
    # learn what gave the case away.
    return Notice(
        status="under_review",
        message_id="Permohonan Anda perlu diperiksa oleh petugas. Keputusan paling lambat "
        f"{day_id(event.review_due)}. Petugas dapat menghubungi Anda; bawalah dokumen asli "
        f"bila diminta datang ke {OFFICE_ID}.",
        message_en="An officer needs to review your application. You will have a decision by "
        f"{day_en(event.review_due)}. The officer may contact you; bring your original "
        f"documents if you are asked to come to {OFFICE_EN}.",
        final=False,
    )


@compose.register
def _(event: ApplicationReviewed) -> Notice | None:
    if event.decision is ReviewDecision.CONFIRMED:
        return None  # the applicant hears the rejection, which follows, and nothing more
    return Notice(
        status="review_cleared",
        message_id="Pemeriksaan petugas selesai; permohonan Anda dilanjutkan ke instansi terkait.",
        message_en="The officer's review is done; your application goes on to the agencies.",
        final=False,
    )


@compose.register
def _(event: DocumentsVerified) -> Notice:
    if event.kind is ApplicationKind.PLACEMENT:
        return Notice(
            status="documents_verified",
            message_id="Semua dokumen penempatan Anda telah diverifikasi oleh instansi "
            f"terkait. Datanglah ke {OFFICE_ID} untuk orientasi pra-pemberangkatan dan "
            "mengambil dokumen Anda.",
            message_en="All your placement documents have been verified by the agencies. Come "
            f"to {OFFICE_EN} for the pre-departure orientation and to collect your documents.",
            final=True,
        )
    return Notice(
        status="documents_verified",
        message_id="Dokumen Anda telah diverifikasi; permohonan Anda diteruskan untuk diputuskan.",
        message_en="Your documents have been verified; your application goes on to a decision.",
        final=False,
    )


@compose.register
def _(event: DocumentsRejected) -> Notice:
    return Notice(
        status="documents_rejected",
        message_id=with_reasons("Dokumen Anda belum dapat diterima.", event.reasons, "id")
        + f" Perbaiki atau lengkapi dokumen tersebut lalu ajukan kembali, atau tanyakan ke "
        f"{OFFICE_ID}.",
        message_en=with_reasons("Your documents could not be accepted.", event.reasons, "en")
        + f" Correct or complete them and apply again, or ask at {OFFICE_EN}.",
        final=True,
    )
