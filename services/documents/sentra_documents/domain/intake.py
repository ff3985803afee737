"""Intake verification for every kind of application: is the file consistent enough to go on?

Pure: the submission date is an argument, never read from a clock. The identity rule is
`identity.identity_findings` (the placement assessment uses the same one); a placement
also gets the full `placement.assess_placement`.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from sentra_shared.reasons import Reason

from .identity import identity_findings
from .nik import Sex
from .placement import PlacementOutcome, decide_outcome


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


def worker_ref(nik: str, key: bytes) -> str:
    """A keyed pseudonym of the worker: stable across applications, useless without the key.

    Other services recognise the same worker by it (e.g. one paid refund per claim type)
    and never see the NIK.
    """
    return hmac.new(key, nik.encode(), hashlib.sha256).hexdigest()[:32]


# Crockford's base-32 alphabet: no I, L, O or U, so a code read aloud or copied by hand
# from an SMS is not mistyped.
TRACKING_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def tracking_code(random_bytes: bytes) -> str:
    """The applicant's tracking code from 7 random bytes: ten characters (50 bits), shown
    as two groups of five. With the birth date it opens the status page."""
    if len(random_bytes) != 7:
        raise ValueError("a tracking code takes 7 random bytes")
    number = int.from_bytes(random_bytes, "big") >> 6  # 56 bits -> 50
    chars = "".join(TRACKING_ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(10)))
    return f"{chars[:5]}-{chars[5:]}"
