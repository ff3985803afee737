"""Delivery over real Kafka, PostgreSQL, a real SMTP server (aiosmtpd) and the SMS gateway
sink: the right text in the applicant's language on each chosen channel, exactly once per
(application, event, channel); retries with backoff on the process clock; failure told
after the bounded attempts; a slow channel holds only itself; two workers never share a
message."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from opentelemetry.sdk.trace import TracerProvider
from sentra_local.processes import free_port
from sentra_local.sinks import Sinks
from sentra_local.stack import Stack
from sentra_local.testing import publish, serving, wait_until
from sentra_notifications.app import create_app
from sentra_notifications.config import NotificationsSettings
from sentra_notifications.delivery import DeliveryWorker, transports_from
from sentra_notifications.delivery.store import Claimed, delivery_id
from sentra_notifications.delivery.transports import Outcome, Transport, message_id
from sentra_notifications.domain import compose
from sentra_shared import clock
from sentra_shared.clock import ManualClock
from sentra_shared.events import (
    ApplicantContact,
    ApplicationKind,
    ApplicationSubmitted,
    DocumentsRejected,
    Event,
)
from sentra_shared.reasons import BilingualText, Reason
from sentra_shared.telemetry import tracer

DB = "notifications_delivery_test"
BACKOFF_BASE = timedelta(seconds=60)
MAX_ATTEMPTS = 3
LEASE = timedelta(seconds=900)  # unlike any backoff: a leased row is told from a retry


@dataclass
class Setup:
    url: str
    sinks: Sinks
    clock: ManualClock
    dsn: str
    settings: NotificationsSettings


@pytest.fixture(scope="module")
async def setup(local_stack: Stack) -> AsyncIterator[Setup]:
    await local_stack.postgres.recreate_databases([DB])
    async with Sinks(smtp_port=free_port(), http_port=free_port()) as sinks:
        settings = NotificationsSettings(
            database_url=local_stack.postgres.dsn(DB),
            **local_stack.kafka_settings("notifications"),
            http_port=0,
            consumer_group="sentra-notifications.notifications-delivery-test",
            smtp_host=sinks.host,
            smtp_port=sinks.smtp_port,
            sms_url=sinks.url,
            sms_key=sinks.sms_key,
            delivery_max_attempts=MAX_ATTEMPTS,
            delivery_backoff_base_s=BACKOFF_BASE.total_seconds(),
            delivery_backoff_cap_s=600,
            delivery_poll_interval_s=0.1,
            delivery_concurrency=4,
            delivery_lease_s=LEASE.total_seconds(),
        )
        with clock.installed(ManualClock()) as manual:
            assert isinstance(manual, ManualClock)
            async with serving(create_app(settings)) as url:
                yield Setup(url, sinks, manual, settings.database_url, settings)


@pytest.fixture(autouse=True)
def calm_sinks(setup: Setup) -> None:
    setup.sinks.sms_mode.__init__()  # type: ignore[misc]
    setup.sinks.smtp_mode.__init__()  # type: ignore[misc]


def submitted(
    language: str = "id", channels: tuple[str, ...] = ("sms",)
) -> tuple[ApplicationSubmitted, str, str]:
    """A submission with its own phone number and email address."""
    app = uuid.uuid4()
    phone = f"+628{app.int % 10**10:010d}"
    email = f"pmi-{app.hex[:10]}@example.id"
    event = ApplicationSubmitted(
        application_id=app,
        occurred_at=datetime.now(UTC),
        kind=ApplicationKind.KUR_LOAN,
        regency_code="3314",
        contact=ApplicantContact.model_validate(
            {
                "language": language,
                "channels": channels,
                "phone": phone,
                "email": email,
                "tracking_code": app.hex[:12].upper(),
                "date_of_birth": "1996-03-14",
            }
        ),
    )
    return event, phone, email


def rejected(app: uuid.UUID) -> DocumentsRejected:
    reason = Reason(
        code="NIK_INVALID",
        text=BilingualText(id="NIK tidak sah.", en="The NIK is not valid."),
    )
    return DocumentsRejected(
        application_id=app,
        occurred_at=datetime.now(UTC) + timedelta(seconds=1),
        kind=ApplicationKind.KUR_LOAN,
        reasons=(reason,),
    )


async def rows(dsn: str, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def delivery(dsn: str, event: Event, channel: str) -> asyncpg.Record | None:
    found = await rows(
        dsn,
        "SELECT * FROM deliveries WHERE id = $1",
        delivery_id(event.event_id, channel),  # type: ignore[arg-type]
    )
    return found[0] if found else None


async def attempt_done(dsn: str, event: Event, channel: str, n: int) -> asyncpg.Record | None:
    """The row once its n-th attempt's result is recorded (no longer under that claim's
    lease)."""
    row = await delivery(dsn, event, channel)
    if row is None or row["attempts"] != n:
        return None
    if row["status"] == "pending" and row["next_attempt_at"] - row["updated_at"] == LEASE:
        return None
    return row


async def announced(dsn: str, app: uuid.UUID, kind: str) -> list[dict[str, Any]]:
    found = await rows(
        dsn,
        "SELECT convert_from(payload, 'UTF8') AS p FROM outbox "
        "WHERE convert_from(key, 'UTF8') = $1 AND headers->>'ce_type' LIKE $2",
        str(app),
        f"%.{kind}.%",
    )
    return [json.loads(r["p"]) for r in found]


async def nothing_pending(dsn: str) -> bool:
    """Every message the module's earlier tests queued has been sent or has failed: a
    sink told to fail its next requests fails this test's own, not a late one of theirs."""
    found = await rows(dsn, "SELECT count(*) AS n FROM deliveries WHERE status = 'pending'")
    return int(found[0]["n"]) == 0


