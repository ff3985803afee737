"""The reason codes each agency may give when it answers `failed`, with their meaning.

A negative answer must say why, in a code Sentra and the applicant's notice can act on.
Each agency answers from its own list; the agency writes the text it shows (in Bahasa
Indonesia and English), the code says which of these it means. The lists are published
in each agency's AsyncAPI document (`shared/contracts/agencies/`). A new code is a
contract change: add it here, regenerate the contract, tell the agency.
"""

from __future__ import annotations

from collections.abc import Mapping

from sentra_shared.events.agency_ids import Agency
from sentra_shared.reasons import BilingualText


def _t(id_text: str, en_text: str) -> BilingualText:
    return BilingualText(id=id_text, en=en_text)


# What an organiser (Disnaker, the bank, the trade office) may give when its participation
# report is `failed`: the same list whoever organises, beside that agency's own list for
# its checks.
PARTICIPATION_REASON_CODES: Mapping[str, BilingualText] = {
    "PARTICIPANT_ABSENT": _t(
        "Peserta tidak mengikuti program pelatihan atau pendampingan.",
        "The participant did not take part in the training or mentoring programme.",
    ),
    "PROGRAMME_CANCELLED": _t(
        "Program dibatalkan oleh penyelenggara.", "The organiser cancelled the programme."
    ),
}

