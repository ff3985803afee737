"""The dashboard's words, in Bahasa Indonesia (the default) and English (`?lang=en`)."""

from __future__ import annotations

from sentra_notifications.domain.notice import Lang

PARTIES: dict[str, tuple[str, str]] = {
    "dukcapil": ("Dukcapil (identitas)", "Dukcapil (identity)"),
    "disnaker": ("Disnaker (ketenagakerjaan)", "Disnaker (manpower office)"),
    "health_facility": ("Fasilitas kesehatan", "Health facility"),
    "polri": ("Polri (SKCK)", "Polri (police clearance)"),
    "imigrasi": ("Imigrasi (paspor)", "Imigrasi (passport)"),
    "bp3mi": ("BP3MI (penempatan)", "BP3MI (placement)"),
    "bpjs_ketenagakerjaan": ("BPJS Ketenagakerjaan", "BPJS Ketenagakerjaan"),
    "bank": ("Bank penyalur KUR", "KUR partner bank"),
    "insurer": ("Asuransi (EPS Korea)", "Insurer (EPS Korea)"),
    "officer": ("Petugas (pemeriksaan tanda bahaya)", "Officers (red-flag review)"),
    "trade_office": ("Disperindag (perdagangan)", "Disperindag (trade office)"),
    "placement_desk": ("Konsultasi penempatan", "Placement desk (consultations)"),
    "credit_desk": ("Konsultasi kredit", "Credit desk (consultations)"),
    "refund_desk": ("Konsultasi klaim asuransi", "Refund desk (consultations)"),
    "product_desk": ("Konsultasi produk", "Product desk (consultations)"),
}

KINDS: dict[str, tuple[str, str]] = {
    "placement": ("Penempatan", "Placement"),
    "kur_loan": ("KUR", "KUR loan"),
    "insurance_refund": ("Klaim asuransi", "Insurance refund"),
}

OUTCOMES: dict[str, tuple[str, str]] = {
    "approved": ("disetujui", "approved"),
    "rejected": ("ditolak", "rejected"),
    "referred": ("dirujuk ke HRD Korea", "referred to HRD Korea"),
    "in_progress": ("dalam proses", "in progress"),
}

TEXT: dict[str, tuple[str, str]] = {
    "title": ("Dasbor Transparansi Layanan Terpadu PMI", "One-Roof PMI Service Transparency"),
    "intro": (
        "Angka publik tanpa data pribadi. Jumlah di bawah 5 ditampilkan sebagai \u201c<5\u201d;"
        " total yang dapat membuka angka tersebut juga disembunyikan (\u201c\u2013\u201d).",
        "Public figures without personal data. Counts below 5 are shown as \u201c<5\u201d;"
        " totals that would reveal them are hidden too (\u201c\u2013\u201d).",
    ),
    "generated": ("Per", "As of"),
    "parties": ("Kecepatan jawaban per instansi", "Answer times per agency"),
    "party": ("Instansi", "Agency"),
    "answered": ("Dijawab", "Answered"),
    "on_time": ("Tepat waktu", "On time"),
    "median_hours": ("Median (jam)", "Median (hours)"),
    "p90_hours": ("P90 (jam)", "P90 (hours)"),
    "overdue_now": ("Terlambat saat ini", "Overdue now"),
    "chart_on_time": ("Jawaban tepat waktu (%)", "Answers within the agreed time (%)"),
    "chart_hours": ("Median waktu jawaban (jam)", "Median answer time (hours)"),
    "regencies": ("Permohonan per kabupaten", "Applications per regency"),
    "regency": ("Kabupaten/kota", "Regency/city"),
    "total": ("Jumlah", "Total"),
    "all_regencies": ("Semua kabupaten/kota", "All regencies"),
    "median_days": ("Median hari kerja sampai keputusan", "Median working days to a decision"),
    "sending": ("kabupaten pengirim", "sending regency"),
    "flags": ("Tanda bahaya TPPO", "Trafficking (TPPO) red flags"),
    "flags_raised": ("Ditandai untuk diperiksa petugas", "Raised for an officer's review"),
    "flags_confirmed": ("Dikonfirmasi petugas", "Confirmed by an officer"),
    "downloads": ("Unduh data", "Download the data"),
    "notes": (
        "Waktu jawaban dihitung dalam jam sejak permintaan sampai jawaban; hari kerja"
        " mengikuti kalender libur nasional dan cuti bersama (WIB). Permintaan yang ditarik"
        " karena permohonan sudah diputus tidak dihitung sebagai jawaban.",
        "Answer times are hours from the request to the answer; working days follow the"
        " national holiday and joint-leave calendar (WIB). Requests withdrawn because the"
        " application was decided first are not counted as answers.",
    ),
    "switch": ("English", "Bahasa Indonesia"),
}


def word(table: dict[str, tuple[str, str]], key: str, lang: Lang) -> str:
    pair = table.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "id" else pair[1]
