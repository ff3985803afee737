"""Credit's paths with the test playing the bank: SLIK check, screening, referral, the
bank's decision and its deadlines, over the real broker and database.

Documents, credit and the built-in responders of every agency but the bank run
in-process; applications enter through `POST /applications`. The outcome is read from
Kafka (credit's events and the oversight escalations) and from credit's own tables.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sentra_agencies.app import AgenciesSettings
from sentra_agencies.app import create_app as create_agencies
from sentra_agencies.kit import reply_headers
from sentra_credit.app import create_app as create_credit
from sentra_credit.config import CreditSettings
from sentra_documents.app import create_app as create_documents
from sentra_documents.config import DocumentsSettings
from sentra_local.samples import nik_for
from sentra_local.stack import SERVICES, Stack, database_name
from sentra_local.testing import EventRecorder as Recorder
from sentra_local.testing import serving, wait_until
from sentra_shared import clock
from sentra_shared.calendar import WIB, DayKind, indonesian_calendar
from sentra_shared.dead_letters import ERROR_CLASS, ERROR_MESSAGE
from sentra_shared.deadlines import agency_terms
from sentra_shared.dlq_command import StoredDeadLetter, read_dead_letters
from sentra_shared.envelope import encode
from sentra_shared.events import (
    AGENCY_REASON_CODES,
    CREDIT_TOPIC,
    ESCALATIONS_TOPIC,
    Agency,
    AgencyCheckCompleted,
    BankCheckCompleted,
    BankCheckRequested,
    BankLoanDecided,
    BankLoanRequested,
    CheckOutcome,
    CreditDeadlineEscalated,
    CreditDeadlineOverdue,
    CreditOutcome,
    CreditScreened,
    DeadlineStep,
    Event,
    LoanDecided,
    LoanOutcome,
    requests_topic,
    results_topic,
)
from sentra_shared.kafka_login import KafkaLogin
from sentra_shared.reasons import BilingualText, Reason
from sentra_shared.runtime import ServiceRuntime
from sentra_shared.topics import DLQ_SUFFIX

E = TypeVar("E", bound=Event)
CALENDAR = indonesian_calendar()
BORN = date(1994, 8, 21)
# The bank's texts are its own; the codes must be from its list in the contract.
REPAYMENT_CAPACITY = Reason(
    code="REPAYMENT_CAPACITY_INSUFFICIENT",
    text=BilingualText(
        id="Kemampuan membayar kembali tidak mencukupi.",
        en="Repayment capacity is not sufficient.",
    ),
)
SLIK_LOSS = Reason(
    code="SLIK_COLLECTIBILITY_5",
    text=AGENCY_REASON_CODES[Agency.BANK]["SLIK_COLLECTIBILITY_5"],
)


class Bank(Recorder):
    """The partner bank: sees every request sent to it and answers when the test says."""

    def __init__(self, kafka: KafkaLogin) -> None:
        super().__init__(kafka, requests_topic(Agency.BANK))
        self._producer = AIOKafkaProducer(**kafka.aiokafka())

    async def start(self) -> None:
        await self._producer.start()
        await super().start()

    async def stop(self) -> None:
        await super().stop()
        await self._producer.stop()

    async def answer(
        self, request: Event, reply: AgencyCheckCompleted, value: bytes | None = None
    ) -> None:
        """Send `reply` (or, to play a faulty bank, `value` under `reply`'s headers)."""
        # The answer continues the request's trace, as a real bank's consumer does.
        headers = reply_headers(self.headers[request.event_id], reply)
        await self._producer.send_and_wait(
            reply.topic,
            encode(reply) if value is None else value,
            key=reply.key,
            headers=[(k, v.encode()) for k, v in headers.items()],
        )

    async def slik(self, request: Event, collectibility: int | None) -> None:
        bad = collectibility is not None and collectibility >= 3
        await self.answer(
            request,
            BankCheckCompleted(
                application_id=request.application_id,
                occurred_at=clock.now(),
                request_id=request.event_id,
                outcome=CheckOutcome.FAILED if bad else CheckOutcome.PASSED,
                reasons=(SLIK_LOSS,) if bad else (),
                slik_collectibility=collectibility,
            ),
        )

    async def decide(
        self, request: Event, disbursed_idr: int | None, reasons: tuple[Reason, ...] = ()
    ) -> None:
        await self.answer(
            request,
            BankLoanDecided(
                application_id=request.application_id,
                occurred_at=clock.now(),
                request_id=request.event_id,
                outcome=CheckOutcome.PASSED if disbursed_idr else CheckOutcome.FAILED,
                reasons=reasons,
                disbursed_amount_idr=disbursed_idr,
                disbursed_on=clock.now().astimezone(WIB).date() if disbursed_idr else None,
            ),
        )


@dataclass
class Paths:
    documents: str
    credit: ServiceRuntime
    credit_db: str
    bank: Bank
    events: Recorder  # credit's stream and the oversight escalations
    operator: KafkaLogin  # reads the dead letters, as sentra-dlq does


@pytest.fixture(scope="module")
async def paths(local_stack: Stack) -> AsyncIterator[Paths]:
    await local_stack.postgres.recreate_databases(
        [database_name(s, local_stack.database_suffix) for s in SERVICES]
    )
    common: dict[str, Any] = {"http_port": 0}
    documents = create_documents(
        DocumentsSettings(
            database_url=local_stack.database_url("documents"),
            **local_stack.kafka_settings("documents"),
            **common,
        )
    )
    credit = create_credit(
        CreditSettings(
            database_url=local_stack.database_url("credit"),
            deadline_poll_interval_s=0.2,
            **local_stack.kafka_settings("credit"),
            **common,
        )
    )
    # Every agency but the bank: the test is the bank.
    agencies = create_agencies(
        AgenciesSettings(
            **local_stack.kafka_settings("responders"),
            http_port=0,
            only=tuple(a for a in Agency if a is not Agency.BANK),
            group_id="sentra-builtin-agencies.credit-paths",
        )
    )
    async with AsyncExitStack() as running:
        urls = [await running.enter_async_context(serving(a)) for a in (documents, credit)]
        await running.enter_async_context(serving(agencies))
        # The test plays the bank under the bank's own principal.
        bank = Bank(local_stack.kafka.login("bank"))
        events = Recorder(local_stack.kafka.admin, CREDIT_TOPIC, ESCALATIONS_TOPIC)
        for recorder in (bank, events):
            await recorder.start()
            running.push_async_callback(recorder.stop)
        yield Paths(
            urls[0],
            credit.state.runtime,
            local_stack.database_url("credit"),
            bank,
            events,
            local_stack.kafka.login("operator"),
        )


_serials = itertools.count(101)


def kur_form(amount_idr: int) -> dict[str, Any]:
    serial = next(_serials)
    return {
        "kind": "kur_loan",
        "applicant": {
            "full_name": "Dewi Lestari",
            "nik": nik_for("3301", BORN, "F", serial),
            "date_of_birth": BORN.isoformat(),
            "sex": "F",
            "phone": f"+62812000{serial:05d}",
        },
        "credit": {
            "product": "placement",
            "amount_idr": amount_idr,
            "tenor_months": 24,
            "contract_months": 36,
            "has_npwp": True,
        },
    }


async def submit(paths: Paths, form: dict[str, Any]) -> str:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{paths.documents}/applications", json=form)
    assert response.status_code == 202, response.text
    return str(response.json()["application_id"])


async def credit_row(paths: Paths, sql: str, application_id: str) -> Any:
    conn = await asyncpg.connect(paths.credit_db)
    try:
        return await conn.fetch(sql, application_id)
    finally:
        await conn.close()


async def published_types(paths: Paths, application_id: str) -> list[str]:
    """What credit wrote to its outbox for this application, in order."""
    rows = await credit_row(
        paths,
        "SELECT headers->>'ce_type' AS type FROM outbox WHERE key = convert_to($1::text, 'UTF8')"
        " ORDER BY id",
        application_id,
    )
    return [r["type"].split(".")[3] for r in rows]


async def case_of(paths: Paths, application_id: str) -> asyncpg.Record:
    (row,) = await credit_row(
        paths, "SELECT * FROM loan_cases WHERE application_id = $1::uuid", application_id
    )
    return row


def bank_decision_due(screened_at: datetime) -> date:
    """5 working days after the screening day (WIB), public holidays and joint leave off."""
    return CALENDAR.add_working_days(screened_at.astimezone(WIB).date(), 5)


async def test_bad_slik_history_rejects_the_loan_without_referring_it(paths: Paths) -> None:
    form = kur_form(30_000_000)
    application_id = await submit(paths, form)

    check = await paths.bank.first(application_id, BankCheckRequested)
    applicant = form["applicant"]
    assert (check.nik, check.full_name, check.date_of_birth, check.amount_idr) == (
        applicant["nik"],
        applicant["full_name"],
        BORN,
        30_000_000,
    )
    await paths.bank.slik(check, collectibility=5)

    screened = await paths.events.first(application_id, CreditScreened)
    assert screened.outcome is CreditOutcome.REJECTED
    assert [r.code for r in screened.reasons] == ["SLIK_NON_PERFORMING"]
    assert screened.amount_idr == 30_000_000
    assert screened.bank_decision_due is None
    # Each request to the bank opens a wait (…AnswerRequested) that its answer closes.
    assert await published_types(paths, application_id) == [
        "CreditAnswerRequested",
        "BankCheckRequested",
        "CreditAnswerClosed",
        "CreditScreened",
    ]
    case = await case_of(paths, application_id)
    assert (case["stage"], case["slik_collectibility"], case["screening_outcome"]) == (
        "closed",
        5,
        "rejected",
    )
    assert case["borrower"] is None  # the identity is erased once the case closes


async def test_approved_loan_is_disbursed_by_the_bank(paths: Paths) -> None:
    form = kur_form(50_000_000)
    application_id = await submit(paths, form)

    check = await paths.bank.first(application_id, BankCheckRequested)
    await paths.bank.slik(check, collectibility=1)
    # A second, different answer to the same request changes nothing.
    await paths.bank.slik(check, collectibility=5)

    screened = await paths.events.first(application_id, CreditScreened)
    assert screened.outcome is CreditOutcome.APPROVED and screened.reasons == ()
    assert screened.bank_decision_due == bank_decision_due(screened.occurred_at)
    loan = await paths.bank.first(application_id, BankLoanRequested)
    assert (loan.screening, loan.amount_idr, loan.tenor_months, loan.product) == (
        "approved",
        50_000_000,
        24,
        "placement",
    )
    assert (loan.nik, loan.decision_due) == (form["applicant"]["nik"], screened.bank_decision_due)
    assert (await case_of(paths, application_id))["stage"] == "awaiting_bank"

    await paths.bank.decide(loan, disbursed_idr=50_000_000)

    decided = await paths.events.first(application_id, LoanDecided)
    assert decided.outcome is LoanOutcome.DISBURSED
    assert decided.amount_disbursed_idr == 50_000_000
    assert decided.reasons == () and decided.decided_late is False
    assert await published_types(paths, application_id) == [
        "CreditAnswerRequested",
        "BankCheckRequested",
        "CreditAnswerClosed",
        "CreditAnswerRequested",
        "CreditScreened",
        "BankLoanRequested",
        "CreditAnswerClosed",
        "LoanDecided",
    ]
    case = await case_of(paths, application_id)
    assert (case["stage"], case["loan_outcome"], case["amount_disbursed_idr"]) == (
        "closed",
        "disbursed",
        50_000_000,
    )
    assert case["slik_collectibility"] == 1 and case["borrower"] is None


async def test_approved_loan_rejected_by_the_bank_carries_its_reason(paths: Paths) -> None:
    application_id = await submit(paths, kur_form(40_000_000))
    await paths.bank.slik(await paths.bank.first(application_id, BankCheckRequested), 1)
    assert (await paths.events.first(application_id, CreditScreened)).outcome is (
        CreditOutcome.APPROVED
    )
    loan = await paths.bank.first(application_id, BankLoanRequested)

    await paths.bank.decide(loan, disbursed_idr=None, reasons=(REPAYMENT_CAPACITY,))

    decided = await paths.events.first(application_id, LoanDecided)
    assert decided.outcome is LoanOutcome.REJECTED
    assert decided.reasons == (REPAYMENT_CAPACITY,)
    assert decided.amount_disbursed_idr is None and decided.decided_late is False
    assert (await case_of(paths, application_id))["loan_outcome"] == "rejected"


async def test_no_slik_answer_is_referred_and_a_silent_rejection_is_refused(paths: Paths) -> None:
    application_id = await submit(paths, kur_form(20_000_000))
    await paths.bank.slik(await paths.bank.first(application_id, BankCheckRequested), None)

    screened = await paths.events.first(application_id, CreditScreened)
    assert screened.outcome is CreditOutcome.REFERRED
    assert [r.code for r in screened.reasons] == ["SLIK_NOT_AVAILABLE"]
    loan = await paths.bank.first(application_id, BankLoanRequested)
    assert loan.screening == "referred" and loan.reasons == screened.reasons

    # The bank rejects without giving a reason: the contract refuses such an answer, so it
    # is dead-lettered with why, and the loan keeps waiting for a real decision.
    rejection = BankLoanDecided(
        application_id=loan.application_id,
        occurred_at=clock.now(),
        request_id=loan.event_id,
        outcome=CheckOutcome.FAILED,
        reasons=(REPAYMENT_CAPACITY,),
    )
    silent = {**rejection.model_dump(mode="json"), "reasons": []}
    await paths.bank.answer(loan, rejection, json.dumps(silent).encode())

    async def dead_letters() -> list[StoredDeadLetter]:
        return [
            letter
            for letter in await read_dead_letters(paths.operator)
            if letter.topic == results_topic(Agency.BANK) + DLQ_SUFFIX
            and letter.application == str(application_id)
        ]

    await wait_until(dead_letters, within=30)
    [letter] = await dead_letters()
    assert json.loads(letter.value)["request_id"] == str(loan.event_id)
    assert letter.headers[ERROR_CLASS] == "UndecodableEvent"
    assert "BankLoanDecided.v2" in letter.headers[ERROR_MESSAGE]
    case = await case_of(paths, application_id)
    assert (case["stage"], case["loan_outcome"]) != ("closed", "rejected")
    assert paths.events.of(application_id, LoanDecided) == []

    # The bank then decides as the contract says: the rejection names its reason.
    await paths.bank.answer(loan, rejection)
    decided = await paths.events.first(application_id, LoanDecided)
    assert decided.outcome is LoanOutcome.REJECTED
    assert decided.reasons == (REPAYMENT_CAPACITY,)
    assert (await case_of(paths, application_id))["loan_outcome"] == "rejected"


async def test_silent_bank_is_overdue_then_escalated_to_ojk_and_decides_late(
    paths: Paths,
) -> None:
    terms = agency_terms()[Agency.BANK]
    assert (terms.days, terms.escalate_after_days, terms.supervisor) == (5, 5, "OJK")
    with clock.installed(clock.ManualClock()) as manual:
        assert isinstance(manual, clock.ManualClock)
        application_id = await submit(paths, kur_form(60_000_000))
        await paths.bank.slik(await paths.bank.first(application_id, BankCheckRequested), 1)
        loan = await paths.bank.first(application_id, BankLoanRequested)
        due_at = CALENDAR.due_at(loan.occurred_at, 5, DayKind.WORKING)
        escalate_at = CALENDAR.due_at(loan.occurred_at, 10, DayKind.WORKING)
        # The deadline ends with the bank's fifth working day (midnight WIB after it).
        assert due_at.astimezone(WIB).date() == loan.decision_due + timedelta(days=1)

        manual.advance(due_at - manual.now() - timedelta(minutes=1))
        await paths.credit.scheduler.fire_due()
        assert "CreditDeadlineOverdue" not in await published_types(paths, application_id)

        manual.advance(due_at - manual.now() + timedelta(minutes=1))
        overdue = await paths.events.first(application_id, CreditDeadlineOverdue)
        assert (overdue.step, overdue.party, overdue.request_id) == (
            DeadlineStep.BANK_DECISION,
            "bank",
            loan.event_id,
        )
        assert (overdue.requested_at, overdue.due_at) == (loan.occurred_at, due_at)
        await paths.credit.scheduler.fire_due()
        assert "CreditDeadlineEscalated" not in await published_types(paths, application_id)

        manual.advance(escalate_at - manual.now() + timedelta(minutes=1))
        escalated = await paths.events.first(application_id, CreditDeadlineEscalated)
        assert escalated.supervisor == "OJK"
        assert (escalated.step, escalated.request_id) == (DeadlineStep.BANK_DECISION, loan.event_id)
        assert (escalated.due_at, escalated.escalated_for_at) == (due_at, escalate_at)

        await paths.bank.decide(loan, disbursed_idr=60_000_000)

        decided = await paths.events.first(application_id, LoanDecided)
        assert decided.outcome is LoanOutcome.DISBURSED
        assert decided.amount_disbursed_idr == 60_000_000
        assert decided.decided_late is True
        assert (await case_of(paths, application_id))["decided_late"] is True
        types = await published_types(paths, application_id)
        assert types.count("CreditDeadlineOverdue") == types.count("CreditDeadlineEscalated") == 1
