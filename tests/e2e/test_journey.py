"""One application's journey through all four services, over the real broker and database."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sentra_agencies.app import AgenciesSettings
from sentra_agencies.app import create_app as create_agencies
from sentra_agencies.kit import reply_headers
from sentra_credit.app import create_app as create_credit
from sentra_credit.config import CreditSettings
from sentra_documents.app import create_app as create_documents
from sentra_documents.config import DocumentsSettings
from sentra_insurance.app import create_app as create_insurance
from sentra_insurance.config import InsuranceSettings
from sentra_local.processes import free_port
from sentra_local.samples import nik_for
from sentra_local.sinks import Sinks
from sentra_local.stack import SERVICES, Stack, database_name
from sentra_local.testing import serving, wait_until
from sentra_notifications.app import create_app as create_notifications
from sentra_notifications.config import NotificationsSettings
from sentra_shared import clock
from sentra_shared.calendar import WIB, indonesian_calendar
from sentra_shared.envelope import decode, decode_headers, encode
from sentra_shared.events import (
    CREDIT_TOPIC,
    Agency,
    AgencyCheckCompleted,
    BankCheckCompleted,
    BankCheckRequested,
    BankLoanDecided,
    BankLoanRequested,
    CheckOutcome,
    CreditOutcome,
    CreditScreened,
    Event,
    LoanDecided,
    LoanOutcome,
    requests_topic,
)


@dataclass
class Journey:
    documents: str
    notifications: str
    spans: InMemorySpanExporter
    credit_events: list[Event] = field(default_factory=list)


def bank_answer(request: Event) -> AgencyCheckCompleted | None:
    """The partner bank of the journey: clean SLIK history, every referred loan paid out
    in full. The same request always gets the same answer id (a repeat is a duplicate)."""
    common: dict[str, Any] = {
        "event_id": uuid.uuid5(request.event_id, "bank"),
        "application_id": request.application_id,
        "occurred_at": clock.now(),
        "request_id": request.event_id,
        "outcome": CheckOutcome.PASSED,
    }
    if isinstance(request, BankCheckRequested):
        return BankCheckCompleted(**common, slik_collectibility=1)
    if isinstance(request, BankLoanRequested):
        paid_on = clock.now().astimezone(WIB).date()
        return BankLoanDecided(
            **common, disbursed_amount_idr=request.amount_idr, disbursed_on=paid_on
        )
    return None


async def play_the_bank(consumer: AIOKafkaConsumer, producer: AIOKafkaProducer) -> None:
    async for record in consumer:
        headers = decode_headers(record.headers)
        reply = bank_answer(decode(headers, record.value))
        if reply is not None:
            # The reply continues the request's trace, as a real bank's consumer does.
            out = reply_headers(headers, reply)
            await producer.send_and_wait(
                reply.topic,
                encode(reply),
                key=reply.key,
                headers=[(k, v.encode()) for k, v in out.items()],
            )


async def record(consumer: AIOKafkaConsumer, into: list[Event]) -> None:
    async for message in consumer:
        into.append(decode(decode_headers(message.headers), message.value))


@contextlib.asynccontextmanager
async def running(task: asyncio.Task[None], *clients: Any) -> AsyncIterator[None]:
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        for client in clients:
            await client.stop()


@pytest.fixture(scope="module")
async def journey(local_stack: Stack) -> AsyncIterator[Journey]:
    await local_stack.postgres.recreate_databases(
        [database_name(s, local_stack.database_suffix) for s in SERVICES]
    )
    spans = InMemorySpanExporter()

    def common(service: str) -> dict[str, Any]:
        return {**local_stack.kafka_settings(service), "http_port": 0}

    # Where notifications sends the applicant's SMS (the journey's last hop announces it).
    sinks = Sinks(smtp_port=free_port(), http_port=free_port())
    delivery = {"smtp_host": sinks.host, "smtp_port": sinks.smtp_port, "sms_url": sinks.url,
                "sms_key": sinks.sms_key, "delivery_poll_interval_s": 0.2}  # fmt: skip
    apps = {
        "documents": create_documents(
            DocumentsSettings(
                database_url=local_stack.database_url("documents"), **common("documents")
            ),
            span_exporter=spans,
        ),
        "credit": create_credit(
            CreditSettings(database_url=local_stack.database_url("credit"), **common("credit")),
            span_exporter=spans,
        ),
        "insurance": create_insurance(
            InsuranceSettings(
                database_url=local_stack.database_url("insurance"), **common("insurance")
            ),
            span_exporter=spans,
        ),
        "notifications": create_notifications(
            NotificationsSettings(
                database_url=local_stack.database_url("notifications"),
                **common("notifications"),
                **delivery,
            ),
            span_exporter=spans,
        ),
        # The built-in agencies answer the checks documents asks for; the test is the
        # bank, so that the loan's outcome is exactly the one asserted.
        "agencies": create_agencies(
            AgenciesSettings(
                **local_stack.kafka_settings("responders"),
                http_port=0,
                only=tuple(a for a in Agency if a is not Agency.BANK),
                group_id="sentra-builtin-agencies.journey",
            )
        ),
    }
    # The test plays the bank under the bank's own principal; it reads credit's events
    # as the super user.
    bank_login, admin = (
        local_stack.kafka.login("bank").aiokafka(),
        local_stack.kafka.admin.aiokafka(),
    )
    journey = Journey("", "", spans)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(sinks)
        urls = {name: await stack.enter_async_context(serving(app)) for name, app in apps.items()}
        bank_in = AIOKafkaConsumer(
            requests_topic(Agency.BANK),
            **bank_login,
            group_id=None,
            auto_offset_reset="earliest",
        )
        bank_out = AIOKafkaProducer(**bank_login)
        credit_out = AIOKafkaConsumer(
            CREDIT_TOPIC, **admin, group_id=None, auto_offset_reset="earliest"
        )
        for client in (bank_in, bank_out, credit_out):
            await client.start()
        bank = asyncio.create_task(play_the_bank(bank_in, bank_out))
        await stack.enter_async_context(running(bank, bank_in, bank_out))
        reader = asyncio.create_task(record(credit_out, journey.credit_events))
        await stack.enter_async_context(running(reader, credit_out))
        journey.documents, journey.notifications = urls["documents"], urls["notifications"]
        yield journey


def kur_application(amount_idr: int) -> dict[str, Any]:
    born = date(1996, 3, 14)
    return {
        "kind": "kur_loan",
        "applicant": {
            "full_name": "Siti Rahayu",
            "nik": nik_for("3314", born, "F", 7),
            "date_of_birth": born.isoformat(),
            "sex": "F",
            "phone": "+6281234567890",
        },
        "credit": {
            "product": "placement",
            "amount_idr": amount_idr,
            "tenor_months": 24,
            "contract_months": 36,
            "has_npwp": True,
        },
    }


async def final_timeline(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    timeline: dict[str, Any] = {}

    async def is_final() -> bool:
        nonlocal timeline
        response = await client.get(url)
        timeline = response.json() if response.status_code == 200 else {}
        return bool(timeline.get("final"))

    await wait_until(is_final, within=30)
    return timeline


def service_of(span: ReadableSpan) -> str:
    return str(span.resource.attributes["service.name"])


async def test_kur_application_travels_through_all_services_in_one_trace(
    journey: Journey,
) -> None:
    journey.spans.clear()
    async with httpx.AsyncClient(timeout=10) as client:
        submitted = await client.post(
            f"{journey.documents}/applications", json=kur_application(50_000_000)
        )
        assert submitted.status_code == 202, submitted.text
        application_id = submitted.json()["application_id"]

        timeline = await final_timeline(
            client, f"{journey.notifications}/applications/{application_id}/timeline"
        )

    # Credit screened the loan with the bank's SLIK answer, referred it, and the bank paid
    # it out within its 5 working days.
    def credit_said(kind: type[Event]) -> list[Event]:
        return [
            e
            for e in journey.credit_events
            if isinstance(e, kind) and str(e.application_id) == application_id
        ]

    await wait_until(lambda: credit_said(LoanDecided), within=30)
    (screened,) = credit_said(CreditScreened)
    assert isinstance(screened, CreditScreened)
    assert (screened.outcome, screened.amount_idr, screened.reasons) == (
        CreditOutcome.APPROVED,
        50_000_000,
        (),
    )
    screened_on = screened.occurred_at.astimezone(WIB).date()
    assert screened.bank_decision_due == indonesian_calendar().add_working_days(screened_on, 5)
    (decided,) = credit_said(LoanDecided)
    assert isinstance(decided, LoanDecided)
    assert (decided.outcome, decided.amount_disbursed_idr, decided.decided_late) == (
        LoanOutcome.DISBURSED,
        50_000_000,
        False,
    )

    assert timeline["application_id"] == application_id
    statuses = [entry["status"] for entry in timeline["entries"]]
    assert statuses == ["submitted", "documents_verified", "credit_approved", "loan_disbursed"]
    assert timeline["status"] == "loan_disbursed" and timeline["final"]
    assert "Rp 50.000.000" in timeline["entries"][-1]["message_id"]

    # The notifications service announces the final notice last; wait for its publish.
    def notified_final() -> bool:
        return any(
            s.kind is SpanKind.PRODUCER and "sentra.notifications.events.v1" in s.name
            for s in journey.spans.get_finished_spans()
        )

    await wait_until(notified_final, within=15)

    spans = journey.spans.get_finished_spans()
    post = [
        s for s in spans if s.kind is SpanKind.SERVER and s.name.startswith("POST /applications")
    ]
    assert len(post) == 1, [s.name for s in post]
    trace_id = post[0].context.trace_id
    # The journey: the HTTP intake, every message of this application published and
    # consumed (they carry its id as conversation id), and the outbox relay steps that
    # published them. Timeline polls are separate requests with traces of their own.
    messages = [
        s for s in spans if s.attributes.get("messaging.message.conversation_id") == application_id
    ]
    message_parents = {m.parent.span_id for m in messages if m.parent}
    relays = [s for s in spans if s.name == "outbox relay" and s.context.span_id in message_parents]
    journey_spans = post + messages + relays
    assert {s.kind for s in messages} == {SpanKind.PRODUCER, SpanKind.CONSUMER}
    # documents (submitted, the Dukcapil request, verified), credit and notifications each
    # relayed at least one event.
    assert len(relays) >= 5
    # The trace runs through the agency: documents asked Dukcapil and consumed its answer
    # (the reply's traceparent continues the request's trace).
    agency_hops = {
        (s.kind, topic)
        for s in messages
        for topic in ("sentra.agency.dukcapil.requests.v1", "sentra.agency.dukcapil.results.v2")
        if topic in s.name
    }
    assert agency_hops == {
        (SpanKind.PRODUCER, "sentra.agency.dukcapil.requests.v1"),
        (SpanKind.CONSUMER, "sentra.agency.dukcapil.results.v2"),
    }
    # ... and through the bank: credit asked it (SLIK, then the loan) and consumed its answers.
    bank_hops = {
        (s.kind, topic)
        for s in messages
        for topic in ("sentra.agency.bank.requests.v1", "sentra.agency.bank.results.v2")
        if topic in s.name
    }
    assert bank_hops == {
        (SpanKind.PRODUCER, "sentra.agency.bank.requests.v1"),
        (SpanKind.CONSUMER, "sentra.agency.bank.results.v2"),
    }
    bank_answers = [s for s in messages if s.kind is SpanKind.CONSUMER and "bank.results" in s.name]
    assert len(bank_answers) == 2  # the SLIK answer and the loan decision
    assert {s.context.trace_id for s in journey_spans} == {trace_id}
    services_in_trace = {service_of(s) for s in journey_spans}
    # Insurance has no part in a loan: it reads refund claims on a topic of their own, not
    # the documents stream.
    assert services_in_trace == {
        "sentra-documents",
        "sentra-credit",
        "sentra-notifications",
    }
    # Consumers continue the producer's trace as children, not as linked new traces.
    consumers = [s for s in journey_spans if s.kind is SpanKind.CONSUMER and s.parent]
    assert consumers and all(s.parent.trace_id == trace_id for s in consumers)


async def test_rejected_documents_end_the_journey_with_reasons(journey: Journey) -> None:
    form = kur_application(20_000_000)
    # Serial 0000 exists in no NIK: the file is refused at once. (A NIK that disagrees with
    # the stated birth date is a trafficking signal instead, for an officer to judge.)
    form["applicant"]["nik"] = form["applicant"]["nik"][:12] + "0000"
    async with httpx.AsyncClient(timeout=10) as client:
        submitted = await client.post(f"{journey.documents}/applications", json=form)
        assert submitted.status_code == 202
        application_id = submitted.json()["application_id"]
        timeline = await final_timeline(
            client, f"{journey.notifications}/applications/{application_id}/timeline"
        )
    assert timeline["status"] == "documents_rejected"
    assert [e["status"] for e in timeline["entries"]] == ["submitted", "documents_rejected"]
    assert "NIK" in timeline["entries"][-1]["message_en"]


async def test_invalid_application_is_refused_with_field_errors_and_stores_nothing(
    journey: Journey, local_stack: Stack
) -> None:
    form = kur_application(20_000_000)
    form["applicant"]["nik"] = "12345"
    # The name is stored readable (identity numbers are encrypted): it finds the row if any.
    form["applicant"]["full_name"] = "Refused Wibowo"
    del form["credit"]
    async with httpx.AsyncClient(timeout=10) as client:
        refused = await client.post(f"{journey.documents}/applications", json=form)
    assert refused.status_code == 422
    problems = {tuple(error["loc"]) for error in refused.json()["detail"]}
    assert ("body", "applicant", "nik") in problems

    import asyncpg

    conn = await asyncpg.connect(local_stack.database_url("documents"))
    try:
        stored = await conn.fetchval(
            "SELECT count(*) FROM applications"
            " WHERE form->'applicant'->>'full_name' = 'Refused Wibowo'"
        )
    finally:
        await conn.close()
    assert stored == 0


async def test_unknown_application_timeline_is_404(journey: Journey) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(
            f"{journey.notifications}/applications/00000000-0000-4000-8000-000000000000/timeline"
        )
    assert response.status_code == 404
