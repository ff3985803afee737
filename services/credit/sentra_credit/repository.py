"""Credit screening decisions, one per application."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import asyncpg


async def record_screening(
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    product: str,
    amount_idr: int,
    outcome: str,
    reason_codes: list[str],
    at: datetime,
) -> bool:
    """Store the decision; False if this application was already screened."""
    inserted = await conn.fetchval(
        """INSERT INTO screenings
               (application_id, product, amount_idr, outcome, reasons, decided_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (application_id) DO NOTHING RETURNING true""",
        application_id,
        product,
        amount_idr,
        outcome,
        json.dumps(reason_codes),
        at,
    )
    return bool(inserted)
