"""Consultations (package 4) over the real broker and database: a question asked over
HTTP, routed to its desk, answered by the desk's built-in responder, or left unanswered
until the deadline is overdue and escalated to the desk's supervisor.

The empowerment service and the desks' built-in responders run in-process; the outcome
is read from Kafka (empowerment's stream, the oversight escalations, a desk's requests)
and from the consultation as `GET /consultations/{id}` shows it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sentra_agencies.app import AgenciesSettings
from sentra_agencies.app import create_app as create_agencies
from sentra_agencies.rules import DESK_ADVICE
from sentra_empowerment.app import create_app as create_empowerment
from sentra_empowerment.config import EmpowermentSettings
from sentra_local.empowerment_samples import business_form
from sentra_local.stack import Stack
from sentra_local.testing import EventRecorder as Recorder
from sentra_local.testing import serving, wait_until
from sentra_shared import clock
from sentra_shared.calendar import DayKind, indonesian_calendar
from sentra_shared.deadlines import agency_terms
from sentra_shared.envelope import encode, headers_for
from sentra_shared.events import (
    DESK_EXCHANGES,
    EMPOWERMENT_TOPIC,
    ESCALATIONS_TOPIC,
    Agency,
    CheckOutcome,
    ConsultationAnswered,
    ConsultationReceived,
    EmpowermentDeadlineEscalated,
    EmpowermentDeadlineOverdue,
    EmpowermentStep,
    PlacementDeskConsultationReplied,
    PlacementDeskConsultationRequested,
    ProductDeskConsultationRequested,
    RefundDeskConsultationRequested,
    requests_topic,
)
from sentra_shared.kafka_login import KafkaLogin
from sentra_shared.runtime import ServiceRuntime

CALENDAR = indonesian_calendar()
DATABASE = "empowerment_consultations_e2e"
DESKS = tuple(DESK_EXCHANGES)


@dataclass
class Consultations:
    url: str
    runtime: ServiceRuntime
    database: str
    events: Recorder  # empowerment's stream and the oversight escalations
    desk_requests: Recorder  # what the desks were asked
    kafka: KafkaLogin  # the super user, to play a desk that answers late

    async def ask(self, body: dict[str, Any]) -> tuple[str, str]:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(f"{self.url}/consultations", json=body)
        assert response.status_code == 202, response.text
        return response.json()["consultation_id"], response.json()["tracking_code"]

    async def shown(self, consultation_id: str) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(f"{self.url}/consultations/{consultation_id}")
        assert response.status_code == 200, response.text
        shown: dict[str, Any] = response.json()
        return shown

    async def audit(self, consultation_id: str) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.database)
        try:
            return await conn.fetch(
                "SELECT decision, actor, reasons::text FROM audit_log"
                " WHERE application_id = $1::uuid ORDER BY id",
                consultation_id,
            )
        finally:
            await conn.close()

    async def row(self, consultation_id: str) -> asyncpg.Record:
        conn = await asyncpg.connect(self.database)
        try:
            row = await conn.fetchrow(
                "SELECT * FROM consultations WHERE consultation_id = $1::uuid", consultation_id
            )
        finally:
            await conn.close()
        assert row is not None
        return row


@pytest.fixture(scope="module")
async def consultations(local_stack: Stack) -> AsyncIterator[Consultations]:
    await local_stack.postgres.recreate_databases([DATABASE])
    database = local_stack.postgres.dsn(DATABASE)
    empowerment = create_empowerment(
        EmpowermentSettings(
            database_url=database,
            **local_stack.kafka_settings("empowerment"),
            http_port=0,
            consumer_group=f"sentra-empowerment.consultations-{uuid.uuid4().hex[:8]}",
            deadline_poll_interval_s=0.2,
            outbox_poll_interval_s=0.2,
        )
    )
    # The desks only: the built-in responders answer with each desk's standing advice.
    desks = create_agencies(
        AgenciesSettings(
            **local_stack.kafka_settings("responders"),
            http_port=0,
            only=DESKS,
            group_id=f"sentra-builtin-agencies.consultations-{uuid.uuid4().hex[:8]}",
        )
    )
    async with AsyncExitStack() as running:
        url = await running.enter_async_context(serving(empowerment))
        await running.enter_async_context(serving(desks))
        events = Recorder(local_stack.kafka.admin, EMPOWERMENT_TOPIC, ESCALATIONS_TOPIC)
        desk_requests = Recorder(local_stack.kafka.admin, *(requests_topic(d) for d in DESKS))
        for recorder in (events, desk_requests):
            await recorder.start()
            running.push_async_callback(recorder.stop)
        yield Consultations(
            url, empowerment.state.runtime, database, events, desk_requests, local_stack.kafka.admin
        )


def question(subject: str, text: str, **asker: Any) -> dict[str, Any]:
    return {
        "asker": {
            "role": "worker",
            "date_of_birth": "1992-06-15",
            "phone": "+6281299990001",
            "channels": ["sms"],
            "language": "id",
            **asker,
        },
        "subject": subject,
        "question": text,
    }


async def test_a_question_is_answered_by_its_desk_and_the_answer_is_published(
    consultations: Consultations,
) -> None:
    consultation_id, code = await consultations.ask(
        question(
            "refund",
            "When can I still claim my EPS insurance after coming home?",
            role="family",
            language="en",
        )
    )

    received = await consultations.events.first(consultation_id, ConsultationReceived)
    assert (received.subject, received.desk, received.asker_role) == (
        "refund",
        "refund_desk",
        "family",
    )
    assert received.contact.tracking_code == code and received.contact.language == "en"
    due = CALENDAR.due_at(received.occurred_at, 3, DayKind.WORKING)
    assert received.answer_due == due
    asked = await consultations.desk_requests.first(
        consultation_id, RefundDeskConsultationRequested
    )
    assert asked.question == "When can I still claim my EPS insurance after coming home?"

    answered = await consultations.events.first(consultation_id, ConsultationAnswered)
    assert answered.desk == "refund_desk"
    assert answered.answer == DESK_ADVICE["refund"][1]  # the desk's advice, in English
    assert answered.answered_late is False
    shown = await consultations.shown(consultation_id)
    assert (shown["status"], shown["answer"], shown["desk"]) == (
        "answered",
        DESK_ADVICE["refund"][1],
        "refund_desk",
    )
    assert datetime.fromisoformat(shown["answer_due"]) == due
    assert consultations.events.of(consultation_id, EmpowermentDeadlineOverdue) == []


async def test_a_product_question_about_a_listed_business_goes_to_the_product_desk(
    consultations: Consultations,
) -> None:
    form = business_form("Keripik Tempe Bu Siti", "listing_and_contact")
    async with httpx.AsyncClient(timeout=10) as client:
        registered = await client.post(f"{consultations.url}/businesses", json=form)
    assert registered.status_code == 202, registered.text
    business_id = uuid.UUID(registered.json()["business_id"])
    body = question("product", "Apakah keripik bisa dikirim ke Jakarta?", role="buyer")
    consultation_id, _ = await consultations.ask({**body, "business_id": str(business_id)})

    asked = await consultations.desk_requests.first(
        consultation_id, ProductDeskConsultationRequested
    )
    assert (asked.business_name, asked.asker_role, asked.subject) == (
        "Keripik Tempe Bu Siti",
        "buyer",
        "product",
    )
    answered = await consultations.events.first(consultation_id, ConsultationAnswered)
    assert (answered.desk, answered.answer) == ("product_desk", DESK_ADVICE["product"][0])
    assert (await consultations.row(consultation_id))["business_id"] == business_id


async def test_an_unanswered_question_is_overdue_then_escalated_and_a_late_answer_still_counts(
    consultations: Consultations,
) -> None:
    terms = agency_terms()[Agency.PLACEMENT_DESK]
    assert (terms.days, terms.escalate_after_days, terms.supervisor) == (3, 3, "BP2MI / KP2MI")
    scheduler = consultations.runtime.scheduler
    with clock.installed(clock.ManualClock()) as manual:
        assert isinstance(manual, clock.ManualClock)
        consultation_id, _ = await consultations.ask(
            question("placement", "Berapa biaya resmi ke Taiwan? UNANSWERED")
        )
        asked = await consultations.desk_requests.first(
            consultation_id, PlacementDeskConsultationRequested
        )
        due_at = CALENDAR.due_at(asked.occurred_at, 3, DayKind.WORKING)
        escalate_at = CALENDAR.due_at(asked.occurred_at, 6, DayKind.WORKING)

        manual.advance(due_at - manual.now() - timedelta(minutes=1))
        await scheduler.fire_due()
        assert consultations.events.of(consultation_id, EmpowermentDeadlineOverdue) == []

        manual.advance(due_at - manual.now() + timedelta(minutes=1))
        overdue = await consultations.events.first(consultation_id, EmpowermentDeadlineOverdue)
        assert (overdue.step, overdue.party, overdue.request_id) == (
            EmpowermentStep.CONSULTATION_ANSWER,
            "placement_desk",
            asked.event_id,
        )
        assert (overdue.requested_at, overdue.due_at) == (asked.occurred_at, due_at)
        assert (await consultations.shown(consultation_id))["status"] == "awaiting_answer"
        await scheduler.fire_due()
        assert consultations.events.of(consultation_id, EmpowermentDeadlineEscalated) == []

        manual.advance(escalate_at - manual.now() + timedelta(minutes=1))
        escalated = await consultations.events.first(consultation_id, EmpowermentDeadlineEscalated)
        assert escalated.topic == ESCALATIONS_TOPIC
        assert escalated.supervisor == "BP2MI / KP2MI"
        assert (escalated.step, escalated.request_id) == (
            EmpowermentStep.CONSULTATION_ANSWER,
            asked.event_id,
        )
        assert (escalated.due_at, escalated.escalated_for_at) == (due_at, escalate_at)

        async def marked() -> bool:
            return (await consultations.row(consultation_id))["escalated_at"] is not None

        await wait_until(marked, within=30)
        # The escalation is in the audit log, in the scheduler's name.
        audited = await consultations.audit(consultation_id)
        assert [(r["decision"], r["actor"]) for r in audited] == [
            ("deadline.escalated", "scheduler")
        ]
        assert "placement_desk" in audited[0]["reasons"]
        shown = await consultations.shown(consultation_id)
        assert (shown["status"], shown["answer"]) == ("escalated", None)

        # The desk answers at last: recorded and published, marked late.
        late = PlacementDeskConsultationReplied(
            application_id=uuid.UUID(consultation_id),
            occurred_at=manual.now(),
            request_id=asked.event_id,
            outcome=CheckOutcome.PASSED,
            answer="Biaya resmi ke Taiwan tercantum dalam struktur biaya BP2MI.",
        )
        producer = AIOKafkaProducer(**consultations.kafka.aiokafka())
        await producer.start()
        try:
            await producer.send_and_wait(
                late.topic,
                encode(late),
                key=late.key,
                headers=[(k, v.encode()) for k, v in headers_for(late).items()],
            )
        finally:
            await producer.stop()
        answered = await consultations.events.first(consultation_id, ConsultationAnswered)
        assert answered.answer == late.answer and answered.answered_late is True
        row = await consultations.row(consultation_id)
        assert (row["answered_late"], row["reply_outcome"]) == (True, "passed")
        assert row["escalated_at"] is not None
        shown = await consultations.shown(consultation_id)
        assert (shown["status"], shown["answer"]) == ("answered", late.answer)
        assert len(consultations.events.of(consultation_id, EmpowermentDeadlineEscalated)) == 1