def sms_to(sinks: Sinks, phone: str) -> list[dict[str, Any]]:
    return [s for s in sinks.sms if s["to"] == phone]


def emails_to(sinks: Sinks, email: str) -> list[dict[str, Any]]:
    return [e for e in sinks.emails if email in e["to"]]


async def test_each_chosen_channel_gets_the_notice_in_the_applicants_language_once(
    setup: Setup, producer: AIOKafkaProducer
) -> None:
    english, phone_en, email_en = submitted("en", ("sms", "email"))
    indonesian, phone_id, email_id = submitted("id", ("sms",))
    decision = rejected(english.application_id)
    await publish(producer, english, indonesian, decision)
    await publish(producer, decision)  # redelivered: the inbox makes it a no-op

    sinks = setup.sinks
    await wait_until(
        lambda: (
            len(sms_to(sinks, phone_en)) == 2
            and len(emails_to(sinks, email_en)) == 2
            and len(sms_to(sinks, phone_id)) == 1
        ),
        within=30,
    )
    for event in (english, decision):
        notice = compose(event)
        assert notice is not None
        key = str(delivery_id(event.event_id, "sms"))
        (sms,) = [s for s in sms_to(sinks, phone_en) if s["key"] == key]
        assert sms["text"] == notice.message_en and sms["reference"] == key
        (email,) = sinks.emails_with(message_id(str(delivery_id(event.event_id, "email"))))
        assert email["to"] == [email_en]
        assert email["subject"] == notice.subject_en and email["language"] == "en"
        assert email["text"] == notice.message_en
    assert any("The NIK is not valid." in s["text"] for s in sms_to(sinks, phone_en))
    (told_id,) = sms_to(sinks, phone_id)
    notice_id = compose(indonesian)
    assert notice_id is not None and told_id["text"] == notice_id.message_id
    assert emails_to(sinks, email_id) == []  # not a channel this applicant chose
    # The first message gives the tracking code; the timeline keeps it blotted out.
    code = english.contact.tracking_code if english.contact else ""
    (first_sms,) = [s for s in sms_to(sinks, phone_en) if code in s["text"]]
    assert first_sms["key"] == str(delivery_id(english.event_id, "sms"))
    async with httpx.AsyncClient(base_url=setup.url) as client:
        timeline = await client.get(f"/applications/{english.application_id}/timeline")
    assert code not in timeline.text and "\u2022" * 5 in timeline.json()["entries"][0]["message_en"]

    async def all_announced() -> bool:
        return len(await announced(setup.dsn, english.application_id, "ApplicantNotified")) == 4

    await wait_until(all_announced, within=10)
    notified = await announced(setup.dsn, english.application_id, "ApplicantNotified")
    assert sorted((n["channel"], n["final"]) for n in notified) == [
        ("email", False),
        ("email", True),
        ("sms", False),
        ("sms", True),
    ]
    # Exactly once: no second request for any key, nothing more arrived meanwhile.
    keys = {str(delivery_id(e.event_id, c)) for e in (english, decision) for c in ("sms",)}
    assert all(sinks.sms_requests[key] == 1 for key in keys)
    assert len(sms_to(sinks, phone_en)) == 2 and len(emails_to(sinks, email_en)) == 2
    for event in (english, decision):
        for channel in ("sms", "email"):
            row = await delivery(setup.dsn, event, channel)
            assert row is not None and row["status"] == "sent" and row["attempts"] == 1


async def test_a_failing_gateway_is_retried_after_a_growing_backoff_then_sends(
    setup: Setup, producer: AIOKafkaProducer
) -> None:
    await wait_until(lambda: nothing_pending(setup.dsn), within=30)
    setup.sinks.sms_mode.fail_next = 2
    event, phone, _ = submitted("id", ("sms",))
    await publish(producer, event)

    await wait_until(lambda: attempt_done(setup.dsn, event, "sms", 1), within=30)
    first = await attempt_done(setup.dsn, event, "sms", 1)
    assert first is not None and first["status"] == "pending"
    assert first["last_error"] == "SMS gateway HTTP 503"
    assert first["next_attempt_at"] - first["updated_at"] == BACKOFF_BASE
    assert sms_to(setup.sinks, phone) == []

    setup.clock.advance(BACKOFF_BASE + timedelta(seconds=1))
    await wait_until(lambda: attempt_done(setup.dsn, event, "sms", 2), within=10)
    second = await attempt_done(setup.dsn, event, "sms", 2)
    assert second is not None and second["status"] == "pending"
    assert second["next_attempt_at"] - second["updated_at"] == 2 * BACKOFF_BASE  # doubled
    assert sms_to(setup.sinks, phone) == []

    setup.clock.advance(2 * BACKOFF_BASE + timedelta(seconds=1))

    async def sent() -> bool:
        row = await delivery(setup.dsn, event, "sms")
        return row is not None and row["status"] == "sent"

    await wait_until(sent, within=10)
    (sms,) = sms_to(setup.sinks, phone)
    assert setup.sinks.sms_requests[sms["key"]] == 3  # two refused, one accepted
    notified = await announced(setup.dsn, event.application_id, "ApplicantNotified")
    assert [n["channel"] for n in notified] == ["sms"]


