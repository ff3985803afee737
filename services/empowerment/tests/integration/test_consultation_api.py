"""`POST /consultations` and `GET /consultations/{id}` against the running empowerment
service (real PostgreSQL and Kafka): what one request stores and sends in its
transaction, what it refuses, and a desk's failed reply as the asker is told it."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sentra_empowerment.app import create_app
from sentra_empowerment.config import EmpowermentSettings
from sentra_local.empowerment_samples import business_form
from sentra_local.stack import Stack
from sentra_local.testing import serving, wait_until
from sentra_shared.calendar import indonesian_calendar
from sentra_shared.clock import now
from sentra_shared.deadlines import agency_terms, load_deadlines
from sentra_shared.envelope import decode, encode, headers_for
from sentra_shared.events import (
    AGENCY_REASON_CODES,
    Agency,
    CheckOutcome,
    ConsultationAnswered,
    ConsultationReceived,
    CreditDeskConsultationReplied,
    CreditDeskConsultationRequested,
    EmpowermentAnswerRequested,
    Event,
    ProductDeskConsultationRequested,
)
from sentra_shared.kafka_login import KafkaLogin
from sentra_shared.reasons import Reason

pytestmark = pytest.mark.timeout(120)
E = TypeVar("E", bound=Event)
DATABASE = "empowerment_consultation_api_test"


@dataclass
class Service:
    url: str
    pool: asyncpg.Pool
    kafka: KafkaLogin

    async def post(self, body: dict[str, Any]) -> httpx.Response:
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.post(f"{self.url}/consultations", json=body)

    async def ask(self, body: dict[str, Any]) -> uuid.UUID:
        response = await self.post(body)
        assert response.status_code == 202, response.text
        return uuid.UUID(response.json()["consultation_id"])

    async def view(self, consultation_id: object) -> httpx.Response:
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.get(f"{self.url}/consultations/{consultation_id}")

    async def outbox(self, consultation_id: uuid.UUID) -> list[Event]:
        rows = await self.pool.fetch(
            "SELECT headers, payload FROM outbox WHERE key = $1 ORDER BY id",
            str(consultation_id).encode(),
        )
        return [decode(json.loads(r["headers"]), bytes(r["payload"])) for r in rows]

    async def count(self, table: str) -> int:
        return int(await self.pool.fetchval(f"SELECT count(*) FROM {table}"))

    async def send(self, event: Event) -> None:
        producer = AIOKafkaProducer(**self.kafka.aiokafka())
        await producer.start()
        try:
            await producer.send_and_wait(
                event.topic,
                value=encode(event),
                key=event.key,
                headers=[(k, v.encode()) for k, v in headers_for(event).items()],
            )
        finally:
            await producer.stop()


@pytest.fixture(scope="module")
async def service(local_stack: Stack) -> AsyncIterator[Service]:
    await local_stack.postgres.recreate_databases([DATABASE])
    app = create_app(
        EmpowermentSettings(
            database_url=local_stack.postgres.dsn(DATABASE),
            **local_stack.kafka_settings("empowerment"),
            http_port=0,
            consumer_group=f"sentra-empowerment.{DATABASE}-{uuid.uuid4().hex[:8]}",
            outbox_poll_interval_s=0.2,
            deadline_poll_interval_s=0.2,
        )
    )
    async with serving(app) as url:
        yield Service(url, app.state.runtime.pool, local_stack.kafka.admin)


def form(**changes: Any) -> dict[str, Any]:
    asker = {
        "role": "family",
        "date_of_birth": "1985-01-01",
        "phone": "+6281234567890",
        "email": None,
        "channels": ["sms"],
        "language": "id",
    }
    asker.update(changes.pop("asker", {}))
    body = {"asker": asker, "subject": "credit", "question": "Berapa bunga KUR untuk keluarga?"}
    return {**body, **changes}


async def add_business(service: Service, name: str, catalogue: str) -> uuid.UUID:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{service.url}/businesses", json=business_form(name, catalogue)
        )
    assert response.status_code == 202, response.text
    return uuid.UUID(response.json()["business_id"])


def refused(response: httpx.Response) -> list[tuple[tuple[Any, ...], str]]:
    assert response.status_code == 422, response.text
    return [(tuple(e["loc"]), e["type"]) for e in response.json()["detail"]]


async def test_a_question_is_stored_routed_and_owed_in_one_transaction(service: Service) -> None:
    response = await service.post(form())
    assert response.status_code == 202, response.text
    body = response.json()
    assert set(body) == {"consultation_id", "tracking_code"}
    consultation_id = uuid.UUID(body["consultation_id"])

    events = await service.outbox(consultation_id)
    assert [type(e).__name__ for e in events] == [
        "ConsultationReceived",
        "EmpowermentAnswerRequested",
        "CreditDeskConsultationRequested",
    ]
    received, owed, request = events
    assert isinstance(received, ConsultationReceived)
    assert isinstance(owed, EmpowermentAnswerRequested)
    assert isinstance(request, CreditDeskConsultationRequested)
    terms = agency_terms()[Agency.CREDIT_DESK]
    due = terms.due_at(received.occurred_at, indonesian_calendar())
    assert (received.asker_role, received.subject, received.desk) == (
        "family",
        "credit",
        "credit_desk",
    )
    assert received.answer_due == due
    assert received.contact.tracking_code == body["tracking_code"]
    assert (received.contact.phone, received.contact.channels) == ("+6281234567890", ("sms",))
    assert received.contact.date_of_birth == date(1985, 1, 1)
    # The desk gets the question and the asker's role, never a contact.
    assert (request.question, request.asker_role, request.language) == (
        "Berapa bunga KUR untuk keluarga?",
        "family",
        "id",
    )
    assert request.business_name is None
    assert (owed.party, owed.request_id, owed.due_at) == ("credit_desk", request.event_id, due)
    [deadline] = await load_deadlines_of(service, consultation_id)
    assert (deadline.step, deadline.supervisor) == ("consultation_answer", terms.supervisor)
    assert deadline.due_at == due

    view = await service.view(consultation_id)
    assert view.status_code == 200
    shown = view.json()
    assert shown["status"] == "awaiting_answer" and shown["answer"] is None
    assert (shown["subject"], shown["desk"]) == ("credit", "credit_desk")
    assert datetime.fromisoformat(shown["answer_due"]) == due


async def load_deadlines_of(service: Service, consultation_id: uuid.UUID) -> list[Any]:
    async with service.pool.acquire() as conn:
        return await load_deadlines(conn, consultation_id)


async def test_a_product_question_about_a_listed_business_names_it_to_the_product_desk(
    service: Service,
) -> None:
    business_id = await add_business(service, "Keripik Tempe Bu Siti", "listing")
    consultation_id = await service.ask(
        form(
            subject="product",
            question="Apakah keripik bisa dikirim ke Jakarta?",
            business_id=str(business_id),
            asker={"role": "buyer"},
        )
    )
    [request] = [
        e
        for e in await service.outbox(consultation_id)
        if isinstance(e, ProductDeskConsultationRequested)
    ]
    assert (request.business_name, request.asker_role) == ("Keripik Tempe Bu Siti", "buyer")
    stored = await service.pool.fetchval(
        "SELECT business_id FROM consultations WHERE consultation_id = $1", consultation_id
    )
    assert stored == business_id


@pytest.mark.parametrize(
    ("changes", "loc", "kind"),
    [
        ({"asker": {"role": "officer"}}, ("body", "asker", "role"), "literal_error"),
        ({"subject": "visa"}, ("body", "subject"), "literal_error"),
        ({"question": "Ok?"}, ("body", "question"), "string_too_short"),
        ({"question": "x" * 2001}, ("body", "question"), "string_too_long"),
        ({"question": "Halo\u200b apa kabar"}, ("body", "question"), "question_text"),
        ({"asker": {"phone": None}}, ("body", "asker"), "value_error"),
        ({"asker": {"channels": ["email"]}}, ("body", "asker"), "value_error"),
        (
            {"asker": {"date_of_birth": "2999-01-01"}},
            ("body", "asker", "date_of_birth"),
            "birth_date",
        ),
        ({"asker": {"date_of_birth": 0}}, ("body", "asker", "date_of_birth"), "date_type"),
        ({"asker": {"language": "jv"}}, ("body", "asker", "language"), "literal_error"),
        ({"business_id": "not-an-id"}, ("body", "business_id"), "uuid_parsing"),
        ({"extra": 1}, ("body", "extra"), "extra_forbidden"),
    ],
)
async def test_bad_input_is_refused_naming_the_field_and_stores_nothing(
    service: Service, changes: dict[str, Any], loc: tuple[Any, ...], kind: str
) -> None:
    before = await service.count("consultations"), await service.count("outbox")
    assert (loc, kind) in refused(await service.post(form(**changes)))
    assert (await service.count("consultations"), await service.count("outbox")) == before


async def test_a_business_is_named_only_in_a_product_question_about_a_listed_business(
    service: Service,
) -> None:
    listed = await add_business(service, "Batik Purna", "listing_and_contact")
    unlisted = await add_business(service, "Warung Tertutup", "none")
    before = await service.count("consultations")
    cases = [
        (form(subject="credit", business_id=str(listed)), "a business is named only"),
        (form(subject="product", business_id=str(unlisted)), "no business with this id"),
        (form(subject="product", business_id=str(uuid.uuid4())), "no business with this id"),
    ]
    for body, message in cases:
        response = await service.post(body)
        assert refused(response) == [(("body", "business_id"), "business_reference")]
        assert response.json()["detail"][0]["msg"].startswith(message)
    assert await service.count("consultations") == before


async def test_an_unknown_consultation_is_404_and_a_malformed_id_422(service: Service) -> None:
    assert (await service.view(uuid.uuid4())).status_code == 404
    assert (await service.view("nope")).status_code == 422


async def test_a_desk_that_cannot_answer_closes_the_question_with_its_reason(
    service: Service,
) -> None:
    consultation_id = await service.ask(form(asker={"language": "en"}))
    [request] = [
        e
        for e in await service.outbox(consultation_id)
        if isinstance(e, CreditDeskConsultationRequested)
    ]
    out_of_scope = AGENCY_REASON_CODES[Agency.CREDIT_DESK]["OUT_OF_SCOPE"]
    reply = CreditDeskConsultationReplied(
        application_id=consultation_id,
        occurred_at=now(),
        request_id=request.event_id,
        outcome=CheckOutcome.FAILED,
        reasons=(Reason(code="OUT_OF_SCOPE", text=out_of_scope),),
    )
    await service.send(reply)

    async def answered() -> list[ConsultationAnswered]:
        return [
            e for e in await service.outbox(consultation_id) if isinstance(e, ConsultationAnswered)
        ]

    await wait_until(answered, within=30)
    [told] = await answered()
    assert (told.desk, told.answer, told.answered_late) == ("credit_desk", out_of_scope.en, False)
    shown = (await service.view(consultation_id)).json()
    assert (shown["status"], shown["answer"]) == ("answered", out_of_scope.en)
    [deadline] = await load_deadlines_of(service, consultation_id)
    assert deadline.answered_at is not None and not deadline.breached

    # The desk then answers the same request otherwise: kept for the operator, not applied.
    changed = CreditDeskConsultationReplied(
        application_id=consultation_id,
        occurred_at=now(),
        request_id=request.event_id,
        outcome=CheckOutcome.PASSED,
        answer="Bunga KUR Mikro 6% per tahun.",
    )
    await service.send(changed)

    async def kept() -> str | None:
        found: str | None = await service.pool.fetchval(
            "SELECT kind FROM unexpected_answers WHERE event_id = $1", changed.event_id
        )
        return found

    await wait_until(kept, within=30)
    assert await kept() == "contradicts_final"
    assert len(await answered()) == 1
    assert (await service.view(consultation_id)).json()["answer"] == out_of_scope.en


async def test_a_retry_with_the_same_idempotency_key_gets_the_first_answer(
    service: Service,
) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    async with httpx.AsyncClient(timeout=10) as client:
        first = await client.post(f"{service.url}/consultations", json=form(), headers=key)
        again = await client.post(f"{service.url}/consultations", json=form(), headers=key)
        other = await client.post(
            f"{service.url}/consultations",
            json=form(question="Another question, please?"),
            headers=key,
        )
    assert first.status_code == again.status_code == 202, (first.text, again.text)
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    consultation_id = uuid.UUID(first.json()["consultation_id"])
    kinds = [type(e) for e in await service.outbox(consultation_id)]
    assert kinds.count(ConsultationReceived) == 1
    assert other.status_code == 409
    assert other.json()["detail"][0]["type"] == "idempotency_key_reused"
