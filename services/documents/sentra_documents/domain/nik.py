"""The 16-digit NIK (Nomor Induk Kependudukan): parse, validate, format, cross-check.

Layout (Dukcapil): province(2) regency(2) district(2) DDMMYY(6) serial(4), where a
woman's day of birth is stored plus 40. The two-digit year is resolved against a
reference date passed in by the caller, never against the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sentra_shared.reasons import Reason
from sentra_shared.regions import CENTRAL_JAVA, CENTRAL_JAVA_REGENCIES, PROVINCES

from .reasons import DocumentsReason, reason

NIK_LENGTH = 16
FEMALE_DAY_OFFSET = 40  # Dukcapil: women's day of birth is written as day + 40


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"


@dataclass(frozen=True)
class Nik:
    province: str
    regency: str
    district: str
    birth_date: date
    sex: Sex
    serial: str

    @property
    def regency_code(self) -> str:
        """The four-digit code (province + regency) used in the region tables."""
        return self.province + self.regency

    def format(self) -> str:
        day = self.birth_date.day + (FEMALE_DAY_OFFSET if self.sex is Sex.FEMALE else 0)
        birth = f"{day:02d}{self.birth_date.month:02d}{self.birth_date.year % 100:02d}"
        return f"{self.province}{self.regency}{self.district}{birth}{self.serial}"


class InvalidNik(ValueError):
    def __init__(self, reasons: tuple[Reason, ...]) -> None:
        super().__init__(", ".join(r.code for r in reasons))
        self.reasons = reasons


def parse_nik(raw: str, *, reference_date: date) -> Nik:
    """Parse a NIK or raise `InvalidNik` listing every problem found."""
    nik, problems = _parse(raw.strip(), reference_date)
    if nik is None:
        raise InvalidNik(problems)
    return nik


def resolve_birth_year(two_digit_year: int, month: int, day: int, reference_date: date) -> int:
    """The most recent year ending in `two_digit_year` whose date is not after the reference.

    Raises ValueError when no such real date exists (e.g. 29 February in 1900).
    """
    for century in (2000, 1900):
        candidate_year = century + two_digit_year
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate <= reference_date:
            return candidate_year
    raise ValueError("no past date matches this day, month and two-digit year")


def cross_check_identity(
    nik: Nik, *, birth_date_on_documents: date, sex_on_documents: Sex
) -> tuple[Reason, ...]:
    """Disagreements between the NIK and the birth date/sex on the other documents."""
    problems: list[Reason] = []
    if nik.birth_date != birth_date_on_documents:
        problems.append(
            reason(
                DocumentsReason.NIK_BIRTH_DATE_MISMATCH,
                nik_date=nik.birth_date.isoformat(),
                document_date=birth_date_on_documents.isoformat(),
            )
        )
    if nik.sex is not sex_on_documents:
        problems.append(reason(DocumentsReason.NIK_SEX_MISMATCH))
    return tuple(problems)


def _parse(raw: str, reference_date: date) -> tuple[Nik | None, tuple[Reason, ...]]:
    if len(raw) != NIK_LENGTH or not raw.isascii() or not raw.isdigit():
        return None, (reason(DocumentsReason.NIK_NOT_SIXTEEN_DIGITS),)
    province, regency, district = raw[0:2], raw[2:4], raw[4:6]
    day_field, month, two_digit_year, serial = (
        int(raw[6:8]),
        int(raw[8:10]),
        int(raw[10:12]),
        raw[12:16],
    )
    problems: list[Reason] = []
    if province not in PROVINCES:
        problems.append(reason(DocumentsReason.NIK_UNKNOWN_PROVINCE, province=province))
    if regency == "00" or (
        province == CENTRAL_JAVA and province + regency not in CENTRAL_JAVA_REGENCIES
    ):
        problems.append(reason(DocumentsReason.NIK_UNKNOWN_REGENCY, regency=province + regency))
    if district == "00":
        problems.append(reason(DocumentsReason.NIK_INVALID_DISTRICT))
    if serial == "0000":
        problems.append(reason(DocumentsReason.NIK_INVALID_SERIAL))
    sex = Sex.FEMALE if day_field > FEMALE_DAY_OFFSET else Sex.MALE
    day = day_field - FEMALE_DAY_OFFSET if sex is Sex.FEMALE else day_field
    birth_date: date | None = None
    try:
        birth_date = date(
            resolve_birth_year(two_digit_year, month, day, reference_date), month, day
        )
    except ValueError:
        problems.append(reason(DocumentsReason.NIK_INVALID_BIRTH_DATE))
    if problems or birth_date is None:
        return None, tuple(problems)
    return Nik(province, regency, district, birth_date, sex, serial), ()
