"""Identity numbers at rest: sealed in every table, still deciding, rotated by `rekey`."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from sentra_documents import repository
from sentra_documents.rekey import describe_usage, key_usage, rekey
from sentra_documents.sealing import Sealer, SealingError
from sentra_local.stack import Stack
from sentra_shared.clock import now
from sentra_shared.events import AGENCY_EVENTS, CheckOutcome

pytestmark = pytest.mark.timeout(180)

DATABASE = "documents_data_at_rest_test"
KEY_OLD = base64.b64encode(b"o" * 32).decode()
KEY_NEW = base64.b64encode(b"n" * 32).decode()
OLD_ONLY, NEW_FIRST, NEW_ONLY = f"old={KEY_OLD}", f"new={KEY_NEW},old={KEY_OLD}", f"new={KEY_NEW}"
FEE_ACCOUNT, REFUND_ACCOUNT = "7700 1234 5678", "KR-110-2233-4455"


def refund_form(kit: Any) -> dict[str, Any]:
    departure = kit.today_wib() - timedelta(days=400)
    refund = {
        "claim_type": "departure_guarantee",
        "departure_date": departure.isoformat(),
        "employment_start": (departure - timedelta(days=900)).isoformat(),
        "employment_end": (departure - timedelta(days=2)).isoformat(),
        "passport_name": "SITI RAHAYU",
        "payee_account_name": "Siti Rahayu",
        "payee_account_number": REFUND_ACCOUNT,
        "swift_bic": "BRINIDJA",
    }
    return {"kind": "insurance_refund", "applicant": kit.applicant(), "refund": refund}


async def tables_holding(pool: asyncpg.Pool, *values: str) -> set[str]:
    """Every table of the database whose rows, as text, contain one of the values."""
    names = await pool.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    )
    found = set()
    for name in (r["tablename"] for r in names):
        # bytea columns (the outbox payload) as their UTF-8 text, not as hex.
        rows = await pool.fetch(f'SELECT t::text AS row FROM "{name}" t')
        text = " ".join(r["row"] for r in rows)
        if name == "outbox":
            text += " ".join(
                r["p"]
                for r in await pool.fetch("SELECT convert_from(payload, 'UTF8') AS p FROM outbox")
            )
        if any(value in text for value in values):
            found.add(name)
    return found


async def answer_all(documents: Any, kit: Any, application_id: uuid.UUID) -> None:
    for request in await kit.requests_of(documents, application_id):
        await documents.answer(
            AGENCY_EVENTS[request.agency][1](
                application_id=application_id,
                occurred_at=now(),
                request_id=request.event_id,
                outcome=CheckOutcome.PASSED,
            )
        )


async def test_identity_numbers_are_sealed_at_rest_and_the_application_still_decides(
    local_stack: Stack, kit: Any
) -> None:
    fee = {"amount_idr": 500_000, "payee": "personal_account", "payee_account": FEE_ACCOUNT}
    placement = kit.placement_form()
    person = placement["applicant"]
    numbers = (person["nik"], placement["placement"]["passport_number"])
    numbers += (placement["placement"]["bank_account"],)
    flagged = kit.placement_form(fees=[fee])
    refund = refund_form(kit)
    async with kit.running_documents(local_stack, DATABASE, data_keys=OLD_ONLY) as documents:
        application_id = await documents.submit(placement)
        flagged_id = await documents.submit(flagged)
        refund_id = await documents.submit(refund)
        await documents.wait_status(application_id, "checking")
        await documents.wait_status(flagged_id, "under_review")
        await documents.wait_status(refund_id, "checking")

        # The agencies get the NIK they need: the service opened the sealed value.
        requests = await kit.requests_of(documents, application_id)
        assert len(requests) == 7 and {r.nik for r in requests} == {person["nik"]}
        await answer_all(documents, kit, application_id)
        await documents.wait_status(application_id, "verified")

        # No table but the outbox (the published requests, purged after their retention)
        # holds a NIK, passport or account number in plaintext.
        every_number = (*numbers, flagged["applicant"]["nik"], FEE_ACCOUNT, REFUND_ACCOUNT)
        every_number += (refund["applicant"]["nik"],)
        for number in every_number:
            assert await tables_holding(documents.pool, number) <= {"outbox"}, number
        form = await documents.pool.fetchval(
            "SELECT form::text FROM applications WHERE application_id = $1", flagged_id
        )
        assert form.count("enc:v1:old:") == 4  # NIK, passport, account, fee payee account
        async with documents.pool.acquire() as conn:
            assert await key_usage(conn) == {"old": 3 + 4 + 2}


async def test_rotation_reseals_every_value_and_the_old_key_can_go(
    local_stack: Stack, kit: Any
) -> None:
    forms = [kit.placement_form() for _ in range(4)] + [refund_form(kit)]
    async with kit.running_documents(local_stack, DATABASE, data_keys=OLD_ONLY) as documents:
        ids = [await documents.submit(form) for form in forms]
        for application_id in ids:
            await documents.wait_status(application_id, "checking")

    conn = await asyncpg.connect(local_stack.postgres.dsn(DATABASE))
    try:
        # Without the old key nothing opens, and the error names the key, never a key.
        with pytest.raises(SealingError, match="'old'") as refused:
            await repository.load_application(conn, ids[0], Sealer.from_setting(NEW_ONLY))
        assert KEY_OLD not in str(refused.value) and KEY_NEW not in str(refused.value)

        sealer, batches = Sealer.from_setting(NEW_FIRST), []
        done = await rekey(conn, sealer, batch_size=2, report=lambda p: batches.append(p.checked))
        assert batches == [2, 4, 5] and (done.rows_rewritten, done.values_resealed) == (5, 14)
        assert await key_usage(conn) == {"new": 14}
        assert describe_usage(await key_usage(conn), sealer).endswith(
            "every value is sealed under the current key 'new'; no value needs old: "
            "it can leave the keyring"
        )
        # Run again (as after a crash): nothing left to do.
        again = await rekey(conn, sealer)
        assert (again.checked, again.rows_rewritten) == (5, 0)
    finally:
        await conn.close()

    # The old key gone from the keyring, the applications still open and decide.
    settings = {"data_keys": NEW_ONLY, "fresh": False}
    async with kit.running_documents(local_stack, DATABASE, **settings) as documents:
        await answer_all(documents, kit, ids[0])
        await documents.wait_status(ids[0], "verified")
        async with documents.pool.acquire() as conn:
            stored = await repository.load_application(conn, ids[4], documents.app.state.sealer)
        assert stored is not None and stored.form.refund is not None
        assert stored.form.refund.payee_account_number == REFUND_ACCOUNT
        assert stored.form.applicant.nik == forms[4]["applicant"]["nik"]


async def test_a_tampered_or_moved_value_is_refused(local_stack: Stack, kit: Any) -> None:
    async with kit.running_documents(local_stack, DATABASE, data_keys=OLD_ONLY) as documents:
        ids = [await documents.submit(kit.placement_form()) for _ in range(3)]
        for application_id in ids:
            await documents.wait_status(application_id, "checking")
        # Someone with write access to the table swaps in another row's sealed NIK ...
        await documents.pool.execute(
            """UPDATE applications SET form = jsonb_set(form, '{applicant,nik}',
                   (SELECT form->'applicant'->'nik' FROM applications WHERE application_id = $2))
               WHERE application_id = $1""",
            ids[0],
            ids[1],
        )
        # ... or changes one character of a sealed passport number.
        token = await documents.pool.fetchval(
            "SELECT form->'placement'->>'passport_number' FROM applications "
            "WHERE application_id = $1",
            ids[2],
        )
        altered = token[:-2] + ("B" if token[-2] == "A" else "A") + token[-1]
        await documents.pool.execute(
            """UPDATE applications
               SET form = jsonb_set(form, '{placement,passport_number}', to_jsonb($2::text))
               WHERE application_id = $1""",
            ids[2],
            altered,
        )
        sealer = documents.app.state.sealer
        async with documents.pool.acquire() as conn:
            with pytest.raises(SealingError, match="moved from another application"):
                await repository.load_application(conn, ids[0], sealer)
            with pytest.raises(SealingError, match="altered"):
                await repository.load_application(conn, ids[2], sealer)
            # The untouched row still opens.
            assert await repository.load_application(conn, ids[1], sealer) is not None
