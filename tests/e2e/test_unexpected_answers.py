"""No agency answer vanishes: answers that cannot be applied are kept for the operator.

Documents, credit and insurance run in-process on their own databases; the test plays
every agency, bank and insurer, and forges answers on their result topics: for an
unknown application, never asked, contradicting what was decided, answered twice. Each
is asserted as a row with its case, with the application's state unchanged, counted on
`/health` and closed by `sentra-answers resolve`. A confirmed document that expired
before the decision day rejects the placement.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sentra_credit.app import create_app as create_credit
from sentra_credit.config import CreditSettings
from sentra_documents.app import create_app as create_documents
from sentra_documents.config import DocumentsSettings
from sentra_documents.licences import SAMPLE_FILE, load_licences
from sentra_insurance.app import create_app as create_insurance
from sentra_insurance.config import InsuranceSettings
from sentra_local.samples import nik_for
from sentra_local.stack import Stack
from sentra_local.testing import group_of, publish, serving, start_at_the_end, wait_until
from sentra_shared.answers_command import main as sentra_answers
from sentra_shared.calendar import WIB
from sentra_shared.clock import now
from sentra_shared.envelope import decode
from sentra_shared.events import (
    AGENCY_EVENTS,
    Agency,
    AgencyCheckCompleted,
    AgencyCheckRequested,
    BankCheckCompleted,
    BankCheckRequested,
    BankLoanDecided,
    BankLoanRequested,
    Bp3miCheckCompleted,
    CheckOutcome,
    DocumentsRejected,
    DukcapilCheckCompleted,
    Event,
    InsurerCheckCompleted,
    InsurerCheckRequested,
    InsurerPayoutConfirmed,
    InsurerPayoutRequested,
    LoanDecided,
    RefundPaid,
)
from sentra_shared.events.agency_reasons import AGENCY_REASON_CODES
from sentra_shared.reasons import Reason

E = TypeVar("E", bound=Event)
A = TypeVar("A", bound=AgencyCheckCompleted)
SERVICES = ("documents", "credit", "insurance")
_serials = itertools.count(601)


def listed(agency: Agency, code: str) -> Reason:
    return Reason(code=code, text=AGENCY_REASON_CODES[agency][code])


@dataclass
class Service:
    name: str
    url: str
    dsn: str

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.dsn)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    async def outbox(self, application_id: uuid.UUID, kind: type[E]) -> list[E]:
        """What the service published (or is about to) for the application, in order."""
        rows = await self.fetch(
            "SELECT headers, payload FROM outbox WHERE key = $1 ORDER BY id",
            str(application_id).encode(),
        )
        decoded = [decode(json.loads(r["headers"]), bytes(r["payload"])) for r in rows]
        return [e for e in decoded if isinstance(e, kind)]

    async def request(self, application_id: uuid.UUID, kind: type[E]) -> E:
        found: list[E] = []

        async def sent() -> bool:
            found[:] = await self.outbox(application_id, kind)
            return bool(found)

        await wait_until(sent, within=30)
        return found[0]

    async def unexpected(self) -> dict[uuid.UUID, asyncpg.Record]:
        rows = await self.fetch("SELECT * FROM unexpected_answers")
        return {r["event_id"]: r for r in rows}

    async def wait_unexpected(self, *answers: Event) -> dict[uuid.UUID, asyncpg.Record]:
        ids = {a.event_id for a in answers}

        async def kept() -> bool:
            return ids <= set(await self.unexpected())

        await wait_until(kept, within=30)
        return await self.unexpected()

    async def health_count(self) -> int:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(f"{self.url}/health")
        assert response.status_code == 200, response.text  # a count is not an outage
        return int(response.json()["unexpected_answers"])


@dataclass
class Stage:
    documents: Service
    credit: Service
    insurance: Service
    producer: AIOKafkaProducer

    async def submit(self, form: dict[str, Any]) -> uuid.UUID:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(f"{self.documents.url}/applications", json=form)
        assert response.status_code == 202, response.text
        return uuid.UUID(response.json()["application_id"])

    async def answer(self, *answers: Event) -> None:
        await publish(self.producer, *answers)


@pytest.fixture(scope="module")
async def stage(local_stack: Stack) -> AsyncIterator[Stage]:
    suffix = uuid.uuid4().hex[:8]
    databases = {name: f"answers_{name}_{suffix}" for name in SERVICES}
    await local_stack.postgres.recreate_databases(list(databases.values()))
    admin = local_stack.kafka.admin
    settings: dict[str, dict[str, Any]] = {}
    for name, database in databases.items():
        group = group_of(name, database)
        # Only what this module sends: the session's other tests share the topics.
        await start_at_the_end(admin, group)
        settings[name] = {
            "database_url": local_stack.postgres.dsn(database),
            **local_stack.kafka_settings(name),
            "http_port": 0,
            "consumer_group": group,
            "outbox_poll_interval_s": 0.2,
            "deadline_poll_interval_s": 0.2,
        }
    apps = {
        "documents": create_documents(DocumentsSettings(**settings["documents"])),
        "credit": create_credit(CreditSettings(**settings["credit"])),
        "insurance": create_insurance(InsuranceSettings(**settings["insurance"])),
    }
    async with AsyncExitStack() as running:
        urls = {name: await running.enter_async_context(serving(app)) for name, app in apps.items()}
        async with apps["documents"].state.runtime.pool.acquire() as conn:
            await load_licences(conn, SAMPLE_FILE)
        producer = AIOKafkaProducer(**admin.aiokafka())
        await producer.start()
        running.push_async_callback(producer.stop)
        services = {n: Service(n, urls[n], settings[n]["database_url"]) for n in SERVICES}
        yield Stage(**services, producer=producer)


def today() -> date:
    return now().astimezone(WIB).date()


def person(born: date = date(1994, 8, 21)) -> dict[str, Any]:
    serial = next(_serials)
    return {
        "full_name": "Dewi Lestari",
        "nik": nik_for("3301", born, "F", serial),
        "date_of_birth": born.isoformat(),
        "sex": "F",
        "phone": f"+62812600{serial:05d}",
    }


def kur_form() -> dict[str, Any]:
    credit = {
        "product": "placement",
        "amount_idr": 30_000_000,
        "tenor_months": 24,
        "contract_months": 36,
        "has_npwp": True,
    }
    return {"kind": "kur_loan", "applicant": person(), "credit": credit}


def refund_form() -> dict[str, Any]:
    departure = today() - timedelta(days=200)
    refund = {
        "claim_type": "return_cost",
        "departure_date": departure.isoformat(),
        "employment_start": (departure - timedelta(days=900)).isoformat(),
        "employment_end": (departure - timedelta(days=2)).isoformat(),
        "passport_name": "DEWI LESTARI",
        "payee_account_name": "Dewi Lestari",
        "payee_account_number": "0123456789012",
        "swift_bic": "BRINIDJA",
    }
    return {"kind": "insurance_refund", "applicant": person(), "refund": refund}


def placement_form() -> dict[str, Any]:
    applicant = person()
    serial = applicant["nik"][-8:]
    kinds = (
        "ktp", "family_card", "birth_certificate_or_diploma", "marital_status_statement",
        "family_permission", "competency_certificate", "health_certificate", "passport",
        "work_visa", "placement_agreement", "work_contract", "bpjs_membership",
    )  # fmt: skip
    issued = (today() - timedelta(days=10)).isoformat()
    documents = [
        {"kind": k, "issued_on": issued} if k == "health_certificate" else {"kind": k}
        for k in kinds
    ]
    placement = {
        "destination_country": "TW",
        "job": "elderly_caregiver",
        "recruiter_licence_number": "SIP3MI-3314-0103-2023",
        "documents": documents,
        "fees": [],
        "passport_number": f"C{serial[-7:]}",
        "bank_account": f"01{serial}",
    }
    return {"kind": "placement", "applicant": applicant, "placement": placement}


def reply(request: Event, answer_type: type[A], **fields: Any) -> A:
    """The agency's answer to a request (passed unless told otherwise), with a new id."""
    fields.setdefault("outcome", CheckOutcome.PASSED)
    fields.setdefault("request_id", request.event_id)
    return answer_type(application_id=request.application_id, occurred_at=now(), **fields)


