"""Which agencies must confirm an application, and what their answers add up to.

Pure: the answers recorded so far and the decision date are arguments. An application is
verified only when every agency it needs has answered and every answer passed; one failed
check rejects it with the agency's own reasons. A passed answer whose document expired
before the decision date (`valid_until`, the last valid day, inclusive) counts as failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sentra_shared.events import Agency, ApplicationKind, CheckOutcome
from sentra_shared.reasons import Reason

from .reasons import DocumentsReason, reason

# The checks each kind of application needs. Bank (SLIK) and insurer checks belong to the
# credit and insurance services, which own those decisions.
REQUIRED_CHECKS: Mapping[ApplicationKind, tuple[Agency, ...]] = {
    # UU 18/2017 art. 13: identity, family permission and registration (Disnaker), health,
    # police clearance, passport, placement documents (BP3MI), social security.
    ApplicationKind.PLACEMENT: (
        Agency.DUKCAPIL,
        Agency.DISNAKER,
        Agency.HEALTH_FACILITY,
        Agency.POLRI,
        Agency.IMIGRASI,
        Agency.BP3MI,
        Agency.BPJS_KETENAGAKERJAAN,
    ),
    ApplicationKind.KUR_LOAN: (Agency.DUKCAPIL,),
    # The refund is paid to the passport holder: Imigrasi confirms the passport name.
    ApplicationKind.INSURANCE_REFUND: (Agency.DUKCAPIL, Agency.IMIGRASI),
}


@dataclass(frozen=True)
class CheckAnswer:
    outcome: CheckOutcome
    reasons: tuple[Reason, ...] = ()
    # The last day (WIB, inclusive) the confirmed document is valid; None: it does not expire.
    valid_until: date | None = None


class ChecksState(StrEnum):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"


@dataclass(frozen=True)
class ChecksResult:
    state: ChecksState
    reasons: tuple[Reason, ...] = ()


def required_checks(kind: ApplicationKind) -> tuple[Agency, ...]:
    return REQUIRED_CHECKS[kind]


def combine(
    required: tuple[Agency, ...], answers: Mapping[Agency, CheckAnswer], *, on: date
) -> ChecksResult:
    if any(agency not in answers for agency in required):
        return ChecksResult(ChecksState.PENDING)
    reasons: list[Reason] = []
    for agency in required:
        reasons += _failures(agency, answers[agency], on)
    if reasons:
        return ChecksResult(ChecksState.FAILED, tuple(reasons))
    return ChecksResult(ChecksState.PASSED)


def _failures(agency: Agency, answer: CheckAnswer, on: date) -> tuple[Reason, ...]:
    if answer.outcome is CheckOutcome.FAILED:
        # An agency that fails a check without saying why still must not pass silently.
        return answer.reasons or (reason(DocumentsReason.AGENCY_CHECK_FAILED, agency=agency.value),)
    if answer.valid_until is not None and answer.valid_until < on:
        # Confirmed, but no longer valid on the day it would count: the applicant needs a
        # new one (a fresh medical check, a new SKCK) before the file can be verified.
        expired = reason(
            DocumentsReason.AGENCY_DOCUMENT_EXPIRED,
            agency=agency.value,
            last_valid_day=answer.valid_until.isoformat(),
        )
        return (expired,)
    return ()
