"""Administrative region codes: the first digits of a NIK, and where an application comes
from (documents checks NIKs against them; the public figures name regencies by them).

Source for every code below: Kemendagri region codes (Permendagri 72/2019, updated by
Kepmendagri 100.1.1-6117/2022 and Kepmendagri 300.2.2-2138/2025); the 35 Central Java
codes were cross-checked against a public copy of that list.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

CENTRAL_JAVA = "33"

# The 38 province codes. Papua's four 2022 provinces (93-96) are included, but NIKs
# issued before the split keep 91/92, so both remain valid.
PROVINCES: Mapping[str, str] = MappingProxyType(
    {
        "11": "Aceh",
        "12": "Sumatera Utara",
        "13": "Sumatera Barat",
        "14": "Riau",
        "15": "Jambi",
        "16": "Sumatera Selatan",
        "17": "Bengkulu",
        "18": "Lampung",
        "19": "Kepulauan Bangka Belitung",
        "21": "Kepulauan Riau",
        "31": "DKI Jakarta",
        "32": "Jawa Barat",
        "33": "Jawa Tengah",
        "34": "DI Yogyakarta",
        "35": "Jawa Timur",
        "36": "Banten",
        "51": "Bali",
        "52": "Nusa Tenggara Barat",
        "53": "Nusa Tenggara Timur",
        "61": "Kalimantan Barat",
        "62": "Kalimantan Tengah",
        "63": "Kalimantan Selatan",
        "64": "Kalimantan Timur",
        "65": "Kalimantan Utara",
        "71": "Sulawesi Utara",
        "72": "Sulawesi Tengah",
        "73": "Sulawesi Selatan",
        "74": "Sulawesi Tenggara",
        "75": "Gorontalo",
        "76": "Sulawesi Barat",
        "81": "Maluku",
        "82": "Maluku Utara",
        "91": "Papua",
        "92": "Papua Barat",
        "93": "Papua Selatan",
        "94": "Papua Tengah",
        "95": "Papua Pegunungan",
        "96": "Papua Barat Daya",
    }
)

# All 35 regencies (kabupaten, 01-29) and cities (kota, 71-76) of Central Java.
CENTRAL_JAVA_REGENCIES: Mapping[str, str] = MappingProxyType(
    {
        "3301": "Kabupaten Cilacap",
        "3302": "Kabupaten Banyumas",
        "3303": "Kabupaten Purbalingga",
        "3304": "Kabupaten Banjarnegara",
        "3305": "Kabupaten Kebumen",
        "3306": "Kabupaten Purworejo",
        "3307": "Kabupaten Wonosobo",
        "3308": "Kabupaten Magelang",
        "3309": "Kabupaten Boyolali",
        "3310": "Kabupaten Klaten",
        "3311": "Kabupaten Sukoharjo",
        "3312": "Kabupaten Wonogiri",
        "3313": "Kabupaten Karanganyar",
        "3314": "Kabupaten Sragen",
        "3315": "Kabupaten Grobogan",
        "3316": "Kabupaten Blora",
        "3317": "Kabupaten Rembang",
        "3318": "Kabupaten Pati",
        "3319": "Kabupaten Kudus",
        "3320": "Kabupaten Jepara",
        "3321": "Kabupaten Demak",
        "3322": "Kabupaten Semarang",
        "3323": "Kabupaten Temanggung",
        "3324": "Kabupaten Kendal",
        "3325": "Kabupaten Batang",
        "3326": "Kabupaten Pekalongan",
        "3327": "Kabupaten Pemalang",
        "3328": "Kabupaten Tegal",
        "3329": "Kabupaten Brebes",
        "3371": "Kota Magelang",
        "3372": "Kota Surakarta",
        "3373": "Kota Salatiga",
        "3374": "Kota Semarang",
        "3375": "Kota Pekalongan",
        "3376": "Kota Tegal",
    }
)

# The nine sending regencies that signed the December 2016 joint commitment, in its order.
SENDING_REGENCIES: tuple[str, ...] = (
    "3314",  # Sragen
    "3301",  # Cilacap
    "3302",  # Banyumas
    "3307",  # Wonosobo
    "3329",  # Brebes
    "3327",  # Pemalang
    "3324",  # Kendal
    "3318",  # Pati
    "3315",  # Grobogan
)
PROGRAM_SENDING_REGENCIES: frozenset[str] = frozenset(SENDING_REGENCIES)


def province_name(province_code: str) -> str | None:
    return PROVINCES.get(province_code)


def regency_name(regency_code: str) -> str | None:
    """Name of a four-digit regency/city code; only Central Java is known in full."""
    return CENTRAL_JAVA_REGENCIES.get(regency_code)


def is_program_sending_regency(regency_code: str) -> bool:
    return regency_code in PROGRAM_SENDING_REGENCIES
