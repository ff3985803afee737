"""Screenings stored before the bank step become loan cases, on a real PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from sentra_credit.app import MIGRATIONS
from sentra_local.stack import Stack

DATABASE = "sentra_credit_migration_test"


async def test_old_screenings_become_closed_or_screened_cases(local_stack: Stack) -> None:
    await local_stack.postgres.recreate_databases([DATABASE])
    conn = await asyncpg.connect(local_stack.postgres.dsn(DATABASE))
    try:
        await conn.execute((MIGRATIONS / "0001_screenings.sql").read_text())
        at = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
        approved, rejected = uuid.uuid4(), uuid.uuid4()
        await conn.executemany(
            """INSERT INTO screenings (application_id, product, amount_idr, outcome, reasons,
                                       decided_at) VALUES ($1, 'placement', $2, $3, $4, $5)""",
            [
                (approved, 40_000_000, "approved", "[]", at),
                (rejected, 90_000_000, "rejected", json.dumps(["NPWP_REQUIRED"]), at),
            ],
        )

        await conn.execute((MIGRATIONS / "0002_loan_cases.sql").read_text())

        cases = {
            r["application_id"]: r
            for r in await conn.fetch(
                """SELECT application_id, stage, amount_idr, screening_outcome,
                          screening_reasons, screened_at, closed_at, borrower
                   FROM loan_cases"""
            )
        }
        # Screened under the old flow and never sent to a bank: stays "screened".
        assert cases[approved]["stage"] == "screened"
        assert cases[approved]["closed_at"] is None
        assert json.loads(cases[approved]["screening_reasons"]) == []
        assert cases[rejected]["stage"] == "closed"
        assert cases[rejected]["closed_at"] == at
        assert json.loads(cases[rejected]["screening_reasons"]) == [{"code": "NPWP_REQUIRED"}]
        assert {c["screened_at"] for c in cases.values()} == {at}
        # Operator tools still read the outcomes where they used to.
        outcomes = {
            r["application_id"]: (r["outcome"], r["amount_idr"])
            for r in await conn.fetch("SELECT application_id, outcome, amount_idr FROM screenings")
        }
        assert outcomes == {approved: ("approved", 40_000_000), rejected: ("rejected", 90_000_000)}
    finally:
        await conn.close()


async def test_cases_from_before_roles_are_the_workers_under_kur(local_stack: Stack) -> None:
    await local_stack.postgres.recreate_databases([DATABASE])
    conn = await asyncpg.connect(local_stack.postgres.dsn(DATABASE))
    try:
        for name in ("0001_screenings.sql", "0002_loan_cases.sql"):
            await conn.execute((MIGRATIONS / name).read_text())
        old = uuid.uuid4()
        at = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
        await conn.execute(
            """INSERT INTO loan_cases (application_id, stage, product, amount_idr, opened_at)
               VALUES ($1, 'awaiting_slik', 'placement', 40000000, $2)""",
            old,
            at,
        )

        await conn.execute((MIGRATIONS / "0003_borrower_roles.sql").read_text())

        row = await conn.fetchrow(
            "SELECT borrower_role, scheme, worker_ref FROM loan_cases WHERE application_id = $1",
            old,
        )
        assert tuple(row) == ("worker", "kur", None)
        # Only a pseudonym fits the worker reference: a NIK is refused.
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(
                "UPDATE loan_cases SET worker_ref = '3314015403960007' WHERE application_id = $1",
                old,
            )
    finally:
        await conn.close()
