"""Loans for a worker's family and for returnees, over the real broker and database.

Documents, credit and the built-in responders of every agency (the bank included) run
in-process; applications enter through `POST /applications`, the forms from the demo's
sample generator. A family member names the worker by the tracking code of the worker's
placement application and the worker's birth date; credit and the bank see only the
worker's pseudonym. Outcomes are read from Kafka and from credit's own tables.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sentra_agencies.app import AgenciesSettings
from sentra_agencies.app import create_app as create_agencies
from sentra_credit.app import create_app as create_credit
from sentra_credit.config import CreditSettings
from sentra_documents.app import create_app as create_documents
from sentra_documents.config import DocumentsSettings
from sentra_documents.domain.intake import worker_ref
from sentra_documents.licences import SAMPLE_FILE, load_licences
from sentra_local.licences import sample_licences
from sentra_local.samples import Path, family_loan_form, sample_cases
from sentra_local.stack import SERVICES, Stack, database_name
from sentra_local.testing import EventRecorder, serving
from sentra_shared import clock
from sentra_shared.envelope import encode, headers_for
from sentra_shared.events import (
    CREDIT_TOPIC,
    DOCUMENTS_TOPIC,
    Agency,
    ApplicationKind,
    BankCheckRequested,
    BankLoanRequested,
    Borrower,
    CreditOutcome,
    CreditRequest,
    CreditScreened,
    DocumentsRejected,
    DocumentsVerified,
    LoanDecided,
    LoanOutcome,
    requests_topic,
)
from sentra_shared.kafka_login import KafkaLogin


@dataclass
class Centre:
    documents: str
    credit_db: str
    pseudonym_key: bytes
    events: EventRecorder  # documents' and credit's streams
    bank: EventRecorder  # what the bank was asked
    admin: KafkaLogin
    today: date


@pytest.fixture(scope="module")
async def centre(local_stack: Stack) -> AsyncIterator[Centre]:
    await local_stack.postgres.recreate_databases(
        [database_name(s, local_stack.database_suffix) for s in SERVICES]
    )
    settings = DocumentsSettings(
        database_url=local_stack.database_url("documents"),
        consumer_group="sentra-documents.family-loans-documents",
        http_port=0,
        **local_stack.kafka_settings("documents"),
    )
    documents = create_documents(settings)
    credit = create_credit(
        CreditSettings(
            database_url=local_stack.database_url("credit"),
            consumer_group="sentra-credit.family-loans-credit",
            http_port=0,
            **local_stack.kafka_settings("credit"),
        )
    )
    agencies = create_agencies(
        AgenciesSettings(
            **local_stack.kafka_settings("responders"),
            http_port=0,
            group_id="sentra-builtin-agencies.family-loans",
        )
    )
    async with AsyncExitStack() as running:
        url = await running.enter_async_context(serving(documents))
        await running.enter_async_context(serving(credit))
        await running.enter_async_context(serving(agencies))
        conn = await asyncpg.connect(local_stack.database_url("documents"))
        try:
            await load_licences(conn, SAMPLE_FILE)
        finally:
            await conn.close()
        admin = local_stack.kafka.admin
        events = await running.enter_async_context(
            EventRecorder(admin, DOCUMENTS_TOPIC, CREDIT_TOPIC)
        )
        bank = await running.enter_async_context(EventRecorder(admin, requests_topic(Agency.BANK)))
        yield Centre(
            url,
            local_stack.database_url("credit"),
            settings.pseudonym_key.get_secret_value().encode(),
            events,
            bank,
            admin,
            clock.now().date(),
        )


def sample(centre: Centre, path: Path, seed: int) -> dict[str, Any]:
    [case] = sample_cases(1, centre.today, sample_licences(centre.today), seed, (path,))
    return case.form


async def post(centre: Centre, form: dict[str, Any]) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(f"{centre.documents}/applications", json=form)


async def submit(centre: Centre, form: dict[str, Any]) -> tuple[str, str]:
    response = await post(centre, form)
    assert response.status_code == 202, response.text
    body = response.json()
    return str(body["application_id"]), str(body["tracking_code"])


async def credit_tables_text(centre: Centre) -> str:
    """Every row of every table of credit's database, as text."""
    conn = await asyncpg.connect(centre.credit_db)
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        rows = []
        for table in tables:
            name = table["tablename"]
            rows += [r[0] for r in await conn.fetch(f'SELECT t::text FROM "{name}" t')]
        return "\n".join(rows)
    finally:
        await conn.close()


