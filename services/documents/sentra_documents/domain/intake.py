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