async def operator(*argv: str) -> tuple[int, str]:
    """Run `sentra-answers` as the operator would; its exit code and what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = await asyncio.to_thread(sentra_answers, list(argv))
    return code, out.getvalue()


def kinds_of(rows: dict[uuid.UUID, asyncpg.Record], *answers: Event) -> list[str]:
    return [rows[a.event_id]["kind"] for a in answers]


async def test_documents_keeps_answers_it_cannot_apply(stage: Stage) -> None:
    documents = stage.documents
    application_id = await stage.submit(kur_form())
    dukcapil = await documents.request(application_id, AgencyCheckRequested)
    assert dukcapil.agency is Agency.DUKCAPIL  # a KUR loan asks only Dukcapil
    stranger = reply(dukcapil, DukcapilCheckCompleted).model_copy(
        update={"application_id": uuid.uuid4(), "event_id": uuid.uuid4()}
    )
    # BP3MI answers a check that was never asked of it for a KUR loan.
    not_bp3mi = reply(dukcapil, Bp3miCheckCompleted)
    random_request = reply(dukcapil, DukcapilCheckCompleted, request_id=uuid.uuid4())
    await stage.answer(stranger, not_bp3mi, random_request)
    rows = await documents.wait_unexpected(stranger, not_bp3mi, random_request)
    assert kinds_of(rows, stranger, not_bp3mi, random_request) == [
        "unknown_application",
        "not_asked",
        "not_asked",
    ]
    row = rows[not_bp3mi.event_id]
    assert (row["service"], row["agency"], row["application_id"], row["request_id"]) == (
        "documents",
        "bp3mi",
        application_id,
        dukcapil.event_id,
    )
    assert row["ce_type"] == Bp3miCheckCompleted.ce_type()
    assert (row["outcome"], row["resolved_at"]) == ("passed", None)
    # Nothing was applied: the application still waits for Dukcapil's real answer.
    status = await documents.fetch(
        "SELECT status FROM applications WHERE application_id = $1", application_id
    )
    assert status[0]["status"] == "checking"
    assert await documents.health_count() == 3

    # The real answer verifies it; then Dukcapil says "not registered" under a new id, and
    # later repeats its first answer under another one.
    await stage.answer(reply(dukcapil, DukcapilCheckCompleted))
    await wait_until(lambda: _status_is(documents, application_id, "verified"), within=30)
    nik_gone = listed(Agency.DUKCAPIL, "NIK_NOT_REGISTERED")
    contradiction = reply(
        dukcapil, DukcapilCheckCompleted, outcome=CheckOutcome.FAILED, reasons=(nik_gone,)
    )
    again = reply(dukcapil, DukcapilCheckCompleted)
    await stage.answer(contradiction, again, contradiction)  # the last is a redelivery
    rows = await documents.wait_unexpected(contradiction, again)
    assert kinds_of(rows, contradiction, again) == ["contradicts_final", "answered_twice"]
    assert rows[contradiction.event_id]["reason_codes"] == '["NIK_NOT_REGISTERED"]'
    assert "NIK_NOT_REGISTERED" in rows[contradiction.event_id]["detail"]
    assert await _status_is(documents, application_id, "verified")
    assert await documents.outbox(application_id, DocumentsRejected) == []
    assert len(rows) == 5 and await documents.health_count() == 5

    code, listing = await operator("--database-url", documents.dsn, "list")
    assert code == 0 and "5 answer(s)" in listing
    assert str(contradiction.event_id) in listing and "contradicts_final" in listing
    code, shown = await operator("--database-url", documents.dsn, "show", str(again.event_id))
    assert code == 0 and "answered_twice" in shown and str(dukcapil.event_id) in shown
    code, _ = await operator(
        "--database-url", documents.dsn, "resolve", str(again.event_id),
        "--by", "ani.lestari", "--note", "Dukcapil re-sent its answer after a restart.",
    )  # fmt: skip
    assert code == 0
    assert await documents.health_count() == 4
    (resolved,) = await documents.fetch(
        "SELECT resolved_by, note, resolved_at FROM unexpected_answers WHERE event_id = $1",
        again.event_id,
    )
    assert resolved["resolved_by"] == "ani.lestari" and resolved["resolved_at"] is not None
    assert resolved["note"] == "Dukcapil re-sent its answer after a restart."
    # Resolved once: a second resolve says so; the open list no longer shows it.
    code, _ = await operator(
        "--database-url", documents.dsn, "resolve", str(again.event_id), "--by", "x", "--note", "y"
    )
    assert code == 1
    code, listing = await operator("--database-url", documents.dsn, "list")
    assert "4 answer(s)" in listing and str(again.event_id) not in listing
    code, listing = await operator("--database-url", documents.dsn, "list", "--all")
    assert "5 answer(s)" in listing and "resolved" in listing


async def _status_is(documents: Service, application_id: uuid.UUID, status: str) -> bool:
    rows = await documents.fetch(
        "SELECT status FROM applications WHERE application_id = $1", application_id
    )
    return bool(rows) and rows[0]["status"] == status


async def _verified(stage: Stage, form: dict[str, Any]) -> uuid.UUID:
    """Submit an application and pass every agency check documents asks."""
    application_id = await stage.submit(form)
    agencies = 2 if form["kind"] == "insurance_refund" else 1
    found: list[AgencyCheckRequested] = []

    async def asked() -> bool:
        found[:] = await stage.documents.outbox(application_id, AgencyCheckRequested)
        return len(found) == agencies

    await wait_until(asked, within=30)
    await stage.answer(*(reply(r, AGENCY_EVENTS[r.agency][1]) for r in found))
    await wait_until(lambda: _status_is(stage.documents, application_id, "verified"), within=30)
    return application_id


async def test_credit_keeps_bank_answers_it_cannot_apply(stage: Stage) -> None:
    credit = stage.credit
    application_id = await _verified(stage, kur_form())
    slik = await credit.request(application_id, BankCheckRequested)
    stranger = reply(slik, BankCheckCompleted, slik_collectibility=1).model_copy(
        update={"application_id": uuid.uuid4()}
    )
    # A loan decision before any loan was referred: it names the SLIK request.
    premature = reply(slik, BankLoanDecided, disbursed_amount_idr=30_000_000, disbursed_on=today())
    await stage.answer(stranger, premature)
    rows = await credit.wait_unexpected(stranger, premature)
    assert kinds_of(rows, stranger, premature) == ["unknown_application", "not_asked"]
    (case,) = await credit.fetch(
        "SELECT stage FROM loan_cases WHERE application_id = $1", application_id
    )
    assert case["stage"] == "awaiting_slik"

    await stage.answer(reply(slik, BankCheckCompleted, slik_collectibility=1))
    loan = await credit.request(application_id, BankLoanRequested)
    await stage.answer(
        reply(loan, BankLoanDecided, disbursed_amount_idr=30_000_000, disbursed_on=today())
    )
    decided = await credit.request(application_id, LoanDecided)
    assert decided.amount_disbursed_idr == 30_000_000
    # The bank then rejects the loan it disbursed, and repeats its SLIK answer.
    refusal = reply(
        loan,
        BankLoanDecided,
        outcome=CheckOutcome.FAILED,
        reasons=(listed(Agency.BANK, "REPAYMENT_CAPACITY_INSUFFICIENT"),),
    )
    slik_again = reply(slik, BankCheckCompleted, slik_collectibility=1)
    await stage.answer(refusal, slik_again)
    rows = await credit.wait_unexpected(refusal, slik_again)
    assert kinds_of(rows, refusal, slik_again) == ["contradicts_final", "answered_twice"]
    assert rows[refusal.event_id]["agency"] == "bank"
    (case,) = await credit.fetch(
        "SELECT stage, loan_outcome, amount_disbursed_idr FROM loan_cases"
        " WHERE application_id = $1",
        application_id,
    )
    assert (case["stage"], case["loan_outcome"], case["amount_disbursed_idr"]) == (
        "closed",
        "disbursed",
        30_000_000,
    )
    assert len(await credit.outbox(application_id, LoanDecided)) == 1
    assert await credit.health_count() == 4

    code, listing = await operator("--database-url", credit.dsn, "list", "--service", "credit")
    assert code == 0 and "4 answer(s)" in listing
    code, _ = await operator(
        "--database-url", credit.dsn, "resolve", str(refusal.event_id),
        "--by", "ani.lestari", "--note", "Bank confirms the disbursement stands.",
    )  # fmt: skip
    assert code == 0 and await credit.health_count() == 3


async def test_insurance_keeps_insurer_answers_it_cannot_apply(stage: Stage) -> None:
    insurance = stage.insurance
    application_id = await _verified(stage, refund_form())
    check = await insurance.request(application_id, InsurerCheckRequested)
    stranger = reply(check, InsurerCheckCompleted, amount_krw=400_000).model_copy(
        update={"application_id": uuid.uuid4()}
    )
    # A payout confirmation for a claim no payout was asked for yet.
    unasked = reply(
        check, InsurerPayoutConfirmed, paid_krw=400_000, paid_idr=4_560_000, paid_on=today()
    )
    await stage.answer(stranger, unasked)
    rows = await insurance.wait_unexpected(stranger, unasked)
    assert kinds_of(rows, stranger, unasked) == ["unknown_application", "not_asked"]
    (claim,) = await insurance.fetch(
        "SELECT status FROM claims WHERE application_id = $1", application_id
    )
    assert claim["status"] == "insurer_check"

    await stage.answer(reply(check, InsurerCheckCompleted, amount_krw=400_000))
    payout = await insurance.request(application_id, InsurerPayoutRequested)
    await stage.answer(
        reply(payout, InsurerPayoutConfirmed, paid_krw=400_000, paid_idr=4_560_000, paid_on=today())
    )
    paid = await insurance.request(application_id, RefundPaid)
    assert paid.amount_krw == 400_000
    refused = reply(
        payout,
        InsurerPayoutConfirmed,
        outcome=CheckOutcome.FAILED,
        reasons=(listed(Agency.INSURER, "PAYEE_ACCOUNT_REJECTED"),),
    )
    check_again = reply(check, InsurerCheckCompleted, amount_krw=400_000)
    await stage.answer(refused, check_again)
    rows = await insurance.wait_unexpected(refused, check_again)
    assert kinds_of(rows, refused, check_again) == ["contradicts_final", "answered_twice"]
    (claim,) = await insurance.fetch(
        "SELECT status, paid_krw FROM claims WHERE application_id = $1", application_id
    )
    assert (claim["status"], claim["paid_krw"]) == ("paid", 400_000)
    assert len(await insurance.outbox(application_id, RefundPaid)) == 1
    assert await insurance.health_count() == 4

    code, _ = await operator(
        "--database-url", insurance.dsn, "resolve", str(refused.event_id),
        "--by", "ani.lestari", "--note", "Insurer withdrew the refusal: the payment went out.",
    )  # fmt: skip
    assert code == 0 and await insurance.health_count() == 3


async def test_a_document_expired_before_the_decision_rejects_the_placement(stage: Stage) -> None:
    documents = stage.documents
    application_id = await stage.submit(placement_form())
    found: list[AgencyCheckRequested] = []

    async def asked() -> bool:
        found[:] = await documents.outbox(application_id, AgencyCheckRequested)
        return len(found) == 7

    await wait_until(asked, within=30)
    yesterday = today() - timedelta(days=1)
    await stage.answer(
        *(
            reply(
                r,
                AGENCY_EVENTS[r.agency][1],
                valid_until=yesterday if r.agency is Agency.HEALTH_FACILITY else None,
            )
            for r in found
        )
    )
    rejected = await documents.request(application_id, DocumentsRejected)
    (expired,) = rejected.reasons
    assert expired.code == "AGENCY_DOCUMENT_EXPIRED"
    assert "health_facility" in expired.text.en and yesterday.isoformat() in expired.text.en
    (check,) = await documents.fetch(
        "SELECT outcome, valid_until FROM agency_checks"
        " WHERE application_id = $1 AND agency = 'health_facility'",
        application_id,
    )
    assert (check["outcome"], check["valid_until"]) == ("passed", yesterday)
    # A passed answer that expired is not an unexpected one: it decided the application.
    assert application_id not in {
        r["application_id"] for r in (await documents.unexpected()).values()
    }
