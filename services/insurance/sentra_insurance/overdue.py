"""Missed insurer deadlines: what the scheduler writes, and the refused-payout escalation."""

from __future__ import annotations

from datetime import datetime

import asyncpg
from sentra_shared.audit_heads import recording_escalations
from sentra_shared.deadlines import Deadline, Terms, announce_missed, load_deadlines
from sentra_shared.events import (
    INSURANCE_DEADLINES,
    Agency,
    DeadlineStep,
    InsuranceDeadlineEscalated,
)

from sentra_insurance.repository import StoredClaim

# Called by the scheduler in its claiming transaction: first overdue, then escalated to
# the supervisor named in the insurer's terms (stored on the deadline).
on_due = recording_escalations(announce_missed(INSURANCE_DEADLINES))


async def payout_refused_escalation(
    conn: asyncpg.Connection,
    claim: StoredClaim,
    terms: Terms,
    deadline: Deadline | None,
    at: datetime,
) -> InsuranceDeadlineEscalated:
    """A refused payout goes to the supervisor at once, as an escalation of the payout
    step: the money the worker is owed has not arrived and Sentra cannot fix it alone."""
    if deadline is None:  # closed already (it cannot be, but the event must still name it)
        deadline = next(
            d
            for d in await load_deadlines(conn, claim.application_id)
            if d.step == DeadlineStep.INSURER_PAYOUT and d.request_id == claim.payout_request_id
        )
    return InsuranceDeadlineEscalated(
        application_id=claim.application_id,
        occurred_at=at,
        step=DeadlineStep.INSURER_PAYOUT,
        party=Agency.INSURER.value,
        request_id=deadline.request_id,
        requested_at=deadline.requested_at,
        due_at=deadline.due_at,
        supervisor=terms.supervisor,
        escalated_for_at=at,
    )
