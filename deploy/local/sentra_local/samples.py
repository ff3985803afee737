"""Realistic sample applications for the demo: several kinds, the nine sending regencies.

Deterministic for a given seed. Some applications are meant to be turned down (an NIK
that disagrees with the birth date, a loan above the ceiling, a payee who is not the
passport holder), so the demo shows every path, not only the happy one.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

# The nine sending regencies of the Central Java program (BPS / Kemendagri codes).
SENDING_REGENCIES = {
    "3314": "Sragen",
    "3301": "Cilacap",
    "3302": "Banyumas",
    "3307": "Wonosobo",
    "3329": "Brebes",
    "3327": "Pemalang",
    "3324": "Kendal",
    "3318": "Pati",
    "3315": "Grobogan",
}

_FIRST = ["Siti", "Sri", "Dewi", "Nur", "Budi", "Agus", "Slamet", "Tri", "Eko", "Wahyu", "Rina"]
_LAST = ["Rahayu", "Lestari", "Wulandari", "Santoso", "Prasetyo", "Hidayat", "Susanti", "Utomo"]
_DESTINATIONS = [("KR", "factory operator"), ("TW", "caregiver"), ("JP", "welder"),
                 ("HK", "domestic worker"), ("MY", "plantation worker")]  # fmt: skip


def nik_for(regency: str, born: date, sex: str, serial: int) -> str:
    day = born.day + (40 if sex == "F" else 0)
    return f"{regency}01{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def _applicant(rng: random.Random, regency: str, today: date, serial: int) -> dict[str, Any]:
    sex = rng.choice(["F", "M"])
    born = today - timedelta(days=rng.randint(20 * 365, 40 * 365))
    return {
        "full_name": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
        "nik": nik_for(regency, born, sex, serial),
        "date_of_birth": born.isoformat(),
        "sex": sex,
        "phone": f"+628{rng.randint(10**9, 10**10 - 1)}",
    }


def sample_applications(count: int, today: date, seed: int = 2016) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    regencies = list(SENDING_REGENCIES)
    applications: list[dict[str, Any]] = []
    for i in range(count):
        regency = regencies[i % len(regencies)]
        applicant = _applicant(rng, regency, today, serial=i + 1)
        kind = ("placement", "kur_loan", "insurance_refund")[i % 3]
        form: dict[str, Any] = {"kind": kind, "applicant": applicant}
        if kind == "placement":
            country, job = rng.choice(_DESTINATIONS)
            form["placement"] = {"destination_country": country, "job": job}
        elif kind == "kur_loan":
            form["credit"] = {
                "product": rng.choice(["placement", "micro"]),
                # Every fourth loan asks for more than the Rp 100 million ceiling.
                "amount_idr": 150_000_000 if i % 4 == 1 else rng.randrange(5, 100) * 1_000_000,
                "tenor_months": rng.choice([12, 24, 36]),
                "contract_months": 36,
                "has_npwp": rng.random() < 0.5,
            }
        else:
            name = applicant["full_name"].upper()
            departure = today - timedelta(days=rng.randint(30, 1500))
            started = departure - timedelta(days=rng.randint(200, 1700))
            form["refund"] = {
                "claim_type": rng.choice(["return_cost", "departure_guarantee"]),
                # Some departures are over 3 years ago: that money goes dormant (HRD Korea).
                "departure_date": departure.isoformat(),
                "employment_start": started.isoformat(),
                "employment_end": (departure - timedelta(days=3)).isoformat(),
                "assessed_amount_krw": rng.randrange(20, 120) * 100_000,
                "passport_name": name,
                # Every fifth claim names someone else as the payee.
                "payee_account_name": "ANOTHER PERSON" if i % 5 == 2 else name,
                "swift_bic": rng.choice(["BRINIDJA", "BNINIDJA", "BMRIIDJA"]),
            }
        if i % 7 == 3:
            # An NIK whose birth date disagrees with the stated one: turned down at intake.
            applicant["nik"] = applicant["nik"][:6] + "010180" + applicant["nik"][12:]
        applications.append(form)
    return applications
