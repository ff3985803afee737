"""Reason codes of the documents domain and their texts in Bahasa Indonesia and English."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from sentra_shared.reasons import BilingualText, Reason, ReasonCatalogue

if TYPE_CHECKING:
    from .placement import DocumentKind


class DocumentsReason(StrEnum):
    NIK_NOT_SIXTEEN_DIGITS = "NIK_NOT_SIXTEEN_DIGITS"
    NIK_UNKNOWN_PROVINCE = "NIK_UNKNOWN_PROVINCE"
    NIK_UNKNOWN_REGENCY = "NIK_UNKNOWN_REGENCY"
    NIK_INVALID_DISTRICT = "NIK_INVALID_DISTRICT"
    NIK_INVALID_BIRTH_DATE = "NIK_INVALID_BIRTH_DATE"
    NIK_INVALID_SERIAL = "NIK_INVALID_SERIAL"
    NIK_BIRTH_DATE_MISMATCH = "NIK_BIRTH_DATE_MISMATCH"
    NIK_SEX_MISMATCH = "NIK_SEX_MISMATCH"
    UNDER_MINIMUM_AGE = "UNDER_MINIMUM_AGE"
    MISSING_KTP = "MISSING_KTP"
    MISSING_FAMILY_CARD = "MISSING_FAMILY_CARD"
    MISSING_BIRTH_CERTIFICATE_OR_DIPLOMA = "MISSING_BIRTH_CERTIFICATE_OR_DIPLOMA"
    MISSING_MARITAL_STATUS_STATEMENT = "MISSING_MARITAL_STATUS_STATEMENT"
    MISSING_FAMILY_PERMISSION = "MISSING_FAMILY_PERMISSION"
    MISSING_COMPETENCY_CERTIFICATE = "MISSING_COMPETENCY_CERTIFICATE"
    MISSING_HEALTH_CERTIFICATE = "MISSING_HEALTH_CERTIFICATE"
    MISSING_PASSPORT = "MISSING_PASSPORT"
    MISSING_WORK_VISA = "MISSING_WORK_VISA"
    MISSING_PLACEMENT_AGREEMENT = "MISSING_PLACEMENT_AGREEMENT"
    MISSING_WORK_CONTRACT = "MISSING_WORK_CONTRACT"
    MISSING_BPJS_MEMBERSHIP = "MISSING_BPJS_MEMBERSHIP"
    MEDICAL_CERTIFICATE_UNDATED = "MEDICAL_CERTIFICATE_UNDATED"
    MEDICAL_CERTIFICATE_EXPIRED = "MEDICAL_CERTIFICATE_EXPIRED"
    MEDICAL_CERTIFICATE_DATED_IN_FUTURE = "MEDICAL_CERTIFICATE_DATED_IN_FUTURE"
    RECRUITER_NOT_LICENSED = "RECRUITER_NOT_LICENSED"
    RECRUITER_LICENCE_NOT_VALID = "RECRUITER_LICENCE_NOT_VALID"
    DESTINATION_UNDER_MORATORIUM = "DESTINATION_UNDER_MORATORIUM"
    FEES_ABOVE_OFFICIAL_COST = "FEES_ABOVE_OFFICIAL_COST"
    FLAG_UNDER_AGE = "FLAG_UNDER_AGE"
    FLAG_SHARED_NIK = "FLAG_SHARED_NIK"
    FLAG_SHARED_PASSPORT = "FLAG_SHARED_PASSPORT"
    FLAG_SHARED_PHONE = "FLAG_SHARED_PHONE"
    FLAG_SHARED_BANK_ACCOUNT = "FLAG_SHARED_BANK_ACCOUNT"
    FLAG_SHARED_FEE_PAYEE = "FLAG_SHARED_FEE_PAYEE"
    FLAG_VISA_WITHOUT_WORK_CONTRACT = "FLAG_VISA_WITHOUT_WORK_CONTRACT"
    FLAG_FEES_TO_PERSONAL_ACCOUNT = "FLAG_FEES_TO_PERSONAL_ACCOUNT"
    FLAG_FEES_WITHOUT_COST_STRUCTURE = "FLAG_FEES_WITHOUT_COST_STRUCTURE"
    SLA_BREACHED = "SLA_BREACHED"
    AGENCY_CHECK_FAILED = "AGENCY_CHECK_FAILED"
    AGENCY_DOCUMENT_EXPIRED = "AGENCY_DOCUMENT_EXPIRED"
    REVIEW_CONFIRMED_RED_FLAGS = "REVIEW_CONFIRMED_RED_FLAGS"
    WORKER_REFERENCE_UNKNOWN = "WORKER_REFERENCE_UNKNOWN"
    WORKER_NOT_PLACED = "WORKER_NOT_PLACED"
    FAMILY_MEMBER_IS_WORKER = "FAMILY_MEMBER_IS_WORKER"


def _missing(id_name: str, en_name: str) -> BilingualText:
    return BilingualText(
        id=f"Dokumen wajib belum ada: {id_name}.",
        en=f"Required document is missing: {en_name}.",
    )


R = DocumentsReason
TEXTS: dict[str, BilingualText] = {
    R.NIK_NOT_SIXTEEN_DIGITS: BilingualText(
        id="NIK harus terdiri dari 16 angka.", en="A NIK must be exactly 16 digits."
    ),
    R.NIK_UNKNOWN_PROVINCE: BilingualText(
        id="Kode provinsi {province} pada NIK tidak dikenal.",
        en="Province code {province} in the NIK is unknown.",
    ),
    R.NIK_UNKNOWN_REGENCY: BilingualText(
        id="Kode kabupaten/kota {regency} pada NIK tidak dikenal.",
        en="Regency/city code {regency} in the NIK is unknown.",
    ),
    R.NIK_INVALID_DISTRICT: BilingualText(
        id="Kode kecamatan pada NIK tidak boleh 00.", en="The NIK's district code cannot be 00."
    ),
    R.NIK_INVALID_BIRTH_DATE: BilingualText(
        id="Tanggal lahir pada NIK bukan tanggal yang sah.",
        en="The birth date encoded in the NIK is not a real past date.",
    ),
    R.NIK_INVALID_SERIAL: BilingualText(
        id="Nomor urut pada NIK tidak boleh 0000.", en="The NIK's serial number cannot be 0000."
    ),
    R.NIK_BIRTH_DATE_MISMATCH: BilingualText(
        id="Tanggal lahir pada NIK ({nik_date}) berbeda dengan dokumen lain ({document_date}).",
        en="The NIK's birth date ({nik_date}) differs from the other documents ({document_date}).",
    ),
    R.NIK_SEX_MISMATCH: BilingualText(
        id="Jenis kelamin pada NIK berbeda dengan dokumen lain.",
        en="The sex encoded in the NIK differs from the other documents.",
    ),
    R.UNDER_MINIMUM_AGE: BilingualText(
        id="Usia pemohon {age} tahun; usia minimal untuk bekerja ke luar negeri {minimum} tahun "
        "(UU 18/2017 Pasal 5).",
        en="The applicant is {age}; the minimum age for working abroad is {minimum} "
        "(Law 18/2017 art. 5).",
    ),
    R.MISSING_KTP: _missing("KTP-el", "electronic identity card (KTP-el)"),
    R.MISSING_FAMILY_CARD: _missing("Kartu Keluarga", "family card (Kartu Keluarga)"),
    R.MISSING_BIRTH_CERTIFICATE_OR_DIPLOMA: _missing(
        "akta kelahiran atau ijazah", "birth certificate or diploma"
    ),
    R.MISSING_MARITAL_STATUS_STATEMENT: _missing(
        "surat keterangan status perkawinan", "marital status statement"
    ),
    R.MISSING_FAMILY_PERMISSION: _missing(
        "surat izin suami/istri, orang tua, atau wali yang diketahui kepala desa/lurah",
        "permission of spouse, parent or guardian acknowledged by the village head",
    ),
    R.MISSING_COMPETENCY_CERTIFICATE: _missing(
        "sertifikat kompetensi kerja", "competency certificate"
    ),
    R.MISSING_HEALTH_CERTIFICATE: _missing(
        "surat keterangan sehat (kesehatan dan psikologi)",
        "health and psychological fitness certificate",
    ),
    R.MISSING_PASSPORT: _missing("paspor", "passport"),
    R.MISSING_WORK_VISA: _missing("visa kerja", "work visa"),
    R.MISSING_PLACEMENT_AGREEMENT: _missing("perjanjian penempatan", "placement agreement"),
    R.MISSING_WORK_CONTRACT: _missing("perjanjian kerja", "work contract"),
    R.MISSING_BPJS_MEMBERSHIP: _missing(
        "kepesertaan BPJS Ketenagakerjaan", "BPJS Ketenagakerjaan membership"
    ),
    R.MEDICAL_CERTIFICATE_UNDATED: BilingualText(
        id="Tanggal terbit surat keterangan sehat tidak diketahui.",
        en="The issue date of the health certificate is unknown.",
    ),
    R.MEDICAL_CERTIFICATE_EXPIRED: BilingualText(
        id="Surat keterangan sehat terbit {issued_on} dan hanya berlaku sampai {last_valid_day} "
        "(3 bulan, Perpres 64/2011 Pasal 14).",
        en="The health certificate issued on {issued_on} was valid only until {last_valid_day} "
        "(3 months, Presidential Reg. 64/2011 art. 14).",
    ),
    R.MEDICAL_CERTIFICATE_DATED_IN_FUTURE: BilingualText(
        id="Tanggal terbit surat keterangan sehat ({issued_on}) belum tiba.",
        en="The health certificate's issue date ({issued_on}) is still to come.",
    ),
    R.RECRUITER_NOT_LICENSED: BilingualText(
        id="Perusahaan perekrut (izin {licence}) tidak terdaftar sebagai P3MI berizin (SIP3MI).",
        en="The recruiter (licence {licence}) is not a licensed placement company (SIP3MI).",
    ),
    R.RECRUITER_LICENCE_NOT_VALID: BilingualText(
        id="Izin SIP3MI {licence} tidak berlaku pada tanggal ini (kedaluwarsa atau dicabut).",
        en="SIP3MI licence {licence} is not valid on this date (expired or revoked).",
    ),
    R.DESTINATION_UNDER_MORATORIUM: BilingualText(
        id="Penempatan jabatan {job} ke negara {country} sedang dihentikan: {regulation}.",
        en="Placement as {job} in {country} is suspended: {regulation}.",
    ),
    R.FEES_ABOVE_OFFICIAL_COST: BilingualText(
        id="Biaya yang dibayar ({paid}) melebihi biaya penempatan resmi ({ceiling}): {regulation}.",
        en="Fees paid ({paid}) exceed the official placement cost ({ceiling}): {regulation}.",
    ),
    R.FLAG_UNDER_AGE: BilingualText(
        id="Indikasi TPPO: pemohon berusia {age} tahun (anak).",
        en="Trafficking indicator: the applicant is {age}, a child.",
    ),
    R.FLAG_SHARED_NIK: BilingualText(
        id="Indikasi TPPO: NIK yang sama dipakai {count} permohonan.",
        en="Trafficking indicator: the same NIK appears on {count} applications.",
    ),
    R.FLAG_SHARED_PASSPORT: BilingualText(
        id="Indikasi TPPO: nomor paspor yang sama dipakai {count} permohonan.",
        en="Trafficking indicator: the same passport number appears on {count} applications.",
    ),
    R.FLAG_SHARED_PHONE: BilingualText(
        id="Indikasi TPPO: nomor telepon yang sama dipakai {count} permohonan.",
        en="Trafficking indicator: the same phone number appears on {count} applications.",
    ),
    R.FLAG_SHARED_BANK_ACCOUNT: BilingualText(
        id="Indikasi TPPO: rekening bank yang sama dipakai {count} permohonan.",
        en="Trafficking indicator: the same bank account appears on {count} applications.",
    ),
    R.FLAG_SHARED_FEE_PAYEE: BilingualText(
        id="Indikasi pungutan liar: rekening pribadi penerima biaya yang sama dipakai "
        "{count} permohonan.",
        en="Possible illegal levy: the same personal account took fees on {count} applications.",
    ),
    R.FLAG_VISA_WITHOUT_WORK_CONTRACT: BilingualText(
        id="Indikasi TPPO: ada paspor dan visa kerja tetapi tidak ada perjanjian kerja.",
        en="Trafficking indicator: passport and work visa present but no work contract.",
    ),
    R.FLAG_FEES_TO_PERSONAL_ACCOUNT: BilingualText(
        id="Indikasi pungutan liar: {amount} dibayar ke rekening pribadi atau tunai.",
        en="Possible illegal levy: {amount} paid to a personal account or in cash.",
    ),
    R.FLAG_FEES_WITHOUT_COST_STRUCTURE: BilingualText(
        id="Biaya {paid} dibayar, tetapi tidak ada struktur biaya resmi untuk negara dan "
        "jabatan ini; perlu diperiksa petugas.",
        en="Fees of {paid} were paid but no official cost structure covers this country and "
        "job; an officer must check them.",
    ),
    R.AGENCY_CHECK_FAILED: BilingualText(
        id="Pemeriksaan oleh {agency} tidak lolos.",
        en="The check by {agency} did not pass.",
    ),
    R.AGENCY_DOCUMENT_EXPIRED: BilingualText(
        id="Dokumen yang dikonfirmasi {agency} hanya berlaku sampai {last_valid_day}; "
        "diperlukan dokumen baru.",
        en="The document confirmed by {agency} was valid only until {last_valid_day}; "
        "a new one is needed.",
    ),
    R.SLA_BREACHED: BilingualText(
        id="Batas waktu layanan {step} terlampaui.",
        en="The service-level deadline for {step} has passed.",
    ),
    # Told to the applicant, who may be under a trafficker's control: it names no flag and
    # no referral, only that a person at the office will explain.
    R.REVIEW_CONFIRMED_RED_FLAGS: BilingualText(
        id="Permohonan Anda tidak dapat diproses. Silakan datang langsung ke kantor layanan "
        "terpadu (LTSA) dengan membawa KTP untuk penjelasan dari petugas.",
        en="Your application cannot be processed. Please come in person to the one-roof "
        "service office (LTSA) with your identity card, where an officer will explain.",
    ),
    R.WORKER_REFERENCE_UNKNOWN: BilingualText(
        id="Tidak ada permohonan penempatan dengan kode pelacakan dan tanggal lahir PMI "
        "tersebut. Periksa kode dari pesan pertama yang diterima PMI dan tanggal lahirnya.",
        en="No placement application has that tracking code and the worker's birth date. "
        "Check the code in the worker's first message, and their birth date.",
    ),
    R.WORKER_NOT_PLACED: BilingualText(
        id="Dokumen penempatan PMI tersebut belum diverifikasi: pinjaman keluarga dapat "
        "diajukan setelah PMI dinyatakan siap berangkat.",
        en="The worker's placement documents are not verified yet: a family loan can be "
        "applied for once the worker is cleared to go abroad.",
    ),
    R.FAMILY_MEMBER_IS_WORKER: BilingualText(
        id="Pemohon pinjaman keluarga tidak dapat menyebut dirinya sendiri sebagai PMI.",
        en="A family member's loan cannot name the applicant themself as the worker.",
    ),
}

CATALOGUE = ReasonCatalogue(TEXTS)


def reason(code: DocumentsReason, **params: object) -> Reason:
    return CATALOGUE.reason(code, **params)


def missing_document_reason(kind: DocumentKind) -> Reason:
    return reason(DocumentsReason[f"MISSING_{kind.name}"])
