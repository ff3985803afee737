"""The empowerment service's cases through the real consumer (Kafka, PostgreSQL): a
business and a consultation are told like applications. The first event's contact is kept,
its tracking code and birth date open the status page, the timeline masks the code, each
notice owes one message per chosen channel, who holds the file is shown, and a desk's
answer that comes after the escalation is the newer final word."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sentra_local.stack import Stack
from sentra_local.testing import publish, serving, wait_until
from sentra_notifications.app import create_app
from sentra_notifications.config import NotificationsSettings
from sentra_notifications.domain.empowerment import excerpt
from sentra_notifications.domain.notice import day_en
from sentra_shared import clock
from sentra_shared.clock import ManualClock
from sentra_shared.events import (
    ApplicantContact,
    AwardAssessed,
    BusinessRegistered,
    ConsultationAnswered,
    ConsultationReceived,
    CriterionScore,
    EmpowermentAnswerClosed,
    EmpowermentAnswerRequested,
    EmpowermentDeadlineEscalated,
    EmpowermentDeadlineOverdue,
    EmpowermentStep,
    Milestone,
    ProgrammeEnrolled,
    ProgressRecorded,
)
from sentra_shared.reasons import BilingualText, Reason

DB = "notifications_empowerment_test"
BORN = date(1979, 8, 17)


@dataclass
class Service:
    url: str
    db: str
    clock: ManualClock


@pytest.fixture(scope="module")
async def service(local_stack: Stack) -> AsyncIterator[Service]:
    await local_stack.postgres.recreate_databases([DB])
    settings = NotificationsSettings(
        database_url=local_stack.postgres.dsn(DB),
        **local_stack.kafka_settings("notifications"),
        http_port=0,
        consumer_group="sentra-notifications.notifications-empowerment-test",
    )
    # No SMTP server or SMS gateway: the messages owed stay in `deliveries`, to be read.
    with pytest.MonkeyPatch.context() as env, clock.installed(ManualClock()) as manual:
        assert isinstance(manual, ManualClock)
        env.setenv("SENTRA_NOTIFICATIONS_STATUS_SECRET", secrets.token_hex(32))
        async with serving(create_app(settings)) as url:
            yield Service(url, local_stack.postgres.dsn(DB), manual)


def person(language: str) -> tuple[ApplicantContact, str, str, str]:
    code = "".join(secrets.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(10))
    code = f"{code[:5]}-{code[5:]}"
    phone = f"+628{secrets.randbelow(10**10):010d}"
    email = f"case-{secrets.token_hex(5)}@example.id"
    contact = ApplicantContact.model_validate(
        {
            "language": language,
            "channels": ("sms", "email"),
            "phone": phone,
            "email": email,
            "tracking_code": code,
            "date_of_birth": BORN,
        }
    )
    return contact, code, phone, email


async def rows(db: str, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(db)
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def timeline(url: str, case: uuid.UUID, entries: int) -> dict[str, Any]:
    body: dict[str, Any] = {}

    async def arrived() -> bool:
        nonlocal body
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(f"{url}/applications/{case}/timeline")
        body = response.json() if response.status_code == 200 else {}
        return len(body.get("entries", [])) >= entries

    await wait_until(arrived, within=30)
    return body


async def owed(db: str, case: uuid.UUID) -> list[asyncpg.Record]:
    return await rows(
        db,
        """SELECT about, final, channel, recipient, language, subject, body FROM deliveries
           WHERE application_id = $1 ORDER BY created_at, about, channel""",
        case,
    )


async def page_text(url: str, code: str, lang: str) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        opened = await client.post(
            "/status",
            data={"code": code, "birth_date": BORN.strftime("%d-%m-%Y"), "lang": lang},
            follow_redirects=False,
        )
        assert opened.status_code == 303, opened.text
        page = await client.get("/status/view", params={"lang": lang})
    assert page.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))


def wait(case: uuid.UUID, step: EmpowermentStep, party: str, at: datetime) -> dict[str, Any]:
    return dict(
        application_id=case,
        occurred_at=at,
        step=step,
        party=party,
        request_id=uuid.uuid4(),
        requested_at=at,
        due_at=at + timedelta(days=3),
    )


async def test_a_business_is_told_from_registration_to_its_nomination(
    service: Service, producer: AIOKafkaProducer
) -> None:
    business, t0 = uuid.uuid4(), clock.now()
    contact, code, phone, email = person("id")
    report = wait(business, EmpowermentStep.PROGRAMME_REPORT, "trade_office", t0)
    reason = Reason(
        code="MILESTONES", text=BilingualText(id="Tiga capaian.", en="Three milestones.")
    )
    await publish(
        producer,
        BusinessRegistered(
            application_id=business,
            occurred_at=t0,
            owner_role="returnee",
            sector="crafts",
            regency_code="3314",
            stage="running",
            listed=True,
            contact=contact,
        ),
        ProgrammeEnrolled(
            application_id=business,
            occurred_at=t0 + timedelta(seconds=1),
            programme_id="digital-2026",
            programme_title="Digital Marketing 2026",
            organiser="trade_office",
            starts_on=date(2026, 12, 1),
            ends_on=date(2026, 12, 19),
            report_due=t0 + timedelta(days=3),
        ),
        EmpowermentAnswerRequested(**report | {"occurred_at": t0 + timedelta(seconds=1)}),
    )
    await timeline(service.url, business, entries=2)
    # While the organiser owes its report, the page says so (and who the case is about).
    holding = await page_text(service.url, code, "id")
    assert "Usaha purna PMI dan keluarga PMI" in holding
    assert "Dinas Perindustrian dan Perdagangan (Disperindag) · Laporan program" in holding
    assert "Terdaftar dalam program" in holding

    t1 = t0 + timedelta(days=1)
    await publish(
        producer,
        ProgressRecorded(
            application_id=business,
            occurred_at=t1,
            programme_id="digital-2026",
            completed=True,
            sessions_held=6,
            sessions_attended=6,
            milestones=(Milestone(kind="first_sale", achieved_on=date(2026, 12, 10)),),
            reported_late=False,
        ),
        EmpowermentAnswerClosed(
            **report | {"occurred_at": t1}, closed_at=t1, answered_at=t1, on_time=True
        ),
        AwardAssessed(
            application_id=business,
            occurred_at=t1 + timedelta(seconds=1),
            award="purna-pmi-2026",
            criteria_version="2026-1",
            scores=(
                CriterionScore(
                    criterion="milestones",
                    points=Decimal(8),
                    max_points=Decimal(10),
                    explanation=reason,
                ),
            ),
            total=Decimal(8),
            threshold=Decimal(7),
            nominated=True,
        ),
    )
    told = await timeline(service.url, business, entries=4)
    assert [e["status"] for e in told["entries"]] == [
        "business_registered",
        "programme_enrolled",
        "progress_recorded",
        "award_nominated",
    ]
    assert [e["final"] for e in told["entries"]] == [False, False, False, True]
    assert told["status"] == "award_nominated" and told["final"] is True
    assert "penjualan pertama pada 10 Desember 2026" in told["entries"][2]["message_id"]
    assert "threshold of 7" in told["entries"][3]["message_en"]
    # The timeline never shows the tracking code; the first message does.
    assert all(code not in e["message_id"] + e["message_en"] for e in told["entries"])

    messages = await owed(service.db, business)
    assert len(messages) == 8  # four notices, SMS and email each
    assert {(m["channel"], m["recipient"]) for m in messages} == {("sms", phone), ("email", email)}
    assert all(m["language"] == "id" for m in messages)
    first = [m for m in messages if m["about"] == BusinessRegistered.ce_type()]
    assert len(first) == 2 and all(code in m["body"] for m in first)
    assert [m["final"] for m in messages if m["about"] == AwardAssessed.ce_type()] == [True, True]

    (held,) = await rows(service.db, "SELECT * FROM waits WHERE application_id = $1", business)
    assert (held["owner"], held["step"], held["party"]) == (
        "empowerment",
        "programme_report",
        "trade_office",
    )
    assert held["on_time"] is True and held["answered_at"] is not None
    done = await page_text(service.url, code, "en")
    assert "Business of a returnee or a family" in done
    assert "Nominated for the award" in done and "Final decision" in done
    # The organiser's report is not an answer in the public answer times.
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
        figures = (await client.get("/transparency.json")).json()
    assert "trade_office" not in {p["party"] for p in figures["parties"]}


async def test_a_consultation_overdue_escalated_then_answered_late(
    service: Service, producer: AIOKafkaProducer
) -> None:
    consultation, t0 = uuid.uuid4(), clock.now()
    contact, code, phone, email = person("en")
    answer_wait = wait(consultation, EmpowermentStep.CONSULTATION_ANSWER, "credit_desk", t0)
    escalation = EmpowermentDeadlineEscalated(
        **answer_wait | {"occurred_at": t0 + timedelta(days=6)},
        supervisor="OJK",
        escalated_for_at=t0 + timedelta(days=6),
    )
    await publish(
        producer,
        ConsultationReceived(
            application_id=consultation,
            occurred_at=t0,
            asker_role="family",
            subject="credit",
            desk="credit_desk",
            answer_due=answer_wait["due_at"],
            contact=contact,
        ),
        EmpowermentAnswerRequested(**answer_wait),
        EmpowermentDeadlineOverdue(**answer_wait | {"occurred_at": t0 + timedelta(days=3)}),
        escalation,
    )
    await publish(producer, escalation)  # redelivered: told once only
    escalated = await timeline(service.url, consultation, entries=3)
    assert [e["status"] for e in escalated["entries"]] == [
        "consultation_received",
        "delayed",
        "escalated",
    ]
    assert escalated["status"] == "escalated" and escalated["final"] is True
    assert "OJK, who now handles it" in escalated["entries"][2]["message_en"]

    service.clock.advance(timedelta(days=4))  # past the desk's due time
    late = await page_text(service.url, code, "en")
    assert "Consultation" in late and "Reported to the supervisor" in late
    assert f"Credit desk · Answer to the question by {day_en(answer_wait['due_at'])} OVERDUE" in (
        late
    )

    answer = " ".join(
        ["KUR Mikro for a worker's family needs no extra collateral up to Rp 100 million."] * 6
    )
    answered_at = t0 + timedelta(days=8)
    await publish(
        producer,
        ConsultationAnswered(
            application_id=consultation,
            occurred_at=answered_at,
            desk="credit_desk",
            answer=answer,
            answered_late=True,
        ),
        EmpowermentAnswerClosed(
            **answer_wait | {"occurred_at": answered_at},
            closed_at=answered_at,
            answered_at=answered_at,
            on_time=False,
        ),
    )
    told = await timeline(service.url, consultation, entries=4)
    assert told["entries"][3]["status"] == "consultation_answered"
    # The late answer is the newer final word, after the escalation's.
    assert told["status"] == "consultation_answered" and told["final"] is True
    assert answer in told["entries"][3]["message_en"]

    messages = await owed(service.db, consultation)
    assert len(messages) == 8  # four notices (the redelivered escalation adds none), 2 channels
    about_answer = {
        m["channel"]: m for m in messages if m["about"] == ConsultationAnswered.ce_type()
    }
    assert about_answer["email"]["recipient"] == email and answer in about_answer["email"]["body"]
    sms = about_answer["sms"]
    assert sms["recipient"] == phone and sms["final"] is True and answer not in sms["body"]
    first_part = excerpt(answer)
    assert first_part is not None and first_part in sms["body"]
    assert "Read the whole answer on your status page" in sms["body"]
    received = [m for m in messages if m["about"] == ConsultationReceived.ce_type()]
    assert all(code in m["body"] for m in received)

    answered = await page_text(service.url, code, "en")
    assert "Question answered" in answered
    assert "Credit desk (late)" in answered
