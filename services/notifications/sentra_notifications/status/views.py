"""What the status page shows, in the applicant's language: pure functions of the
timeline, the waits and the moment (no I/O, no clock)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sentra_shared.calendar import WIB

from sentra_notifications.domain.notice import Lang, current_of, day_en, day_id
from sentra_notifications.waits import Wait

KINDS: dict[str, tuple[str, str]] = {
    "placement": ("Penempatan kerja ke luar negeri", "Placement abroad"),
    "kur_loan": ("Kredit Usaha Rakyat (KUR) PMI", "KUR loan for migrant workers"),
    "insurance_refund": ("Pengembalian dana asuransi EPS Korea", "EPS Korea insurance refund"),
    # The empowerment service's cases, opened with their own tracking codes.
    "business": ("Usaha purna PMI dan keluarga PMI", "Business of a returnee or a family"),
    "consultation": ("Konsultasi", "Consultation"),
}

STATUSES: dict[str, tuple[str, str]] = {
    "submitted": ("Permohonan diterima", "Application received"),
    "under_review": ("Diperiksa petugas", "Under review by an officer"),
    "review_cleared": ("Lolos pemeriksaan petugas", "Cleared by the officer"),
    "documents_verified": ("Dokumen terverifikasi", "Documents verified"),
    "documents_rejected": ("Dokumen belum diterima", "Documents not accepted"),
    "delayed": ("Terlambat", "Delayed"),
    "escalated": ("Dilaporkan ke pengawas", "Reported to the supervisor"),
    "credit_approved": ("KUR disetujui, diteruskan ke bank", "Loan approved, sent to the bank"),
    "credit_referred": ("KUR diteruskan ke bank", "Loan referred to the bank"),
    "credit_rejected": ("KUR ditolak", "Loan not approved"),
    "loan_disbursed": ("Pinjaman dicairkan", "Loan disbursed"),
    "loan_rejected": ("Pinjaman ditolak bank", "Loan rejected by the bank"),
    "claim_accepted": ("Klaim diterima", "Claim accepted"),
    "claim_rejected": ("Klaim ditolak", "Claim rejected"),
    "claim_dormant": ("Klaim melewati 3 tahun", "Claim past 3 years"),
    "refund_paid": ("Dana dibayarkan", "Refund paid"),
    "dormant_referred": ("Dirujuk ke HRD Korea", "Referred to HRD Korea"),
    "notification_failed": ("Kabar tidak terkirim", "Message not delivered"),
    "business_registered": ("Usaha terdaftar", "Business registered"),
    "programme_enrolled": ("Terdaftar dalam program", "Enrolled in a programme"),
    "progress_recorded": ("Laporan program diterima", "Programme report received"),
    "award_nominated": ("Dinominasikan untuk penghargaan", "Nominated for the award"),
    "award_not_nominated": ("Belum dinominasikan", "Not nominated"),
    "consultation_received": ("Pertanyaan diterima", "Question received"),
    "consultation_answered": ("Pertanyaan dijawab", "Question answered"),
}

# Who holds the file, as a label (the notices use these names inside sentences instead).
PARTIES: dict[str, tuple[str, str]] = {
    "dukcapil": ("Dinas Kependudukan dan Pencatatan Sipil (Dukcapil)", "Civil registry (Dukcapil)"),
    "disnaker": ("Dinas Tenaga Kerja (Disnaker)", "Manpower office (Disnaker)"),
    "health_facility": ("Fasilitas kesehatan", "Health facility"),
    "polri": ("Kepolisian (Polri)", "Police (Polri)"),
    "imigrasi": ("Kantor Imigrasi", "Immigration office"),
    "bp3mi": ("BP3MI", "BP3MI (migrant worker protection)"),
    "bpjs_ketenagakerjaan": ("BPJS Ketenagakerjaan", "BPJS Ketenagakerjaan (social security)"),
    "bank": ("Bank", "Bank"),
    "insurer": ("Perusahaan asuransi", "Insurer"),
    "officer": ("Petugas LTSA", "LTSA officer"),
    "trade_office": (
        "Dinas Perindustrian dan Perdagangan (Disperindag)",
        "Trade and industry office (Disperindag)",
    ),
    "placement_desk": ("Layanan konsultasi penempatan", "Placement desk"),
    "credit_desk": ("Layanan konsultasi kredit", "Credit desk"),
    "refund_desk": ("Layanan konsultasi klaim asuransi", "Insurance refund desk"),
    "product_desk": ("Layanan konsultasi produk", "Product desk"),
}

STEPS: dict[str, tuple[str, str]] = {
    "agency_check": ("Pemeriksaan dokumen", "Document check"),
    "officer_review": ("Pemeriksaan oleh petugas", "Officer's review"),
    "bank_check": ("Riwayat kredit (SLIK)", "Credit history (SLIK)"),
    "bank_decision": ("Keputusan pinjaman", "Loan decision"),
    "insurer_check": ("Konfirmasi klaim", "Claim confirmation"),
    "insurer_payout": ("Pembayaran klaim", "Claim payment"),
    "programme_report": ("Laporan program", "Programme report"),
    "consultation_answer": ("Jawaban konsultasi", "Answer to the question"),
}


@dataclass(frozen=True)
class Step:
    at: str
    label: str
    message: str
    final: bool


@dataclass(frozen=True)
class Holder:
    party: str
    step: str
    due: str
    overdue: bool


@dataclass(frozen=True)
class Answered:
    party: str
    on_time: bool


@dataclass(frozen=True)
class StatusPage:
    kind: str
    submitted: str
    status: str
    final: bool
    next_step: str
    steps: list[Step]
    holders: list[Holder]
    answered: list[Answered]


def status_page(
    kind: str,
    submitted_at: datetime,
    timeline: Sequence[Mapping[str, Any]],
    waits: Sequence[Wait],
    moment: datetime,
    lang: Lang,
) -> StatusPage:
    pick = 0 if lang == "id" else 1
    message = "message_id" if lang == "id" else "message_en"
    steps = [
        Step(
            at=when(row["occurred_at"], lang),
            label=_word(STATUSES, row["status"], pick),
            message=row[message],
            final=row["final"],
        )
        for row in timeline
    ]
    # Where it stands, as on the timeline API; that notice's text says what to do next.
    current = current_of(timeline, status=lambda r: r["status"], final=lambda r: r["final"])
    holders = [
        Holder(
            party=_word(PARTIES, wait.party, pick),
            step=_word(STEPS, wait.step, pick),
            due=(day_id if lang == "id" else day_en)(wait.due_at),
            overdue=wait.overdue_at(moment),
        )
        for wait in waits
        if wait.open
    ]
    answered = [
        Answered(party=_word(PARTIES, wait.party, pick), on_time=bool(wait.on_time))
        for wait in waits
        if wait.answered_at is not None
    ]
    return StatusPage(
        kind=_word(KINDS, kind, pick),
        submitted=(day_id if lang == "id" else day_en)(_local_date(submitted_at)),
        status=_word(STATUSES, current["status"], pick) if current else "",
        final=any(row["final"] for row in timeline),
        next_step=current[message] if current else "",
        steps=steps,
        holders=holders,
        answered=answered,
    )


def when(moment: datetime, lang: Lang) -> str:
    """A moment in WIB: 3 Maret 2026, 14.05 WIB (Indonesian writes the time with a dot)."""
    local = moment.astimezone(WIB)
    if lang == "id":
        return f"{day_id(local.date())}, {local:%H.%M} WIB"
    return f"{day_en(local.date())}, {local:%H:%M} WIB"


def _local_date(moment: datetime) -> date:
    return moment.astimezone(WIB).date()


def _word(words: dict[str, tuple[str, str]], key: str, pick: int) -> str:
    # An unknown value (a newer service's step) still shows, untranslated, not as an error.
    return words[key][pick] if key in words else key.replace("_", " ")
