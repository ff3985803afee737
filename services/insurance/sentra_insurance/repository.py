"""Refund claim decisions, one per application."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import asyncpg


async def record_assessment(
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    claim_type: str,
    amount_krw: int,
    outcome: str,
    reason_codes: list[str],
    at: datetime,
) -> bool:
    """Store the decision; False if this application was already assessed."""
    inserted = await conn.fetchval(
        """INSERT INTO claims
               (application_id, claim_type, amount_krw, outcome, reasons, decided_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (application_id) DO NOTHING RETURNING true""",
        application_id,
        claim_type,
        amount_krw,
        outcome,
        json.dumps(reason_codes),
        at,
    )
    return bool(inserted)
