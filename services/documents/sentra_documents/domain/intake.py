"""Intake verification: is the submitted file consistent enough to go on?

Pure: the submission date is an argument, never read from a clock. The full placement
assessment (document set, moratorium, licences, TPPO flags) is `placement.assess_placement`;
intake checks what every kind of application needs: a valid NIK that agrees with the
applicant's stated birth date and sex, and an adult applicant.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from sentra_shared.reasons import Reason

from sentra_documents.domain.nik import InvalidNik, Sex, cross_check_identity, parse_nik
from sentra_documents.domain.placement import MINIMUM_AGE, age_on
from sentra_documents.domain.reasons import DocumentsReason, reason


@dataclass(frozen=True)
class IntakeResult:
    reasons: tuple[Reason, ...]

    @property
    def verified(self) -> bool:
        return not self.reasons


def verify_intake(nik: str, birth_date: date, sex: str, submitted_on: date) -> IntakeResult:
    try:
        parsed = parse_nik(nik, reference_date=submitted_on)
    except InvalidNik as invalid:
        return IntakeResult(invalid.reasons)
    problems = list(
        cross_check_identity(parsed, birth_date_on_documents=birth_date, sex_on_documents=Sex(sex))
    )
    age = age_on(birth_date, submitted_on)
    if age < MINIMUM_AGE:
        problems.append(reason(DocumentsReason.UNDER_MINIMUM_AGE, age=age, minimum=MINIMUM_AGE))
    return IntakeResult(tuple(problems))


def worker_ref(nik: str, key: bytes) -> str:
    """A keyed pseudonym of the worker: stable across applications, useless without the key.

    Other services recognise the same worker by it (e.g. one paid refund per claim type)
    and never see the NIK.
    """
    return hmac.new(key, nik.encode(), hashlib.sha256).hexdigest()[:32]
