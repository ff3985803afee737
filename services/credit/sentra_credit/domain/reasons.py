"""Reason codes of the credit domain and their texts in Bahasa Indonesia and English."""

from __future__ import annotations

from enum import StrEnum

from sentra_shared.reasons import BilingualText, Reason, ReasonCatalogue


class CreditReason(StrEnum):
    PRODUCT_NOT_AVAILABLE = "PRODUCT_NOT_AVAILABLE"
    AMOUNT_ABOVE_CEILING = "AMOUNT_ABOVE_CEILING"
    TENOR_ABOVE_MAXIMUM = "TENOR_ABOVE_MAXIMUM"
    TENOR_BEYOND_WORK_CONTRACT = "TENOR_BEYOND_WORK_CONTRACT"
    WORK_CONTRACT_REQUIRED = "WORK_CONTRACT_REQUIRED"
    NPWP_REQUIRED = "NPWP_REQUIRED"
    SLIK_NON_PERFORMING = "SLIK_NON_PERFORMING"
    PRIOR_COMMERCIAL_PRODUCTIVE_CREDIT = "PRIOR_COMMERCIAL_PRODUCTIVE_CREDIT"
    SLIK_SPECIAL_MENTION = "SLIK_SPECIAL_MENTION"
    SLIK_NOT_AVAILABLE = "SLIK_NOT_AVAILABLE"
    BANK_REJECTED_WITHOUT_REASON = "BANK_REJECTED_WITHOUT_REASON"
    ROLE_NOT_ELIGIBLE = "ROLE_NOT_ELIGIBLE"
    FAMILY_WORKER_NOT_LINKED = "FAMILY_WORKER_NOT_LINKED"


R = CreditReason
TEXTS: dict[str, BilingualText] = {
    R.PRODUCT_NOT_AVAILABLE: BilingualText(
        id="Produk {product} tidak tersedia pada tanggal {on}.",
        en="Product {product} is not available on {on}.",
    ),
    R.AMOUNT_ABOVE_CEILING: BilingualText(
        id="Jumlah pinjaman {amount} melebihi plafon {ceiling} ({regulation}).",
        en="Loan amount {amount} exceeds the ceiling of {ceiling} ({regulation}).",
    ),
    R.TENOR_ABOVE_MAXIMUM: BilingualText(
        id="Jangka waktu {tenor} bulan melebihi batas {maximum} bulan.",
        en="A tenor of {tenor} months exceeds the maximum of {maximum} months.",
    ),
    R.TENOR_BEYOND_WORK_CONTRACT: BilingualText(
        id="Jangka waktu {tenor} bulan melebihi masa perjanjian kerja {contract} bulan.",
        en="A tenor of {tenor} months runs beyond the {contract}-month work contract.",
    ),
    R.WORK_CONTRACT_REQUIRED: BilingualText(
        id="KUR penempatan memerlukan perjanjian kerja; masa kontraknya belum diketahui.",
        en="A placement loan needs a work contract; its duration is not known.",
    ),
    R.NPWP_REQUIRED: BilingualText(
        id="Pinjaman di atas {threshold} wajib melampirkan NPWP.",
        en="Loans above {threshold} require a tax number (NPWP).",
    ),
    R.SLIK_NON_PERFORMING: BilingualText(
        id="Riwayat kredit SLIK berkolektibilitas {collectibility} (kurang lancar, diragukan, "
        "atau macet).",
        en="SLIK credit history shows collectibility {collectibility} (substandard, doubtful "
        "or loss).",
    ),
    R.PRIOR_COMMERCIAL_PRODUCTIVE_CREDIT: BilingualText(
        id="Pemohon sedang menerima kredit produktif komersial; produk ini hanya untuk debitur "
        "yang tidak sedang menerimanya.",
        en="The applicant already has commercial productive credit, which this product does "
        "not allow.",
    ),
    R.SLIK_SPECIAL_MENTION: BilingualText(
        id="Riwayat kredit SLIK dalam perhatian khusus (kolektibilitas 2); bank yang memutuskan.",
        en="SLIK credit history is special mention (collectibility 2); the bank decides.",
    ),
    R.SLIK_NOT_AVAILABLE: BilingualText(
        id="Hasil SLIK belum tersedia; bank harus memeriksanya sebelum memutuskan.",
        en="No SLIK result yet; the bank must check it before deciding.",
    ),
    R.BANK_REJECTED_WITHOUT_REASON: BilingualText(
        id="Bank menolak pinjaman tanpa menyebutkan alasan, padahal wajib ({regulation}). "
        "Anda dapat meminta alasannya kepada bank atau mengadu ke OJK.",
        en="The bank rejected the loan without stating a reason, which it must give "
        "({regulation}). You may ask the bank for it or complain to OJK.",
    ),
    R.ROLE_NOT_ELIGIBLE: BilingualText(
        id="Produk {product} tidak terbuka bagi peminjam berperan {role}; produk ini hanya "
        "untuk: {eligible} (worker: calon PMI, family: keluarga PMI, returnee: PMI purna).",
        en="Product {product} is not open to a {role} borrower; it is only for: {eligible} "
        "(worker: a departing worker, family: a worker's family, returnee: a returned "
        "worker).",
    ),
    R.FAMILY_WORKER_NOT_LINKED: BilingualText(
        id="Pinjaman keluarga PMI harus menyebut PMI yang sedang bekerja di luar negeri; "
        "rujukan PMI tidak ada.",
        en="A family member's loan must name the worker now abroad; no worker is linked.",
    ),
}

CATALOGUE = ReasonCatalogue(TEXTS)


def reason(code: CreditReason, **params: object) -> Reason:
    return CATALOGUE.reason(code, **params)