AGENCY_REASON_CODES: Mapping[Agency, Mapping[str, BilingualText]] = {
    Agency.DUKCAPIL: {
        "NIK_NOT_REGISTERED": _t(
            "NIK tidak terdaftar di Dukcapil.", "The NIK is not registered with Dukcapil."
        ),
        "IDENTITY_MISMATCH": _t(
            "Nama, tanggal lahir atau jenis kelamin tidak sesuai dengan data kependudukan.",
            "The name, birth date or sex does not match the civil registry.",
        ),
        "NIK_INACTIVE": _t(
            "NIK tidak aktif (ganda, pindah atau meninggal dunia).",
            "The NIK is inactive (duplicate, moved or deceased).",
        ),
    },
    Agency.DISNAKER: {
        "JOB_SEEKER_NOT_REGISTERED": _t(
            "Belum terdaftar sebagai pencari kerja (kartu AK/I).",
            "Not registered as a job seeker (AK/I card).",
        ),
        "FAMILY_PERMISSION_MISSING": _t(
            "Surat izin keluarga belum ada.", "The family permission letter is missing."
        ),
        "PASSPORT_RECOMMENDATION_REFUSED": _t(
            "Rekomendasi paspor tidak diberikan.", "The passport recommendation is refused."
        ),
    },
    Agency.HEALTH_FACILITY: {
        "MEDICALLY_UNFIT": _t(
            "Tidak memenuhi syarat kesehatan (fisik atau psikologis).",
            "Not medically or psychologically fit.",
        ),
        "EXAMINATION_NOT_DONE": _t(
            "Pemeriksaan kesehatan belum dilakukan.", "The medical examination was not done."
        ),
    },
    Agency.POLRI: {
        "SKCK_NOT_ISSUED": _t(
            "SKCK tidak dapat diterbitkan: ada catatan kepolisian.",
            "No police clearance (SKCK): there is a police record.",
        ),
        "SKCK_APPLICATION_INCOMPLETE": _t(
            "Permohonan SKCK belum lengkap.", "The SKCK application is incomplete."
        ),
    },
    Agency.IMIGRASI: {
        "PASSPORT_NOT_ISSUED": _t(
            "Paspor belum diterbitkan untuk orang ini.",
            "No passport has been issued to this person.",
        ),
        "PASSPORT_NAME_MISMATCH": _t(
            "Nama di paspor tidak sesuai dengan nama yang disebutkan.",
            "The name in the passport differs from the name given.",
        ),
        "PASSPORT_REVOKED": _t(
            "Paspor dicabut atau dilaporkan hilang.", "The passport is revoked or reported lost."
        ),
    },
    Agency.BP3MI: {
        "PLACEMENT_AGREEMENT_MISSING": _t(
            "Perjanjian penempatan belum ada.", "The placement agreement is missing."
        ),
        "WORK_VISA_MISSING": _t("Visa kerja belum ada.", "The work visa is missing."),
        "WORK_CONTRACT_MISSING": _t("Perjanjian kerja belum ada.", "The work contract is missing."),
        "ORIENTATION_NOT_ATTENDED": _t(
            "Belum mengikuti Orientasi Pra Pemberangkatan (OPP).",
            "The pre-departure orientation (OPP) was not attended.",
        ),
        "ID_PMI_NOT_ISSUED": _t(
            "Kartu identitas PMI (e-KTKLN) belum diterbitkan.",
            "The migrant worker identity card (e-KTKLN) is not issued.",
        ),
    },
    Agency.BPJS_KETENAGAKERJAAN: {
        "NOT_A_MEMBER": _t(
            "Belum terdaftar sebagai peserta BPJS Ketenagakerjaan.",
            "Not a BPJS Ketenagakerjaan member.",
        ),
        "MEMBERSHIP_INACTIVE": _t(
            "Kepesertaan BPJS Ketenagakerjaan tidak aktif (iuran belum dibayar).",
            "The BPJS Ketenagakerjaan membership is inactive (contributions unpaid).",
        ),
    },
    Agency.BANK: {
        "SLIK_COLLECTIBILITY_5": _t(
            "Riwayat kredit SLIK: kolektibilitas 5 (macet).",
            "SLIK credit history: collectibility 5 (loss).",
        ),
        "SLIK_NOT_FOUND": _t(
            "Data debitur tidak ditemukan di SLIK.", "The borrower is not found in SLIK."
        ),
        "REPAYMENT_CAPACITY_INSUFFICIENT": _t(
            "Kredit ditolak bank: kemampuan membayar angsuran tidak mencukupi.",
            "The bank declines the loan: repayment capacity is insufficient for the instalments.",
        ),
        "DOCUMENTS_INCOMPLETE": _t(
            "Kredit ditolak bank: dokumen pendukung belum lengkap.",
            "The bank declines the loan: supporting documents are incomplete.",
        ),
        "KUR_LIMIT_REACHED": _t(
            "Kredit ditolak bank: batas plafon KUR sudah tercapai.",
            "The bank declines the loan: the KUR ceiling is reached.",
        ),
    },
    Agency.INSURER: {
        "EPS_INSURANCE_NOT_FOUND": _t(
            "Tidak ada asuransi EPS atas nama paspor dan tanggal lahir ini.",
            "No EPS insurance is held for this passport name and birth date.",
        ),
        "NO_CASUALTY_ON_FILE": _t(
            "Tidak ada kejadian kecelakaan atau sakit yang tercatat untuk pekerja ini.",
            "No insured casualty (accident or illness) is on file for this worker.",
        ),
        "CLAIM_ALREADY_PAID": _t(
            "Klaim ini sudah pernah dibayarkan.", "This claim has been paid already."
        ),
        "PAYEE_ACCOUNT_REJECTED": _t(
            "Rekening penerima ditolak oleh bank penerima.",
            "The payee account was refused by the receiving bank.",
        ),
        "PAYEE_NAME_MISMATCH": _t(
            "Nama pemilik rekening tidak sama dengan nama di paspor.",
            "The account holder's name differs from the passport name.",
        ),
    },
    Agency.TRADE_OFFICE: PARTICIPATION_REASON_CODES,
    Agency.PLACEMENT_DESK: {
        "OUT_OF_SCOPE": _t(
            "Pertanyaan ini bukan wewenang meja penempatan; silakan ajukan ke meja yang sesuai.",
            "This question is not for this desk; please ask the desk of its subject.",
        ),
        "NOT_ENOUGH_DETAIL": _t(
            "Pertanyaan kurang jelas; mohon ajukan kembali dengan keterangan lengkap.",
            "The question lacks detail; please ask again with the details.",
        ),
    },
    Agency.CREDIT_DESK: {
        "OUT_OF_SCOPE": _t(
            "Pertanyaan ini bukan wewenang meja kredit; silakan ajukan ke meja yang sesuai.",
            "This question is not for this desk; please ask the desk of its subject.",
        ),
        "NOT_ENOUGH_DETAIL": _t(
            "Pertanyaan kurang jelas; mohon ajukan kembali dengan keterangan lengkap.",
            "The question lacks detail; please ask again with the details.",
        ),
    },
    Agency.REFUND_DESK: {
        "OUT_OF_SCOPE": _t(
            "Pertanyaan ini bukan wewenang meja klaim asuransi; silakan ajukan ke meja "
            "yang sesuai.",
            "This question is not for this desk; please ask the desk of its subject.",
        ),
        "NOT_ENOUGH_DETAIL": _t(
            "Pertanyaan kurang jelas; mohon ajukan kembali dengan keterangan lengkap.",
            "The question lacks detail; please ask again with the details.",
        ),
    },
    Agency.PRODUCT_DESK: {
        "OUT_OF_SCOPE": _t(
            "Pertanyaan ini bukan wewenang meja produk; silakan ajukan ke meja yang sesuai.",
            "This question is not for this desk; please ask the desk of its subject.",
        ),
        "NOT_ENOUGH_DETAIL": _t(
            "Pertanyaan kurang jelas; mohon ajukan kembali dengan keterangan lengkap.",
            "The question lacks detail; please ask again with the details.",
        ),
    },
}


def reason_codes(agency: Agency) -> tuple[str, ...]:
    """The codes `agency` may give, in a fixed order."""
    return tuple(AGENCY_REASON_CODES[agency])
