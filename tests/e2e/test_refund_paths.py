"""EPS refund claims end to end: documents, insurance and the built-in agencies run here;
the test plays the insurer on its own topics, over the real broker and database."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi import FastAPI
from sentra_agencies.app import AgenciesSettings
from sentra_agencies.app import create_app as create_agencies
from sentra_documents.app import create_app as create_documents
from sentra_documents.config import DocumentsSettings
from sentra_insurance.app import create_app as create_insurance
from sentra_insurance.config import InsuranceSettings
from sentra_local.samples import nik_for
from sentra_local.stack import Stack, database_name
from sentra_local.testing import serving, wait_until
from sentra_shared import clock
from sentra_shared.calendar import WIB
from sentra_shared.clock import ManualClock
from sentra_shared.envelope import decode, decode_headers, encode, headers_for
from sentra_shared.events import (
    ANSWER_TO,
    Agency,
    AgencyCheckRequested,
    CheckOutcome,
    ClaimOutcome,
    DeadlineStep,
    DormantClaimReferred,
    Event,
    InsuranceDeadlineEscalated,
    InsuranceDeadlineOverdue,
    InsurerCheckRequested,
    InsurerPayoutRequested,
    RefundClaimAssessed,
    RefundPaid,
    requests_topic,
    results_topic,
)
from sentra_shared.reasons import BilingualText, Reason

E = TypeVar("E", bound=Event)

INSURANCE_EVENTS = "sentra.insurance.events.v1"
ESCALATIONS = "sentra.oversight.escalations.v1"
SUPERVISOR = "HRD Korea (EPS Center)"  # topics.toml, [agencies.insurer]
IDR_PER_KRW = 11.40  # InsuranceSettings default


@dataclass
class Insurer:
    """The test's side of the insurer's topics, plus every insurance event it sees."""

    producer: AIOKafkaProducer
    seen: list[Event] = field(default_factory=list)

    async def answer(self, request: AgencyCheckRequested, **findings: Any) -> None:
        reply = ANSWER_TO[type(request)](
            application_id=request.application_id,
            occurred_at=clock.now(),
            request_id=request.event_id,
            **findings,
        )
        headers = [(k, v.encode()) for k, v in headers_for(reply).items()]
        await self.producer.send_and_wait(
            results_topic(Agency.INSURER), encode(reply), key=reply.key, headers=headers
        )

    def of(self, application_id: uuid.UUID, event_type: type[E]) -> list[E]:
        return [
            e for e in self.seen if isinstance(e, event_type) and e.application_id == application_id
        ]

    async def next(self, application_id: uuid.UUID, event_type: type[E], within: float = 30) -> E:
        await wait_until(lambda: self.of(application_id, event_type), within=within)
        return self.of(application_id, event_type)[0]


@dataclass
class Paths:
    documents: str
    insurance: FastAPI
    insurer: Insurer
    insurance_db: str


async def _read(consumer: AIOKafkaConsumer, insurer: Insurer) -> None:
    async for record in consumer:
        insurer.seen.append(decode(decode_headers(record.headers), record.value))


@pytest.fixture(scope="module")
async def paths(local_stack: Stack) -> AsyncIterator[Paths]:
    await local_stack.postgres.recreate_databases(
        [database_name(s, local_stack.database_suffix) for s in ("documents", "insurance")]
    )
    common: dict[str, Any] = {"http_port": 0}
    insurance = create_insurance(
        InsuranceSettings(
            database_url=local_stack.database_url("insurance"),
            **local_stack.kafka_settings("insurance"),
            **common,
        )
    )
    apps = {
        "documents": create_documents(
            DocumentsSettings(
                database_url=local_stack.database_url("documents"),
                **local_stack.kafka_settings("documents"),
                **common,
            )
        ),
        "insurance": insurance,
        # Every agency but the insurer: the test is the insurer.
        "agencies": create_agencies(
            AgenciesSettings(
                **local_stack.kafka_settings("responders"),
                http_port=0,
                only=tuple(a for a in Agency if a is not Agency.INSURER),
                group_id="sentra-builtin-agencies.refund-paths",
            )
        ),
    }
    async with AsyncExitStack() as running:
        urls = {name: await running.enter_async_context(serving(app)) for name, app in apps.items()}
        producer = AIOKafkaProducer(**local_stack.kafka.admin.aiokafka())
        await producer.start()
        running.push_async_callback(producer.stop)
        topics = (requests_topic(Agency.INSURER), INSURANCE_EVENTS, ESCALATIONS)
        consumer = AIOKafkaConsumer(
            *topics,
            **local_stack.kafka.admin.aiokafka(),
            group_id=f"refund-paths-reader-{uuid.uuid4()}",
            auto_offset_reset="latest",  # only what happens from now on
        )
        await consumer.start()
        running.push_async_callback(consumer.stop)
        await wait_until(lambda: {tp.topic for tp in consumer.assignment()} == set(topics))
        for partition in consumer.assignment():
            await consumer.position(partition)  # the end, resolved before anything is sent
        insurer = Insurer(producer)
        reader = asyncio.create_task(_read(consumer, insurer))
        running.callback(reader.cancel)
        yield Paths(urls["documents"], insurance, insurer, local_stack.database_url("insurance"))


def wib_today() -> date:
    return clock.now().astimezone(WIB).date()


def end_of(day: date) -> datetime:
    """A deadline's moment: local midnight (WIB) after its last day."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=WIB)


