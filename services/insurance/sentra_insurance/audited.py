"""What insurance writes to its audit log: the version of its rules, and its actor."""

from __future__ import annotations

from functools import cache

from sentra_shared import audit
from sentra_shared.events import ClaimOutcome

from sentra_insurance.domain.eps import (
    CLAIM_PERIODS,
    DORMANT_CLAIM_TYPES,
    MINIMUM_SERVICE_YEARS,
    RETURN_COST_AMOUNTS,
    WAGE_ARREARS_CAP_KRW,
)

ASSESSED = {
    ClaimOutcome.ACCEPTED: audit.Decision.CLAIM_ACCEPTED,
    ClaimOutcome.REJECTED: audit.Decision.CLAIM_REJECTED,
    ClaimOutcome.DORMANT: audit.Decision.CLAIM_DORMANT,
}


@cache
def rules_version() -> str:
    """The EPS rules that decide: amounts, claim periods, caps and the dormant types."""
    return audit.rules_version(
        "eps",
        RETURN_COST_AMOUNTS,
        CLAIM_PERIODS,
        WAGE_ARREARS_CAP_KRW,
        MINIMUM_SERVICE_YEARS,
        DORMANT_CLAIM_TYPES,
    )


AUDITOR = audit.Auditor("insurance", rules_version)
record = AUDITOR.record
