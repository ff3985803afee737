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
    INSURER_HOLDS_NOTHING = "INSURER_HOLDS_NOTHING"
    INSURER_CHECK_FAILED = "INSURER_CHECK_FAILED"
    RETURN_COST_AMOUNT_DIFFERS = "RETURN_COST_AMOUNT_DIFFERS"
    # What the worker does for a dormant claim (DormantClaimReferred.instructions).
    DORMANT_APPLY_THROUGH_EPS_CENTER = "DORMANT_APPLY_THROUGH_EPS_CENTER"
    DORMANT_BRING_PASSPORT = "DORMANT_BRING_PASSPORT"
    DORMANT_BRING_OWN_BANK_ACCOUNT = "DORMANT_BRING_OWN_BANK_ACCOUNT"
    DORMANT_STATE_EPS_INSURANCE = "DORMANT_STATE_EPS_INSURANCE"
    DORMANT_CLAIMABLE_FROM = "DORMANT_CLAIMABLE_FROM"


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
    R.INSURER_HOLDS_NOTHING: BilingualText(
        id="Perusahaan asuransi menyatakan tidak ada dana yang disimpan untuk klaim ini.",
        en="The insurer confirms it holds no money for this claim.",
    ),
    R.INSURER_CHECK_FAILED: BilingualText(
        id="Perusahaan asuransi tidak dapat mengonfirmasi klaim ini.",
        en="The insurer could not confirm this claim.",
    ),
    R.RETURN_COST_AMOUNT_DIFFERS: BilingualText(
        id="Perusahaan asuransi menyebut {insurer} KRW, tabel EPS {table} KRW; yang diminta "
        "{requested} KRW (yang lebih kecil). Petugas memeriksa selisihnya.",
        en="The insurer states {insurer} KRW, the EPS table {table} KRW; {requested} KRW (the "
        "lower) is requested. An officer checks the difference.",
    ),
    # The dormant-insurance route. Sources: the EPS guide (eps.go.kr); HRD Korea's EPS
    # Centers on applying after 3 years from departure and the papers to send (news.lk,
    # 2 Feb 2019, Sri Lanka EPS Center; Pakistan EPS Center guidance, 6 Sep 2024).
    R.DORMANT_APPLY_THROUGH_EPS_CENTER: BilingualText(
        id="Ajukan klaim asuransi tidur kepada HRD Korea melalui EPS Center HRD Korea di "
        "Jakarta (formulir permohonan klaim asuransi tersedia di sana); BP3MI dapat membantu.",
        en="Apply for the dormant insurance to HRD Korea through HRD Korea's EPS Center in "
        "Jakarta (it gives out the insurance application form); BP3MI can help.",
    ),
    R.DORMANT_BRING_PASSPORT: BilingualText(
        id="Bawa paspor Anda: fotokopi halaman identitas dan halaman cap keberangkatan dari Korea.",
        en="Bring your passport: a copy of the identity page and of the page with the Korean "
        "departure stamp.",
    ),
    R.DORMANT_BRING_OWN_BANK_ACCOUNT: BilingualText(
        id="Bawa fotokopi buku tabungan atas nama Anda sendiri (nama bank, cabang, nomor dan "
        "nama rekening, kode SWIFT/BIC); nama rekening harus sama dengan nama di paspor.",
        en="Bring a copy of the bank book of an account in your own name (bank, branch, "
        "account number and name, SWIFT/BIC code); the account name must match the passport.",
    ),
    R.DORMANT_STATE_EPS_INSURANCE: BilingualText(
        id="Sebutkan asuransi EPS Anda: jenis {claim_type}, keluar dari Korea pada "
        "{departure}, dana yang disimpan {amount} KRW.",
        en="State your EPS insurance: type {claim_type}, left Korea on {departure}, money "
        "held {amount} KRW.",
    ),
    R.DORMANT_CLAIMABLE_FROM: BilingualText(
        id="Klaim ke HRD Korea dapat diajukan mulai {from_day} (masa klaim berakhir {last_day})"
        ", selama dana masih disimpan sebagai asuransi tidur.",
        en="The claim with HRD Korea can be made from {from_day} (the claim period ended on "
        "{last_day}) while the money is held as dormant insurance.",
    ),
}

CATALOGUE = ReasonCatalogue(TEXTS)


def reason(code: InsuranceReason, **params: object) -> Reason:
    return CATALOGUE.reason(code, **params)
