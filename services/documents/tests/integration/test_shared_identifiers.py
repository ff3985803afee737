"""The same phone on two placement applications assessed at the same moment, in two
transactions on two connections: both are flagged (advisory locks on the hashes)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import asyncpg
import pytest
from sentra_documents import repository
from sentra_documents.app import MIGRATIONS
from sentra_documents.assessment import MatchingPolicy
from sentra_documents.domain.intake import worker_ref
from sentra_documents.domain.red_flags import SharingThresholds
from sentra_documents.forms import ApplicationForm
from sentra_documents.handlers import assess_submitted_application
from sentra_documents.licences import SAMPLE_FILE, load_licences
from sentra_documents.sealing import DEVELOPMENT_DATA_KEYS, Sealer
from sentra_local.stack import Stack
from sentra_local.testing import wait_until
from sentra_shared.clock import now
from sentra_shared.database import create_pool, migrate
from sentra_shared.events import ApplicationFlagged, ApplicationSubmitted

pytestmark = pytest.mark.timeout(120)
PHONE_TWICE = SharingThresholds(phone=2)
POLICY = MatchingPolicy(secret=b"test-identifier-key", thresholds=PHONE_TWICE)
SEALER = Sealer.from_setting(DEVELOPMENT_DATA_KEYS)


@pytest.fixture
async def pool(local_stack: Stack) -> AsyncIterator[asyncpg.Pool]:
    database = "documents_identifiers_test"
    await local_stack.postgres.recreate_databases([database])
    pool = await create_pool(local_stack.postgres.dsn(database))
    await migrate(pool, MIGRATIONS)
    async with pool.acquire() as conn:
        await load_licences(conn, SAMPLE_FILE)
    try:
        yield pool
    finally:
        await pool.close()


async def stored_submission(
    pool: asyncpg.Pool, form: dict[str, Any], at: datetime
) -> ApplicationSubmitted:
    parsed = ApplicationForm.model_validate(form)
    application_id = uuid.uuid4()
    async with pool.acquire() as conn:
        await repository.insert_application(
            conn, application_id, parsed, worker_ref(parsed.applicant.nik, b"k"), at, SEALER
        )
    return ApplicationSubmitted(
        application_id=application_id, occurred_at=at, kind=parsed.kind, regency_code="3314"
    )


async def waiting_on_advisory_lock(pool: asyncpg.Pool) -> bool:
    return bool(
        await pool.fetchval(
            """SELECT count(*) FROM pg_locks
               WHERE locktype = 'advisory' AND NOT granted AND database = (
                   SELECT oid FROM pg_database WHERE datname = current_database())"""
        )
    )


async def test_two_transactions_sharing_a_phone_at_the_same_moment_both_flag(
    pool: asyncpg.Pool, kit: Any
) -> None:
    at = now()
    first_person, second_person = kit.applicant(), kit.applicant()
    second_person["phone"] = first_person["phone"].replace("+62", "0")  # same number
    first = await stored_submission(pool, kit.placement_form(applicant=first_person), at)
    second = await stored_submission(pool, kit.placement_form(applicant=second_person), at)

    async with pool.acquire() as one, pool.acquire() as two:
        tx_one, tx_two = one.transaction(), two.transaction()
        await tx_one.start()
        await tx_two.start()
        # Both transactions hold their own application row; the first has assessed and
        # holds the phone's lock, uncommitted. The second must wait for it, not miss it.
        await assess_submitted_application(one, first, POLICY, SEALER)
        racing = asyncio.create_task(assess_submitted_application(two, second, POLICY, SEALER))
        await wait_until(lambda: waiting_on_advisory_lock(pool), within=10)
        assert not racing.done()
        await tx_one.commit()
        await asyncio.wait_for(racing, timeout=10)
        await tx_two.commit()

    for submitted in (first, second):
        status = await pool.fetchval(
            "SELECT status FROM applications WHERE application_id = $1",
            submitted.application_id,
        )
        assert status == "under_review"
        flags = await pool.fetchval(
            "SELECT flags FROM review_cases WHERE application_id = $1 AND status = 'open'",
            submitted.application_id,
        )
        [flag] = json.loads(flags)
        assert flag["code"] == "FLAG_SHARED_PHONE"
        assert "2 applications" in flag["text"]["en"]
    # Both keys are stored as hashes; the officer sees only the masked number.
    rows = await pool.fetch("SELECT key_hash, masked FROM identifier_keys WHERE kind = 'phone'")
    assert len({bytes(r["key_hash"]) for r in rows}) == 1
    assert {r["masked"] for r in rows} == {"+62813******" + first_person["phone"][-2:]}
    stored_texts = " ".join(
        str(v) for r in await pool.fetch("SELECT * FROM identifier_keys") for v in r.values()
    )
    assert first_person["phone"][1:] not in stored_texts


async def test_the_running_service_flags_both_holders_of_a_shared_phone(
    local_stack: Stack, kit: Any
) -> None:
    async with kit.running_documents(
        local_stack, "documents_sharing_test", sharing_thresholds=PHONE_TWICE
    ) as documents:
        first_person, second_person, other = kit.applicant(), kit.applicant(), kit.applicant()
        second_person["phone"] = first_person["phone"]
        # Nobody answers the agency checks here: the first stays undecided (checking).
        ids = await asyncio.gather(
            documents.submit(kit.placement_form(applicant=first_person)),
            documents.submit(kit.placement_form(applicant=second_person)),
            documents.submit(kit.placement_form(applicant=other)),
        )
        for application_id in ids[:2]:
            await documents.wait_status(application_id, "under_review")
            event = await documents.wait_event(application_id, ApplicationFlagged)
            assert event.flag_codes == ("FLAG_SHARED_PHONE",)
        await documents.wait_status(ids[2], "checking")
        assert await documents.events(ids[2], ApplicationFlagged) == []


async def test_a_placement_and_a_kur_loan_of_one_worker_are_not_matched(
    local_stack: Stack, kit: Any
) -> None:
    async with kit.running_documents(local_stack, "documents_kinds_test") as documents:
        person = kit.applicant()
        loan = {
            "kind": "kur_loan",
            "applicant": person,
            "credit": {"product": "placement", "amount_idr": 20_000_000, "tenor_months": 12},
        }
        loan_id = await documents.submit(loan)
        await documents.wait_status(loan_id, "checking")
        placement_id = await documents.submit(kit.placement_form(applicant=person))
        await documents.wait_status(placement_id, "checking")
        kinds = await documents.pool.fetch("SELECT DISTINCT application_id FROM identifier_keys")
        assert [r["application_id"] for r in kinds] == [placement_id]
