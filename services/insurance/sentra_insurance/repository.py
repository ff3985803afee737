"""Refund claims, one per application, through their stages (see migrations/0002)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg
from sentra_shared.events import RefundRequest

from sentra_insurance.domain.eps import ClaimDecision, ClaimType, PaidClaim
from sentra_insurance.domain.payout import Payment

INSURER_CHECK = "insurer_check"
PAYOUT_REQUESTED = "payout_requested"


@dataclass(frozen=True)
class StoredClaim:
    application_id: uuid.UUID
    status: str
    request: RefundRequest
    check_request_id: uuid.UUID | None
    payout_request_id: uuid.UUID | None
    amount_krw: int | None
    amount_idr: int | None
    payout_due: date | None


async def paid_claims(conn: asyncpg.Connection, worker_ref: str) -> list[PaidClaim]:
    """Claims of this worker that were accepted (payout requested, paid, or refused and
    with the supervisor) or handed to HRD Korea: the outcome never changes after that."""
    rows = await conn.fetch(
        """SELECT DISTINCT claim_type FROM claims
           WHERE worker_ref = $1 AND outcome IN ('accepted', 'dormant')""",
        worker_ref,
    )
    return [PaidClaim(worker_id=worker_ref, claim_type=ClaimType(r["claim_type"])) for r in rows]


async def open_claim(
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    request: RefundRequest,
    check_request_id: uuid.UUID,
) -> bool:
    """Start the claim, waiting for the insurer; False if this application has one."""
    inserted = await conn.fetchval(
        """INSERT INTO claims (application_id, worker_ref, claim_type, status, request,
                               check_request_id)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (application_id) DO NOTHING RETURNING true""",
        application_id,
        request.worker_ref,
        request.claim_type,
        INSURER_CHECK,
        request.model_dump_json(),
        check_request_id,
    )
    return bool(inserted)


async def load_claim(conn: asyncpg.Connection, application_id: uuid.UUID) -> StoredClaim | None:
    """The claim, locked for this transaction: its answers are applied one at a time."""
    row = await conn.fetchrow(
        """SELECT application_id, status, request, check_request_id, payout_request_id,
                  amount_krw, amount_idr, payout_due
           FROM claims WHERE application_id = $1 FOR UPDATE""",
        application_id,
    )
    if row is None or row["request"] is None:
        return None
    return StoredClaim(
        application_id=row["application_id"],
        status=row["status"],
        request=RefundRequest.model_validate_json(row["request"]),
        check_request_id=row["check_request_id"],
        payout_request_id=row["payout_request_id"],
        amount_krw=row["amount_krw"],
        amount_idr=row["amount_idr"],
        payout_due=row["payout_due"],
    )


async def record_assessment(
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    decision: ClaimDecision,
    at: datetime,
    *,
    payout_request_id: uuid.UUID | None = None,
    payout_due: date | None = None,
) -> None:
    status = PAYOUT_REQUESTED if payout_request_id is not None else decision.outcome.value
    await conn.execute(
        """UPDATE claims SET status = $2, outcome = $3, amount_krw = $4, amount_idr = $5,
                  reasons = $6, decided_at = $7, payout_request_id = $8, payout_due = $9
           WHERE application_id = $1""",
        application_id,
        status,
        decision.outcome.value,
        decision.amount_krw,
        decision.amount_idr,
        json.dumps([r.code for r in decision.reasons]),
        at,
        payout_request_id,
        payout_due,
    )
    if payout_request_id is None:
        await close_claim(conn, application_id, at)


async def record_payment(
    conn: asyncpg.Connection, application_id: uuid.UUID, payment: Payment, at: datetime
) -> None:
    await conn.execute(
        """UPDATE claims SET status = 'paid', paid_krw = $2, paid_idr = $3, paid_on = $4,
                  paid_late = $5
           WHERE application_id = $1""",
        application_id,
        payment.amount_krw,
        payment.amount_idr,
        payment.paid_on,
        payment.paid_late,
    )
    await close_claim(conn, application_id, at)


async def record_payout_refused(
    conn: asyncpg.Connection, application_id: uuid.UUID, reason_codes: list[str], at: datetime
) -> None:
    # The account number stays: the supervisor may have the payout made again.
    await conn.execute(
        """UPDATE claims SET status = 'payout_refused', payout_reasons = $2
           WHERE application_id = $1""",
        application_id,
        json.dumps(reason_codes),
    )


async def close_claim(conn: asyncpg.Connection, application_id: uuid.UUID, at: datetime) -> None:
    """Nothing more will be paid by the insurer: forget the account number."""
    await conn.execute(
        """UPDATE claims SET closed_at = $2, request = request - 'payee_account_number'
           WHERE application_id = $1""",
        application_id,
        at,
    )
