"""Refund claim decisions, one per application."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import asyncpg

from sentra_insurance.domain.eps import ClaimDecision, ClaimType, PaidClaim


async def paid_claims(conn: asyncpg.Connection, worker_ref: str) -> list[PaidClaim]:
    """Claims of this worker whose payout was requested (accepted) or handed to HRD Korea."""
    rows = await conn.fetch(
        """SELECT DISTINCT claim_type FROM claims
           WHERE worker_ref = $1 AND outcome IN ('accepted', 'dormant')""",
        worker_ref,
    )
    return [PaidClaim(worker_id=worker_ref, claim_type=ClaimType(r["claim_type"])) for r in rows]


async def record_assessment(
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    worker_ref: str,
    claim_type: str,
    decision: ClaimDecision,
    at: datetime,
) -> bool:
    """Store the decision; False if this application was already assessed."""
    inserted = await conn.fetchval(
        """INSERT INTO claims (application_id, worker_ref, claim_type, amount_krw, amount_idr,
                               outcome, reasons, decided_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (application_id) DO NOTHING RETURNING true""",
        application_id,
        worker_ref,
        claim_type,
        decision.amount_krw,
        decision.amount_idr,
        decision.outcome.value,
        json.dumps([reason.code for reason in decision.reasons]),
        at,
    )
    return bool(inserted)