async def test_a_gateway_that_always_fails_ends_in_a_told_failure(
    setup: Setup, producer: AIOKafkaProducer
) -> None:
    await wait_until(lambda: nothing_pending(setup.dsn), within=30)
    setup.sinks.smtp_mode.fail_always = True
    event, _, email = submitted("en", ("email",))
    await publish(producer, event)

    for n in range(1, MAX_ATTEMPTS + 1):
        await wait_until(lambda n=n: attempt_done(setup.dsn, event, "email", n), within=30)
        if n < MAX_ATTEMPTS:
            setup.clock.advance(BACKOFF_BASE * 2 ** (n - 1) + timedelta(seconds=1))

    row = await delivery(setup.dsn, event, "email")
    assert row is not None and row["status"] == "failed" and row["attempts"] == MAX_ATTEMPTS
    assert row["last_error"] == "SMTP 451"  # no address, no server text
    assert emails_to(setup.sinks, email) == []
    (failed,) = await announced(setup.dsn, event.application_id, "ApplicantNotificationFailed")
    assert failed["channel"] == "email" and failed["attempts"] == MAX_ATTEMPTS
    assert failed["reason"] == "SMTP 451" and failed["about"] == event.ce_type()
    assert await announced(setup.dsn, event.application_id, "ApplicantNotified") == []

    async with httpx.AsyncClient(timeout=5) as client:
        answer = await client.get(f"{setup.url}/applications/{event.application_id}/timeline")
    entries = answer.json()["entries"]
    assert [e["status"] for e in entries] == ["submitted", "notification_failed"]
    assert "status page" in entries[1]["message_en"] and "LTSA" in entries[1]["message_id"]
    assert "email" in entries[1]["message_en"]


async def test_a_slow_gateway_delays_only_its_own_messages(
    setup: Setup, producer: AIOKafkaProducer
) -> None:
    setup.sinks.sms_mode.delay_s = 4.0
    event, phone, email = submitted("id", ("sms", "email"))
    await publish(producer, event)

    await wait_until(lambda: emails_to(setup.sinks, email), within=30, interval=0.05)
    assert sms_to(setup.sinks, phone) == []  # still on its way through the slow gateway
    await wait_until(lambda: sms_to(setup.sinks, phone), within=30)


class Counting:
    """A transport that counts what it sent, to see both workers at work."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.sent: list[uuid.UUID] = []

    async def send(self, message: Claimed) -> Outcome:
        outcome = await self.inner.send(message)
        self.sent.append(message.id)
        return outcome

    async def close(self) -> None:
        await self.inner.close()


async def test_two_workers_never_send_the_same_message(
    setup: Setup, producer: AIOKafkaProducer
) -> None:
    setup.sinks.sms_mode.delay_s = 0.05
    setup.sinks.smtp_mode.delay_s = 0.05
    pool = await asyncpg.create_pool(setup.dsn, min_size=1, max_size=4)
    counting = {c: Counting(t) for c, t in transports_from(setup.settings).items()}
    second = DeliveryWorker(
        lambda: pool,
        counting,  # type: ignore[arg-type]
        tracer(TracerProvider()),
        poll_interval=0.05,
        concurrency=4,
    )
    await second.start()
    try:
        batch = [submitted("id", ("sms", "email")) for _ in range(24)]
        await publish(producer, *(event for event, _, _ in batch))

        async def all_sent() -> bool:
            pending = await rows(
                setup.dsn,
                "SELECT count(*) AS n FROM deliveries WHERE application_id = ANY($1::uuid[]) "
                "AND status = 'sent'",
                [event.application_id for event, _, _ in batch],
            )
            return int(pending[0]["n"]) == 2 * len(batch)

        await wait_until(all_sent, within=60)
    finally:
        await second.stop()
        await pool.close()
    for event, phone, email in batch:
        key = str(delivery_id(event.event_id, "sms"))
        assert setup.sinks.sms_requests[key] == 1  # one request per message, from one worker
        assert len(sms_to(setup.sinks, phone)) == 1
        assert len(emails_to(setup.sinks, email)) == 1
    assert sum(len(c.sent) for c in counting.values()) > 0  # the second worker took a share