async def loan_case(centre: Centre, application_id: str) -> asyncpg.Record:
    conn = await asyncpg.connect(centre.credit_db)
    try:
        row = await conn.fetchrow(
            "SELECT * FROM loan_cases WHERE application_id = $1::uuid", application_id
        )
        assert row is not None
        return row
    finally:
        await conn.close()


async def verified_worker(centre: Centre, seed: int) -> tuple[dict[str, Any], str]:
    """A worker whose placement documents are verified: the form and its tracking code."""
    form = sample(centre, Path.PLACEMENT_ELIGIBLE, seed)
    application_id, code = await submit(centre, form)
    await centre.events.first(application_id, DocumentsVerified, within=60)
    return form, code


async def test_a_family_member_borrows_naming_the_worker_abroad(centre: Centre) -> None:
    worker, code = await verified_worker(centre, seed=41)
    worker_nik = worker["applicant"]["nik"]
    born = date.fromisoformat(worker["applicant"]["date_of_birth"])
    form = family_loan_form(random.Random(41), centre.today, code, born, worker_nik[:4])
    amount = form["credit"]["amount_idr"]
    application_id, _ = await submit(centre, form)

    pseudonym = worker_ref(worker_nik, centre.pseudonym_key)
    verified = await centre.events.first(application_id, DocumentsVerified, within=60)
    request = verified.credit_request
    assert request is not None
    assert (request.borrower_role, request.scheme, request.product) == ("family", "kur", "micro")
    assert request.worker_ref == pseudonym
    # The family member's own identity goes to the bank for SLIK; the worker's never.
    assert request.borrower is not None and request.borrower.nik == form["applicant"]["nik"]

    check = await centre.bank.first(application_id, BankCheckRequested)
    assert check.nik == form["applicant"]["nik"]
    screened = await centre.events.first(application_id, CreditScreened)
    assert screened.outcome is CreditOutcome.APPROVED and screened.reasons == ()
    assert (screened.borrower_role, screened.scheme, screened.amount_idr) == (
        "family",
        "kur",
        amount,
    )
    loan = await centre.bank.first(application_id, BankLoanRequested)
    assert (loan.borrower_role, loan.scheme, loan.product, loan.screening) == (
        "family",
        "kur",
        "micro",
        "approved",
    )
    assert loan.worker_ref == pseudonym
    decided = await centre.events.first(application_id, LoanDecided)
    assert decided.outcome is LoanOutcome.DISBURSED
    assert decided.amount_disbursed_idr == amount

    case = await loan_case(centre, application_id)
    assert (case["borrower_role"], case["scheme"], case["worker_ref"], case["stage"]) == (
        "family",
        "kur",
        pseudonym,
        "closed",
    )
    assert case["loan_outcome"] == "disbursed"
    # The worker's NIK is nowhere in what credit received, published or keeps.
    for event in [*centre.events.events, *centre.bank.events]:
        if str(event.application_id) == application_id:
            assert worker_nik not in event.model_dump_json()
    assert worker_nik not in await credit_tables_text(centre)


async def test_a_returnee_borrows_under_the_regional_programme(centre: Centre) -> None:
    form = sample(centre, Path.KUR_RETURNEE_REGIONAL, seed=42)
    amount = form["credit"]["amount_idr"]
    assert amount <= 50_000_000  # the programme's ceiling
    application_id, _ = await submit(centre, form)

    screened = await centre.events.first(application_id, CreditScreened, within=60)
    assert screened.outcome is CreditOutcome.APPROVED and screened.reasons == ()
    assert (screened.borrower_role, screened.scheme) == ("returnee", "regional")
    loan = await centre.bank.first(application_id, BankLoanRequested)
    assert (loan.borrower_role, loan.scheme, loan.worker_ref, loan.amount_idr) == (
        "returnee",
        "regional",
        None,
        amount,
    )
    decided = await centre.events.first(application_id, LoanDecided)
    assert decided.outcome is LoanOutcome.DISBURSED
    assert decided.amount_disbursed_idr == amount
    case = await loan_case(centre, application_id)
    assert (case["borrower_role"], case["scheme"], case["product"]) == (
        "returnee",
        "regional",
        "micro",
    )
    assert case["loan_outcome"] == "disbursed"