def refund_form(serial: int, departure: date, claim_type: str = "return_cost") -> dict[str, Any]:
    """One worker per serial: a paid claim blocks a second of the same type."""
    born = date(1990, 5, 17)
    return {
        "kind": "insurance_refund",
        "applicant": {
            "full_name": "Sri Wahyuni",
            "nik": nik_for("3301", born, "F", serial),
            "date_of_birth": born.isoformat(),
            "sex": "F",
            "phone": "+6281234567001",
        },
        "refund": {
            "claim_type": claim_type,
            "departure_date": departure.isoformat(),
            "employment_start": (departure - timedelta(days=900)).isoformat(),
            "employment_end": (departure - timedelta(days=2)).isoformat(),
            "passport_name": "SRI WAHYUNI",
            "payee_account_name": "Sri Wahyuni",
            "payee_account_number": "0123456789012",
            "swift_bic": "BRINIDJA",
        },
    }


async def submit(paths: Paths, form: dict[str, Any]) -> uuid.UUID:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{paths.documents}/applications", json=form)
    assert response.status_code == 202, response.text
    return uuid.UUID(response.json()["application_id"])


async def confirmed_by_insurer(paths: Paths, application_id: uuid.UUID, **findings: Any) -> None:
    check = await paths.insurer.next(application_id, InsurerCheckRequested)
    await paths.insurer.answer(check, **findings)


async def claim_row(paths: Paths, application_id: uuid.UUID) -> asyncpg.Record:
    conn = await asyncpg.connect(paths.insurance_db)
    try:
        row = await conn.fetchrow(
            """SELECT c.status, c.outcome, c.request ? 'payee_account_number' AS keeps_account,
                      (SELECT array_agg(step ORDER BY id) FROM deadlines d
                        WHERE d.application_id = c.application_id) AS steps
               FROM claims c WHERE application_id = $1""",
            application_id,
        )
    finally:
        await conn.close()
    assert row is not None
    return row


