"""Reason codes of the insurance domain and their texts in Bahasa Indonesia and English."""

from __future__ import annotations

from enum import StrEnum

from sentra_shared.reasons import BilingualText, Reason, ReasonCatalogue


class InsuranceReason(StrEnum):
    ALREADY_PAID = "ALREADY_PAID"
    ACCOUNT_NAME_MISMATCH = "ACCOUNT_NAME_MISMATCH"
    INVALID_SWIFT_BIC = "INVALID_SWIFT_BIC"
    SERVICE_UNDER_ONE_YEAR = "SERVICE_UNDER_ONE_YEAR"
    EMPLOYMENT_DATES_MISSING = "EMPLOYMENT_DATES_MISSING"
    LEFT_WORKPLACE_WITHOUT_PERMISSION = "LEFT_WORKPLACE_WITHOUT_PERMISSION"
    AMOUNT_REQUIRED = "AMOUNT_REQUIRED"
    NO_RETURN_COST_RATE = "NO_RETURN_COST_RATE"
    CLAIM_TIME_BARRED = "CLAIM_TIME_BARRED"
    DORMANT_WITH_HRD_KOREA = "DORMANT_WITH_HRD_KOREA"
    AMOUNT_CAPPED = "AMOUNT_CAPPED"
    DEPARTURE_IN_FUTURE = "DEPARTURE_IN_FUTURE"


R = InsuranceReason
TEXTS: dict[str, BilingualText] = {
    R.ALREADY_PAID: BilingualText(
        id="Klaim {claim_type} untuk pekerja ini sudah pernah dibayar.",
        en="A {claim_type} claim has already been paid to this worker.",
    ),
    R.ACCOUNT_NAME_MISMATCH: BilingualText(
        id="Nama pemilik rekening tidak sama dengan nama di paspor.",
        en="The account holder's name does not match the passport name.",
    ),
    R.INVALID_SWIFT_BIC: BilingualText(
        id="Kode SWIFT/BIC {bic} tidak sah (harus 8 atau 11 karakter: bank, negara, lokasi, "
        "cabang).",
        en="SWIFT/BIC code {bic} is invalid (8 or 11 characters: bank, country, location, branch).",
    ),
    R.SERVICE_UNDER_ONE_YEAR: BilingualText(
        id="Asuransi jaminan kepulangan hanya dibayar setelah bekerja minimal 1 tahun pada "
        "pemberi kerja yang sama.",
        en="Departure guarantee is paid only after at least 1 year with the same employer.",
    ),
    R.EMPLOYMENT_DATES_MISSING: BilingualText(
        id="Tanggal mulai dan akhir kerja pada pemberi kerja terakhir belum diisi.",
        en="Start and end dates with the last employer are missing.",
    ),
    R.LEFT_WORKPLACE_WITHOUT_PERMISSION: BilingualText(
        id="Pekerja meninggalkan tempat kerja tanpa izin; jaminan kepulangan tidak dibayar "
        "kepadanya.",
        en="The worker left the workplace without permission; departure guarantee is not "
        "paid to them.",
    ),
    R.AMOUNT_REQUIRED: BilingualText(
        id="Jumlah klaim (KRW) dari perusahaan asuransi belum ada.",
        en="The claim amount in KRW assessed by the insurer is missing.",
    ),
    R.NO_RETURN_COST_RATE: BilingualText(
        id="Tidak ada besaran asuransi biaya kepulangan untuk negara {country}.",
        en="No return cost insurance amount is known for country {country}.",
    ),
    R.CLAIM_TIME_BARRED: BilingualText(
        id="Klaim kedaluwarsa: batas waktu {last_day} telah lewat.",
        en="The claim is time-barred: the last day was {last_day}.",
    ),
    R.DORMANT_WITH_HRD_KOREA: BilingualText(
        id="Lebih dari batas waktu klaim (terakhir {last_day}); dana menjadi asuransi tidur "
        "dan diklaim melalui HRD Korea.",
        en="Past the claim deadline ({last_day}); the money is dormant insurance and is "
        "claimed through HRD Korea.",
    ),
    R.AMOUNT_CAPPED: BilingualText(
        id="Jumlah klaim dibatasi sampai {cap} KRW.", en="The claim is capped at {cap} KRW."
    ),
    R.DEPARTURE_IN_FUTURE: BilingualText(
        id="Tanggal kepulangan {departure} belum terjadi.",
        en="The departure date {departure} is in the future.",
    ),
}

CATALOGUE = ReasonCatalogue(TEXTS)


def reason(code: InsuranceReason, **params: object) -> Reason:
    return CATALOGUE.reason(code, **params)
