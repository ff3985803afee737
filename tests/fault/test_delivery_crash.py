"""kill -9 between sending a message and recording that it was sent, then restart.

The message is sent again with the same key once the dead sender's lease has run out:
the SMS gateway honours the Idempotency-Key and keeps one message; SMTP has no such key,
so the email arrives twice with the same Message-ID. Either way the delivery ends `sent`
and is announced once. notifications and the sinks run as real processes.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sentra_local.fleet import Fleet
from sentra_local.outcomes import fetch_rows
from sentra_local.stack import Stack
from sentra_local.testing import fresh_stack, wait_until
from sentra_notifications.delivery import AFTER_SEND_BEFORE_RECORD
from sentra_notifications.delivery.store import delivery_id
from sentra_notifications.delivery.transports import message_id
from sentra_shared.envelope import encode, headers_for
from sentra_shared.events import ApplicantContact, ApplicationKind, ApplicationSubmitted

pytestmark = pytest.mark.timeout(300)

CRASH = f"{AFTER_SEND_BEFORE_RECORD}:1"


@pytest.fixture(scope="module")
def delivery_stack() -> Iterator[Stack]:
    with fresh_stack("delivery-crash") as stack:
        yield stack


@pytest.fixture
async def fleet(delivery_stack: Stack, tmp_path: Path) -> AsyncIterator[Fleet]:
    fleet = Fleet(delivery_stack, tmp_path)
    # A short lease, so that the restarted process may retry the dead sender's message soon.
    process = fleet.processes["notifications"]
    fleet.processes["notifications"] = dataclasses.replace(
        process,
        extra_env=(*process.extra_env, ("SENTRA_NOTIFICATIONS_DELIVERY_LEASE_S", "2")),
    )
    try:
        yield fleet
    finally:
        fleet.stop()


async def submit_event(stack: Stack, channel: str) -> ApplicationSubmitted:
    app = uuid.uuid4()
    event = ApplicationSubmitted(
        application_id=app,
        occurred_at=datetime.now(UTC),
        kind=ApplicationKind.INSURANCE_REFUND,
        regency_code="3301",
        contact=ApplicantContact(
            language="id",
            channels=(channel,),  # type: ignore[arg-type]
            phone=f"+628{app.int % 10**10:010d}",
            email=f"pmi-{app.hex[:8]}@example.id",
            tracking_code=app.hex[:12].upper(),
            date_of_birth=datetime(1994, 5, 2).date(),
        ),
    )
    producer = AIOKafkaProducer(**stack.kafka.admin.aiokafka())
    await producer.start()
    try:
        headers = [(k, v.encode()) for k, v in headers_for(event).items()]
        await producer.send_and_wait(event.topic, encode(event), key=event.key, headers=headers)
    finally:
        await producer.stop()
    return event


async def received(fleet: Fleet) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=5) as client:
        answer = await client.get(f"{fleet.url('sinks')}/received")
    answer.raise_for_status()
    body: dict[str, Any] = answer.json()
    return body


async def delivery_row(fleet: Fleet, event: ApplicationSubmitted, channel: str) -> Any:
    rows = await fetch_rows(
        fleet.stack,
        "notifications",
        "SELECT status, attempts FROM deliveries WHERE id = $1",
        delivery_id(event.event_id, channel),  # type: ignore[arg-type]
    )
    return rows[0] if rows else None


async def announced(fleet: Fleet, event: ApplicationSubmitted) -> list[str]:
    rows = await fetch_rows(
        fleet.stack,
        "notifications",
        "SELECT convert_from(payload, 'UTF8') AS p FROM outbox "
        "WHERE convert_from(key, 'UTF8') = $1 AND headers->>'ce_type' LIKE '%.ApplicantNotified.%'",
        str(event.application_id),
    )
    return [json.loads(r["p"])["channel"] for r in rows]


async def crash_after_sending(fleet: Fleet, channel: str) -> ApplicationSubmitted:
    """Send one message on `channel` with notifications set to die right after sending it,
    restart notifications and wait until the message is recorded as sent."""
    fleet.start("sinks")
    fleet.start("notifications", fault=CRASH)
    event = await submit_event(fleet.stack, channel)
    await wait_until(lambda: fleet.exit_code("notifications") is not None, within=60)
    assert fleet.exit_code("notifications") == -9  # the fault hook killed it after sending
    row = await delivery_row(fleet, event, channel)
    assert row["status"] == "pending" and row["attempts"] == 1  # sent, but not recorded
    fleet.start("notifications")

    async def sent() -> bool:
        row = await delivery_row(fleet, event, channel)
        return row is not None and row["status"] == "sent"

    await wait_until(sent, within=60)
    return event


async def test_an_sms_sent_again_after_a_crash_is_kept_once_by_the_gateway(fleet: Fleet) -> None:
    event = await crash_after_sending(fleet, "sms")
    key = str(delivery_id(event.event_id, "sms"))
    sinks = await received(fleet)
    assert sinks["sms_requests"][key] == 2  # sent before the crash and again after it
    assert [s["key"] for s in sinks["sms"]].count(key) == 1  # the gateway kept one message
    row = await delivery_row(fleet, event, "sms")
    assert row["status"] == "sent" and row["attempts"] == 2
    assert await announced(fleet, event) == ["sms"]  # announced once


async def test_an_email_sent_again_after_a_crash_arrives_twice_with_one_message_id(
    fleet: Fleet,
) -> None:
    event = await crash_after_sending(fleet, "email")
    wanted = message_id(str(delivery_id(event.event_id, "email")))
    copies = [e for e in (await received(fleet))["emails"] if e["message_id"] == wanted]
    # SMTP cannot refuse a second copy: both arrive, identical, under one Message-ID, which
    # mail clients collapse into one message (docs/delivery.md).
    assert len(copies) == 2
    assert copies[0] == copies[1]
    row = await delivery_row(fleet, event, "email")
    assert row["status"] == "sent" and row["attempts"] == 2
    assert await announced(fleet, event) == ["email"]