async def test_accepted_claim_is_paid_in_krw_and_rupiah(paths: Paths) -> None:
    today = wib_today()
    departure = today - timedelta(days=100)
    application_id = await submit(paths, refund_form(101, departure))

    check = await paths.insurer.next(application_id, InsurerCheckRequested)
    assert (check.passport_name, check.date_of_birth) == ("SRI WAHYUNI", date(1990, 5, 17))
    assert (check.claim_type, check.departure_date) == ("return_cost", departure)
    await paths.insurer.answer(check, outcome=CheckOutcome.PASSED, amount_krw=400_000)

    assessed = await paths.insurer.next(application_id, RefundClaimAssessed)
    assert assessed.outcome is ClaimOutcome.ACCEPTED
    assert assessed.reasons == ()
    assert (assessed.amount_krw, assessed.amount_idr) == (400_000, 4_560_000)
    assert assessed.payout_due == today + timedelta(days=14)
    assert assessed.last_claim_day == departure.replace(year=departure.year + 3)

    payout = await paths.insurer.next(application_id, InsurerPayoutRequested)
    assert payout.amount_krw == 400_000
    assert payout.payout_due == today + timedelta(days=14)
    assert (payout.payee_account_name, payout.payee_account_number) == (
        "Sri Wahyuni",
        "0123456789012",
    )
    assert (payout.swift_bic, payout.passport_name) == ("BRINIDJA", "SRI WAHYUNI")
    assert payout.date_of_birth == date(1990, 5, 17)

    # The bank's rate on the day differs a little from Sentra's estimate: what was credited
    # is what the worker is told.
    await paths.insurer.answer(
        payout,
        outcome=CheckOutcome.PASSED,
        paid_krw=400_000,
        paid_idr=4_548_000,
        paid_on=today + timedelta(days=1),
    )
    paid = await paths.insurer.next(application_id, RefundPaid)
    assert (paid.amount_krw, paid.amount_idr) == (400_000, 4_548_000)
    assert paid.paid_on == today + timedelta(days=1)
    assert paid.paid_late is False

    row = await claim_row(paths, application_id)
    assert (row["status"], row["outcome"]) == ("paid", "accepted")
    assert row["keeps_account"] is False  # closed: the account number is no longer kept
    assert row["steps"] == ["insurer_check", "insurer_payout"]


async def test_claim_past_three_years_is_referred_to_hrd_korea_without_payout(
    paths: Paths,
) -> None:
    today = wib_today()
    departure = today - timedelta(days=4 * 365)
    last_day = departure.replace(year=departure.year + 3)
    application_id = await submit(paths, refund_form(102, departure))
    await confirmed_by_insurer(
        paths, application_id, outcome=CheckOutcome.PASSED, amount_krw=400_000
    )

    assessed = await paths.insurer.next(application_id, RefundClaimAssessed)
    assert assessed.outcome is ClaimOutcome.DORMANT
    assert assessed.amount_krw == 400_000
    assert assessed.payout_due is None
    assert [r.code for r in assessed.reasons] == ["DORMANT_WITH_HRD_KOREA"]

    referral = await paths.insurer.next(application_id, DormantClaimReferred)
    assert referral.amount_krw == 400_000
    assert referral.last_claim_day == last_day
    assert [i.code for i in referral.instructions] == [
        "DORMANT_APPLY_THROUGH_EPS_CENTER",
        "DORMANT_BRING_PASSPORT",
        "DORMANT_BRING_OWN_BANK_ACCOUNT",
        "DORMANT_STATE_EPS_INSURANCE",
        "DORMANT_CLAIMABLE_FROM",
    ]
    where, _, account, details, when = referral.instructions
    assert "HRD Korea" in where.text.en and "HRD Korea" in where.text.id
    assert "own name" in account.text.en
    assert departure.isoformat() in details.text.en and "400,000 KRW" in details.text.en
    assert (last_day + timedelta(days=1)).isoformat() in when.text.en

    row = await claim_row(paths, application_id)
    assert (row["status"], row["outcome"]) == ("dormant", "dormant")
    assert row["steps"] == ["insurer_check"]  # no payout deadline either
    assert paths.insurer.of(application_id, InsurerPayoutRequested) == []


async def test_claim_the_insurer_cannot_confirm_is_rejected_with_its_reasons(
    paths: Paths,
) -> None:
    application_id = await submit(paths, refund_form(103, wib_today() - timedelta(days=60)))
    not_found = Reason(
        code="EPS_INSURANCE_NOT_FOUND",
        text=BilingualText(id="Polis tidak ditemukan.", en="No policy found for this worker."),
    )
    await confirmed_by_insurer(
        paths, application_id, outcome=CheckOutcome.FAILED, reasons=(not_found,)
    )

    assessed = await paths.insurer.next(application_id, RefundClaimAssessed)
    assert assessed.outcome is ClaimOutcome.REJECTED
    assert assessed.reasons == (not_found,)
    assert (assessed.amount_krw, assessed.amount_idr, assessed.payout_due) == (None, None, None)
    row = await claim_row(paths, application_id)
    assert (row["status"], row["keeps_account"]) == ("rejected", False)


