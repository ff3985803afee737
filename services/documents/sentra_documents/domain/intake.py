"""Intake verification for every kind of application: is the file consistent enough to go on?

Pure: the submission date is an argument, never read from a clock. The identity rule is
`identity.identity_findings` (the placement assessment uses the same one); a placement
also gets the full `placement.assess_placement`.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, timedelta

from sentra_shared.reasons import Reason

from .identity import age_on, identity_findings
from .nik import Sex
from .placement import PlacementOutcome, decide_outcome
from .reasons import DocumentsReason, reason


@dataclass(frozen=True)
class IntakeResult:
    reasons: tuple[Reason, ...]
    flags: tuple[Reason, ...] = ()

    @property
    def outcome(self) -> PlacementOutcome:
        return decide_outcome(self.reasons, self.flags)


def verify_intake(nik: str, birth_date: date, sex: str, submitted_on: date) -> IntakeResult:
    findings = identity_findings(nik, birth_date, Sex(sex), submitted_on)
    return IntakeResult(findings.reasons, findings.flags)


# What a form's dates may be, before any business rule looks at them. The bounds keep
# every later date computation (validity periods, claim windows, working-day deadlines)
# far from the calendar's end, so no rule can overflow on year 9999.
YOUNGEST_APPLICANT_AGE = 15  # under 18 still applies: that is a red flag for an officer
OLDEST_APPLICANT_AGE = 100
YEARS_BACK = 100  # no event of a working life lies further back
DAYS_AHEAD = 366  # a departure may be planned up to a year ahead


def date_problem(value: date, today: date) -> str | None:
    """Any date on a form (but a birth date): from 1 January a hundred years back to a
    year ahead."""
    if value < date(today.year - YEARS_BACK, 1, 1):
        return f"a date from 1 January {today.year - YEARS_BACK} on"
    if value > today + timedelta(days=DAYS_AHEAD):
        return f"a date at most {DAYS_AHEAD} days ahead"
    return None


def birth_date_problem(born: date, today: date) -> str | None:
    if born >= today:
        return "a birth date in the past"
    age = age_on(born, today)
    if not YOUNGEST_APPLICANT_AGE <= age <= OLDEST_APPLICANT_AGE:
        return (
            f"a birth date giving an age of {YOUNGEST_APPLICANT_AGE} to "
            f"{OLDEST_APPLICANT_AGE} years"
        )
    return None


def issue_date_problem(issued: date, today: date) -> str | None:
    """A certificate cannot be dated after the day it is shown."""
    if issued > today:
        return "an issue date not after today"
    return date_problem(issued, today)


def past_date_problem(value: date, today: date) -> str | None:
    """Something that has happened: not after today, and not before the window."""
    if value > today:
        return "a date not after today"
    return date_problem(value, today)


def period_problem(start: date | None, end: date | None) -> str | None:
    if start is not None and end is not None and end < start:
        return "an end not before the start"
    return None


def worker_ref(nik: str, key: bytes) -> str:
    """A keyed pseudonym of the worker: stable across applications, useless without the key.

    Other services recognise the same worker by it (e.g. one paid refund per claim type)
    and never see the NIK.
    """
    return hmac.new(key, nik.encode(), hashlib.sha256).hexdigest()[:32]


def credit_role_problem(
    *,
    role: str,
    product: str,
    scheme: str,
    names_worker: bool,
    names_worker_birth: bool,
    returned: bool,
) -> str | None:
    """What a loan form must say for who borrows: a family member names the worker (the
    worker's tracking code and birth date), a returnee says when they came home, and
    neither belongs on anyone else's form."""
    if product == "placement" and role != "worker":
        return (
            "the placement product is the worker's own: a family member or a returnee "
            "asks for product micro"
        )
    if scheme == "regional" and product != "micro":
        return "the regional scheme lends for a business only: product micro"
    if role == "family" and not (names_worker and names_worker_birth):
        return "a family member's loan needs worker_tracking_code and worker_date_of_birth"
    if role != "family" and (names_worker or names_worker_birth):
        return (
            "only a family member's loan names a worker (worker_tracking_code, "
            "worker_date_of_birth)"
        )
    if role == "returnee" and not returned:
        return "a returnee's loan needs returned_on, the day they came home"
    if role != "returnee" and returned:
        return "only a returnee's loan has returned_on"
    return None


def tracking_key(code: str, key: bytes) -> bytes:
    """What documents keeps of a tracking code: a keyed hash of the code as written in any
    case, with or without the hyphen, so a family member can name the worker by it."""
    normalised = code.strip().upper().replace("-", "").replace(" ", "")
    return hmac.new(key, normalised.encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class NamedWorker:
    """The placement application a family member's tracking code and birth date found."""

    worker_ref: str
    placement_verified: bool


def worker_link_findings(applicant_ref: str, worker: NamedWorker | None) -> tuple[Reason, ...]:
    """Why a family member's loan cannot name this worker: nobody found, the applicant
    themself, or a worker not cleared to go abroad. Empty when the link holds."""
    if worker is None:
        return (reason(DocumentsReason.WORKER_REFERENCE_UNKNOWN),)
    if worker.worker_ref == applicant_ref:
        return (reason(DocumentsReason.FAMILY_MEMBER_IS_WORKER),)
    if not worker.placement_verified:
        return (reason(DocumentsReason.WORKER_NOT_PLACED),)
    return ()
