"""What insurance writes to its audit log: the version of its rules, and its actor."""

from __future__ import annotations

import uuid
from functools import cache

import asyncpg
from sentra_shared import audit
from sentra_shared.events import ClaimOutcome
from sentra_shared.reasons import Reason

from sentra_insurance.domain.eps import (
    CLAIM_PERIODS,
    DORMANT_CLAIM_TYPES,
    MINIMUM_SERVICE_YEARS,
    RETURN_COST_AMOUNTS,
    WAGE_ARREARS_CAP_KRW,
)

SYSTEM = audit.system("insurance")
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


async def record(
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    decision: audit.Decision,
    reasons: tuple[Reason, ...] = (),
) -> None:
    await audit.record(
        conn,
        application_id=application_id,
        decision=decision,
        reasons=reasons,
        rules_version=rules_version(),
        actor=SYSTEM,
    )
