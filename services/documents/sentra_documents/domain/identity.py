"""Who the applicant is: the one rule, for every kind of application, on the NIK and age.

A NIK that cannot be a NIK is an error the applicant can correct: the application is
rejected. A valid NIK disagreeing with the stated birth date or sex, or an applicant
under the minimum age, is a trafficking signal (forged papers, a child sent abroad): it
goes to an officer, never to an automatic rejection a trafficker could simply retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sentra_shared.reasons import Reason

from .nik import InvalidNik, Sex, cross_check_identity, parse_nik
from .reasons import DocumentsReason, reason

MINIMUM_AGE = 18  # UU 18/2017 art. 5 letter a: "berusia minimal 18 (delapan belas) tahun"


@dataclass(frozen=True)
class IdentityFindings:
    reasons: tuple[Reason, ...]  # the applicant does not meet the rule
    flags: tuple[Reason, ...]  # a person must look at the case


def identity_findings(nik: str, birth_date: date, sex: Sex, on: date) -> IdentityFindings:
    reasons: list[Reason] = []
    flags: list[Reason] = []
    try:
        parsed = parse_nik(nik, reference_date=on)
        flags += cross_check_identity(
            parsed, birth_date_on_documents=birth_date, sex_on_documents=sex
        )
    except InvalidNik as invalid:
        reasons += invalid.reasons
    # The documents' birth date decides the age; a NIK disagreeing with it is flagged above.
    age = age_on(birth_date, on)
    if age < MINIMUM_AGE:
        reasons.append(reason(DocumentsReason.UNDER_MINIMUM_AGE, age=age, minimum=MINIMUM_AGE))
        flags.append(reason(DocumentsReason.FLAG_UNDER_AGE, age=age))
    return IdentityFindings(tuple(reasons), tuple(flags))


def age_on(birth_date: date, on: date) -> int:
    """Completed years; someone born on 29 February turns a year older on 1 March."""
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(before_birthday)
