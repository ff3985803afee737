"""The notifications service over real Kafka and PostgreSQL: each event told once, the
timeline's status is the newest final word, and what must not be told is not."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sentra_local.stack import Stack
from sentra_local.testing import publish, serving, wait_until
from sentra_notifications.app import create_app
from sentra_notifications.config import NotificationsSettings
from sentra_shared.calendar import WIB
from sentra_shared.events import (
    ApplicationKind,
    ApplicationReviewed,
    ApplicationSubmitted,
    CreditDeadlineEscalated,
    CreditOutcome,
    CreditScreened,
    DeadlineStep,
    DocumentsRejected,
    LoanDecided,
    LoanOutcome,
    ReviewDecision,
)
from sentra_shared.reasons import BilingualText, Reason

DB = "notifications_timeline_test"


@pytest.fixture(scope="module")
async def notifications(local_stack: Stack) -> AsyncIterator[str]:
    await local_stack.postgres.recreate_databases([DB])
    settings = NotificationsSettings(
        database_url=local_stack.postgres.dsn(DB),
        **local_stack.kafka_settings("notifications"),
        http_port=0,
        consumer_group="sentra-notifications.notifications-timeline-test",
    )
    async with serving(create_app(settings)) as url:
        yield url


async def final_timeline(url: str, application_id: uuid.UUID, entries: int) -> dict[str, Any]:
    body: dict[str, Any] = {}

    async def has_entries() -> bool:
        nonlocal body
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(f"{url}/applications/{application_id}/timeline")
        body = response.json() if response.status_code == 200 else {}
        return len(body.get("entries", [])) >= entries

    await wait_until(has_entries, within=30)
    return body


async def test_a_late_bank_decision_is_the_newest_final_word_after_an_escalation(
    notifications: str, producer: AIOKafkaProducer, local_stack: Stack
) -> None:
    app = uuid.uuid4()
    t0 = datetime.now(UTC)
    escalation = CreditDeadlineEscalated(
        application_id=app,
        occurred_at=t0 + timedelta(days=12),
        step=DeadlineStep.BANK_DECISION,
        party="bank",
        request_id=uuid.uuid4(),
        requested_at=t0 + timedelta(seconds=2),
        due_at=datetime(2026, 12, 3, tzinfo=WIB),
        supervisor="OJK",
        escalated_for_at=datetime(2026, 12, 10, tzinfo=WIB),
    )
    events = [
        ApplicationSubmitted(
            application_id=app, occurred_at=t0, kind="kur_loan", regency_code="3314"
        ),
        CreditScreened(
            application_id=app,
            occurred_at=t0 + timedelta(seconds=2),
            outcome=CreditOutcome.APPROVED,
            amount_idr=40_000_000,
            bank_decision_due=date(2026, 12, 2),
        ),
        escalation,
        LoanDecided(
            application_id=app,
            occurred_at=t0 + timedelta(days=13),
            outcome=LoanOutcome.DISBURSED,
            amount_disbursed_idr=40_000_000,
            decided_late=True,
        ),
    ]
    await publish(producer, *events)
    await publish(producer, escalation)  # redelivered: told once only

    timeline = await final_timeline(notifications, app, entries=4)
    assert [e["status"] for e in timeline["entries"]] == [
        "submitted",
        "credit_approved",
        "escalated",
        "loan_disbursed",
    ]
    assert timeline["final"] is True and timeline["status"] == "loan_disbursed"
    assert "OJK" in timeline["entries"][2]["message_en"]
    assert "Rp 40.000.000" in timeline["entries"][3]["message_id"]

    conn = await asyncpg.connect(local_stack.postgres.dsn(DB))
    try:
        notified = await conn.fetch(
            """SELECT payload FROM outbox WHERE headers->>'ce_type' LIKE '%ApplicantNotified%'
               AND convert_from(key, 'UTF8') = $1""",
            str(app),
        )
    finally:
        await conn.close()
    assert len(notified) == 4  # one per event, none for the redelivery


async def test_a_confirmed_flag_is_not_told_only_the_rejection(
    notifications: str, producer: AIOKafkaProducer
) -> None:
    app = uuid.uuid4()
    t0 = datetime.now(UTC)
    reason = Reason(
        code="REVIEW_CONFIRMED_RED_FLAGS",
        text=BilingualText(id="Datanglah ke kantor LTSA.", en="Please come to the LTSA office."),
    )
    await publish(
        producer,
        ApplicationSubmitted(
            application_id=app, occurred_at=t0, kind="placement", regency_code="3301"
        ),
        ApplicationReviewed(
            application_id=app,
            occurred_at=t0 + timedelta(minutes=1),
            kind=ApplicationKind.PLACEMENT,
            decision=ReviewDecision.CONFIRMED,
            officer_id="officer-7",
            reason="Fees paid in cash to a broker.",
        ),
        DocumentsRejected(
            application_id=app,
            occurred_at=t0 + timedelta(minutes=1),
            kind=ApplicationKind.PLACEMENT,
            reasons=(reason,),
        ),
    )
    timeline = await final_timeline(notifications, app, entries=2)
    assert [e["status"] for e in timeline["entries"]] == ["submitted", "documents_rejected"]
    assert timeline["status"] == "documents_rejected" and timeline["final"]
    told = " ".join(e["message_en"] + e["message_id"] for e in timeline["entries"])
    assert "broker" not in told and "cash" not in told
