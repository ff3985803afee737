"""Intake verification of a submitted application: is the file consistent enough to go on?

Pure: the submission date is an argument, never read from a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sentra_shared.events import Reason

from sentra_documents.forms import ApplicationForm

MINIMUM_PLACEMENT_AGE = 18  # UU 18/2017 art. 5 huruf a: at least 18 years old

NIK_BIRTH_DATE_MISMATCH = Reason(
    code="identity.nik_birth_date_mismatch",
    text_id="Tanggal lahir atau jenis kelamin pada NIK tidak sesuai dengan data pemohon.",
    text_en="The birth date or sex encoded in the NIK does not match the applicant's data.",
)
UNDER_AGE = Reason(
    code="placement.under_age",
    text_id="Pemohon belum berusia 18 tahun.",
    text_en="The applicant is not yet 18 years old.",
)


@dataclass(frozen=True)
class IntakeResult:
    reasons: tuple[Reason, ...]

    @property
    def verified(self) -> bool:
        return not self.reasons


def age_on(born: date, day: date) -> int:
    had_birthday = (day.month, day.day) >= (born.month, born.day)
    return day.year - born.year - (0 if had_birthday else 1)


def nik_matches(nik: str, born: date, sex: str) -> bool:
    """NIK digits 7-12 are DDMMYY of birth, with 40 added to the day for women."""
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    expected_day = born.day + (40 if sex == "F" else 0)
    return (day, month, year) == (expected_day, born.month, born.year % 100)


def verify_intake(form: ApplicationForm, submitted_on: date) -> IntakeResult:
    applicant = form.applicant
    reasons: list[Reason] = []
    if not nik_matches(applicant.nik, applicant.date_of_birth, applicant.sex):
        reasons.append(NIK_BIRTH_DATE_MISMATCH)
    if age_on(applicant.date_of_birth, submitted_on) < MINIMUM_PLACEMENT_AGE:
        reasons.append(UNDER_AGE)
    return IntakeResult(tuple(reasons))
