"""Names of the regencies the dashboard lists: the nine sending regencies of the Central
Java program first, in the order of the December 2016 joint commitment, then any other.

Services share no code, so notifications keeps its own copy of the Central Java names of
the Kemendagri region codes (Permendagri 72/2019 as updated in 2022 and 2025; the same
source as documents' region table). Codes outside Central Java are shown as codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

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

CENTRAL_JAVA: Mapping[str, str] = MappingProxyType(
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


def regency_name(code: str) -> str | None:
    return CENTRAL_JAVA.get(code)


def listed_order(codes: set[str]) -> list[str]:
    """The nine sending regencies (always, even without applications), then the others
    that have applications, by code."""
    return [*SENDING_REGENCIES, *sorted(codes - set(SENDING_REGENCIES))]
