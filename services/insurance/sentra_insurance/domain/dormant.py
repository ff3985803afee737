"""What a worker must do to claim dormant EPS insurance from HRD Korea.

After the claim period, unclaimed Return Cost and Departure Guarantee money is handed to
HRD Korea as dormant insurance; the insurer no longer pays it. The worker applies to HRD
Korea through its EPS Center in the sending country with the passport, an account in
their own name and the insurance details (sources in `reasons.py`).
"""

from __future__ import annotations

from datetime import date, timedelta

from sentra_shared.reasons import Reason

from .eps import DORMANT_CLAIM_TYPES, ClaimType
from .reasons import InsuranceReason, reason

CLAIM_TYPE_NAMES = {
    ClaimType.RETURN_COST: "Return Cost",
    ClaimType.DEPARTURE_GUARANTEE: "Departure Guarantee",
    ClaimType.WAGE_ARREARS_GUARANTEE: "Wage-arrears Guarantee",
    ClaimType.CASUALTY: "Casualty",
}


def dormant_claim_instructions(
    claim_type: ClaimType, departure: date, last_claim_day: date, amount_krw: int | None
) -> tuple[Reason, ...]:
    """Where to apply, what to bring, what to state and from when, in both languages."""
    if claim_type not in DORMANT_CLAIM_TYPES:
        raise ValueError(f"{claim_type} is never handed to HRD Korea as dormant insurance")
    held = "?" if amount_krw is None else f"{amount_krw:,}"
    return (
        reason(InsuranceReason.DORMANT_APPLY_THROUGH_EPS_CENTER),
        reason(InsuranceReason.DORMANT_BRING_PASSPORT),
        reason(InsuranceReason.DORMANT_BRING_OWN_BANK_ACCOUNT),
        reason(
            InsuranceReason.DORMANT_STATE_EPS_INSURANCE,
            claim_type=CLAIM_TYPE_NAMES[claim_type],
            departure=departure.isoformat(),
            amount=held,
        ),
        reason(
            InsuranceReason.DORMANT_CLAIMABLE_FROM,
            from_day=(last_claim_day + timedelta(days=1)).isoformat(),
            last_day=last_claim_day.isoformat(),
        ),
    )