async def test_refused_payout_goes_to_the_supervisor_at_once(paths: Paths) -> None:
    application_id = await submit(paths, refund_form(104, wib_today() - timedelta(days=30)))
    await confirmed_by_insurer(
        paths, application_id, outcome=CheckOutcome.PASSED, amount_krw=400_000
    )
    payout = await paths.insurer.next(application_id, InsurerPayoutRequested)
    closed = Reason(
        code="PAYEE_ACCOUNT_REJECTED",
        text=BilingualText(id="Rekening ditutup.", en="The account is closed."),
    )
    await paths.insurer.answer(payout, outcome=CheckOutcome.FAILED, reasons=(closed,))

    escalated = await paths.insurer.next(application_id, InsuranceDeadlineEscalated)
    assert escalated.step is DeadlineStep.INSURER_PAYOUT
    assert (escalated.party, escalated.supervisor) == ("insurer", SUPERVISOR)
    assert escalated.request_id == payout.event_id
    assert escalated.due_at == end_of(payout.payout_due)
    assert escalated.escalated_for_at < escalated.due_at  # at once, not at a threshold
    assert paths.insurer.of(application_id, RefundPaid) == []
    row = await claim_row(paths, application_id)
    assert (row["status"], row["outcome"]) == ("payout_refused", "accepted")


async def test_unpaid_claim_is_overdue_then_escalated_to_the_supervisor(paths: Paths) -> None:
    manual = ManualClock()
    with clock.installed(manual):
        today = wib_today()
        application_id = await submit(paths, refund_form(105, today - timedelta(days=45)))
        await confirmed_by_insurer(
            paths, application_id, outcome=CheckOutcome.PASSED, amount_krw=400_000
        )
        payout = await paths.insurer.next(application_id, InsurerPayoutRequested)
        payout_due = today + timedelta(days=14)
        assert payout.payout_due == payout_due
        # The insurer never answers.

        manual.advance(timedelta(days=15))
        overdue = await paths.insurer.next(application_id, InsuranceDeadlineOverdue)
        assert overdue.step is DeadlineStep.INSURER_PAYOUT
        assert (overdue.party, overdue.request_id) == ("insurer", payout.event_id)
        assert overdue.due_at == end_of(payout_due)
        assert paths.insurer.of(application_id, InsuranceDeadlineEscalated) == []

        # 14 more calendar days (the insurer's terms) before the supervisor is told.
        manual.advance(timedelta(days=14))
        escalated = await paths.insurer.next(application_id, InsuranceDeadlineEscalated)
        assert escalated.step is DeadlineStep.INSURER_PAYOUT
        assert escalated.supervisor == SUPERVISOR
        assert escalated.request_id == payout.event_id
        assert escalated.due_at == end_of(payout_due)
        assert escalated.escalated_for_at == end_of(payout_due + timedelta(days=14))
        assert len(paths.insurer.of(application_id, InsuranceDeadlineOverdue)) == 1


async def test_one_claim_per_worker_and_type_when_two_are_confirmed_at_once(
    paths: Paths,
) -> None:
    departure = wib_today() - timedelta(days=20)
    first = await submit(paths, refund_form(106, departure))
    second = await submit(paths, refund_form(106, departure))
    checks = [await paths.insurer.next(a, InsurerCheckRequested) for a in (first, second)]
    await asyncio.gather(
        *(paths.insurer.answer(c, outcome=CheckOutcome.PASSED, amount_krw=400_000) for c in checks)
    )

    assessed = [await paths.insurer.next(a, RefundClaimAssessed) for a in (first, second)]
    outcomes = sorted(a.outcome.value for a in assessed)
    assert outcomes == ["accepted", "rejected"]
    rejected = next(a for a in assessed if a.outcome is ClaimOutcome.REJECTED)
    assert [r.code for r in rejected.reasons] == ["ALREADY_PAID"]
    accepted = next(a for a in assessed if a.outcome is ClaimOutcome.ACCEPTED)
    payout = await paths.insurer.next(accepted.application_id, InsurerPayoutRequested)
    assert payout.amount_krw == 400_000
    assert paths.insurer.of(rejected.application_id, InsurerPayoutRequested) == []