async def test_a_family_loan_naming_nobody_or_an_unplaced_worker_is_rejected(
    centre: Centre,
) -> None:
    born = date(1995, 8, 17)
    unknown = family_loan_form(random.Random(43), centre.today, "7K3QD-9XWM2", born, "3301")
    unknown_id, _ = await submit(centre, unknown)

    rejected = await centre.events.first(unknown_id, DocumentsRejected, within=60)
    assert [r.code for r in rejected.reasons] == ["WORKER_REFERENCE_UNKNOWN"]
    assert "tracking code" in rejected.reasons[0].text.en
    assert centre.events.of(unknown_id, DocumentsVerified) == []

    # A worker whose placement was rejected is not cleared to go abroad.
    worker = sample(centre, Path.PLACEMENT_MISSING_DOCUMENTS, seed=44)
    worker_id, code = await submit(centre, worker)
    await centre.events.first(worker_id, DocumentsRejected, within=60)
    worker_born = date.fromisoformat(worker["applicant"]["date_of_birth"])
    unplaced = family_loan_form(random.Random(44), centre.today, code, worker_born, "3302")
    unplaced_id, _ = await submit(centre, unplaced)
    rejected = await centre.events.first(unplaced_id, DocumentsRejected, within=60)
    assert [r.code for r in rejected.reasons] == ["WORKER_NOT_PLACED"]

    # The right code with another birth date finds nobody either.
    wrong_birth = family_loan_form(
        random.Random(45), centre.today, code, worker_born + timedelta(days=1), "3302"
    )
    wrong_id, _ = await submit(centre, wrong_birth)
    rejected = await centre.events.first(wrong_id, DocumentsRejected, within=60)
    assert [r.code for r in rejected.reasons] == ["WORKER_REFERENCE_UNKNOWN"]


async def test_a_returnee_asking_for_the_placement_loan_is_refused(centre: Centre) -> None:
    form = sample(centre, Path.KUR_RETURNEE_REGIONAL, seed=46)
    form["credit"].update(product="placement", scheme="kur", contract_months=36)
    # The intake form says so at once.
    response = await post(centre, form)
    assert response.status_code == 422
    assert "the placement product is the worker's own" in response.text

    # Credit does not rely on it: a verified request of that shape is rejected by the
    # rules, after the same SLIK check, with the reason.
    application_id = uuid.uuid4()
    applicant = form["applicant"]
    verified = DocumentsVerified(
        application_id=application_id,
        occurred_at=clock.now(),
        kind=ApplicationKind.KUR_LOAN,
        credit_request=CreditRequest(
            product="placement",
            amount_idr=30_000_000,
            tenor_months=24,
            contract_months=36,
            has_npwp=True,
            borrower=Borrower(
                nik=applicant["nik"],
                full_name=applicant["full_name"],
                date_of_birth=date.fromisoformat(applicant["date_of_birth"]),
            ),
            borrower_role="returnee",
            returned_on=centre.today - timedelta(days=90),
        ),
    )
    producer = AIOKafkaProducer(**centre.admin.aiokafka())
    await producer.start()
    try:
        await producer.send_and_wait(
            verified.topic,
            encode(verified),
            key=verified.key,
            headers=[(k, v.encode()) for k, v in headers_for(verified).items()],
        )
    finally:
        await producer.stop()

    await centre.bank.first(application_id, BankCheckRequested)
    screened = await centre.events.first(application_id, CreditScreened)
    assert screened.outcome is CreditOutcome.REJECTED
    assert [r.code for r in screened.reasons] == ["ROLE_NOT_ELIGIBLE"]
    assert "returnee" in screened.reasons[0].text.en
    assert "only for: worker" in screened.reasons[0].text.en
    assert screened.borrower_role == "returnee" and screened.bank_decision_due is None
    assert centre.bank.of(application_id, BankLoanRequested) == []
    case = await loan_case(centre, str(application_id))
    assert (case["stage"], case["screening_outcome"], case["borrower_role"]) == (
        "closed",
        "rejected",
        "returnee",
    )
