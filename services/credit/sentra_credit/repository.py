"""Credit's own tables: one `loan_cases` row per KUR application (see the migration)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import asyncpg
from sentra_shared.events import Borrower, CreditRequest
from sentra_shared.reasons import Reason


class Stage(StrEnum):
    AWAITING_SLIK = "awaiting_slik"
    SCREENED = "screened"  # screened before the bank step existed; never referred
    AWAITING_BANK = "awaiting_bank"
    CLOSED = "closed"


@dataclass(frozen=True)
class LoanCase:
    application_id: uuid.UUID
    stage: Stage
    request: CreditRequest | None
    borrower: Borrower | None
    # The requests sent to the bank for it: only answers naming these apply.
    slik_request_id: uuid.UUID | None = None
    loan_request_id: uuid.UUID | None = None


async def open_case(
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    request: CreditRequest,
    borrower: Borrower,
    slik_request_id: uuid.UUID,
    at: datetime,
) -> bool:
    """Store the application and the SLIK request sent for it; False if already open."""
    inserted = await conn.fetchval(
        """INSERT INTO loan_cases (application_id, stage, product, amount_idr, request,
                                   borrower, opened_at, slik_request_id, borrower_role,
                                   scheme, worker_ref)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (application_id) DO NOTHING RETURNING true""",
        application_id,
        Stage.AWAITING_SLIK.value,
        request.product,
        request.amount_idr,
        request.model_dump_json(exclude={"borrower"}),
        borrower.model_dump_json(),
        at,
        slik_request_id,
        request.borrower_role,
        request.scheme,
        request.worker_ref,
    )
    return bool(inserted)


async def load_case(conn: asyncpg.Connection, application_id: uuid.UUID) -> LoanCase | None:
    """The case, locked until the caller's transaction ends."""
    row = await conn.fetchrow(
        """SELECT application_id, stage, request, borrower, slik_request_id, loan_request_id
           FROM loan_cases WHERE application_id = $1 FOR UPDATE""",
        application_id,
    )
    if row is None:
        return None
    request, borrower = row["request"], row["borrower"]
    return LoanCase(
        application_id=row["application_id"],
        stage=Stage(row["stage"]),
        request=None if request is None else CreditRequest.model_validate_json(request),
        borrower=None if borrower is None else Borrower.model_validate_json(borrower),
        slik_request_id=row["slik_request_id"],
        loan_request_id=row["loan_request_id"],
    )


async def record_screening(
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    *,
    slik_collectibility: int | None,
    outcome: str,
    reasons: tuple[Reason, ...],
    bank_decision_due: date | None,
    loan_request_id: uuid.UUID | None,
    at: datetime,
) -> None:
    """The bank's SLIK answer and the screening; referred to the bank, or closed."""
    referred = loan_request_id is not None
    await conn.execute(
        """UPDATE loan_cases SET
               stage = $2, slik_collectibility = $3, slik_answered_at = $8,
               screening_outcome = $4, screening_reasons = $5, bank_decision_due = $6,
               screened_at = $8, loan_request_id = $7,
               closed_at = CASE WHEN $2 = 'closed' THEN $8::timestamptz END,
               borrower = CASE WHEN $2 = 'closed' THEN NULL ELSE borrower END
           WHERE application_id = $1""",
        application_id,
        (Stage.AWAITING_BANK if referred else Stage.CLOSED).value,
        slik_collectibility,
        outcome,
        _reasons_json(reasons),
        bank_decision_due,
        loan_request_id,
        at,
    )


async def record_loan_decision(
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    *,
    outcome: str,
    amount_disbursed_idr: int | None,
    reasons: tuple[Reason, ...],
    decided_late: bool,
    at: datetime,
) -> None:
    """The bank's decision closes the case; the borrower's identity is no longer needed."""
    await conn.execute(
        """UPDATE loan_cases SET
               stage = 'closed', loan_outcome = $2, amount_disbursed_idr = $3,
               loan_reasons = $4, decided_late = $5, loan_decided_at = $6, closed_at = $6,
               borrower = NULL
           WHERE application_id = $1""",
        application_id,
        outcome,
        amount_disbursed_idr,
        _reasons_json(reasons),
        decided_late,
        at,
    )


def _reasons_json(reasons: tuple[Reason, ...]) -> str:
    return json.dumps([r.model_dump(mode="json") for r in reasons])
