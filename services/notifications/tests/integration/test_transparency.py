"""The public figures over real Kafka and PostgreSQL: journey events published to the
services' streams reach the read model, and /transparency.json, .csv and the page show
the figures, small numbers suppressed and the totals that would reveal them hidden."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sentra_local.stack import Stack
from sentra_local.testing import serving, start_at_the_end, wait_until
from sentra_notifications.app import create_app
from sentra_notifications.config import NotificationsSettings
from sentra_shared.envelope import encode, headers_for
from sentra_shared.events import (
    ApplicationFlagged,
    ApplicationKind,
    ApplicationReviewed,
    ApplicationSubmitted,
    ClaimOutcome,
    CreditAnswerRequested,
    CreditOutcome,
    CreditScreened,
    DeadlineStep,
    DocumentsAnswerClosed,
    DocumentsAnswerRequested,
    DocumentsRejected,
    DocumentsVerified,
    Event,
    LoanDecided,
    LoanOutcome,
    RefundClaimAssessed,
    ReviewDecision,
)
from sentra_shared.kafka_login import KafkaLogin
from sentra_shared.reasons import BilingualText, Reason

DB = "notifications_transparency_test"
GROUP = "sentra-notifications.transparency-test"
# Monday 2 November 2026, 09:00 WIB: no holiday in the fortnight after it.
T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
P, KUR = ApplicationKind.PLACEMENT, ApplicationKind.KUR_LOAN


@pytest.fixture(scope="module")
async def notifications(local_stack: Stack) -> AsyncIterator[str]:
    await local_stack.postgres.recreate_databases([DB])
    await start_at_the_end(local_stack.kafka.admin, GROUP)
    settings = NotificationsSettings(
        database_url=local_stack.postgres.dsn(DB),
        **local_stack.kafka_settings("notifications"),
        http_port=0,
        consumer_group=GROUP,
    )
    async with serving(create_app(settings)) as url:
        yield url


async def publish(kafka: KafkaLogin, events: list[Event]) -> None:
    producer = AIOKafkaProducer(**kafka.aiokafka())
    await producer.start()
    try:
        for event in events:
            headers = [(k, v.encode()) for k, v in headers_for(event).items()]
            await producer.send_and_wait(event.topic, encode(event), key=event.key, headers=headers)
    finally:
        await producer.stop()


REASON = Reason(code="DOCUMENT_MISSING", text=BilingualText(id="Dokumen kurang", en="Missing"))


def placement(regency: str, days: int, verified: bool, flag: ReviewDecision | None) -> list[Event]:
    app = uuid.uuid4()
    at = T0 + timedelta(days=days)
    events: list[Event] = [
        ApplicationSubmitted(application_id=app, occurred_at=T0, kind=P, regency_code=regency)
    ]
    if flag is not None:
        events.append(
            ApplicationFlagged(
                application_id=app,
                occurred_at=T0,
                kind=P,
                flag_codes=("NIK_BIRTH_DATE_MISMATCH",),
                review_due=T0 + timedelta(days=3),
            )
        )
        events.append(
            ApplicationReviewed(
                application_id=app,
                occurred_at=T0 + timedelta(hours=5),
                kind=P,
                decision=flag,
                officer_id="officer-sri",
                reason="Checked with the applicant.",
            )
        )
    if verified:
        events.append(DocumentsVerified(application_id=app, occurred_at=at, kind=P))
    else:
        events.append(
            DocumentsRejected(application_id=app, occurred_at=at, kind=P, reasons=(REASON,))
        )
    return events


def loan(days: int, decision_first: bool = False) -> list[Event]:
    app = uuid.uuid4()
    submitted = ApplicationSubmitted(
        application_id=app, occurred_at=T0, kind=KUR, regency_code="3301"
    )
    screened = CreditScreened(
        application_id=app,
        occurred_at=T0 + timedelta(hours=1),
        outcome=CreditOutcome.APPROVED,
        amount_idr=30_000_000,
        bank_decision_due=date(2026, 11, 9),
    )
    decided = LoanDecided(
        application_id=app,
        occurred_at=T0 + timedelta(days=days),
        outcome=LoanOutcome.DISBURSED,
        amount_disbursed_idr=30_000_000,
        decided_late=False,
    )
    # The credit stream may be read before documents' stream: the decision then comes
    # before the submission, and must still count once, with its outcome.
    return [screened, decided, submitted] if decision_first else [submitted, screened, decided]


def dukcapil(answer_hours: float | None, due_hours: float, app: uuid.UUID) -> list[Event]:
    request = uuid.uuid4()
    common: dict[str, Any] = {
        "application_id": app,
        "step": DeadlineStep.AGENCY_CHECK,
        "party": "dukcapil",
        "request_id": request,
        "requested_at": T0,
        "due_at": T0 + timedelta(hours=due_hours),
    }
    requested = DocumentsAnswerRequested(occurred_at=T0, **common)
    if answer_hours is None:  # withdrawn: the application was decided first
        closed_at, answered_at, on_time = T0 + timedelta(hours=1), None, None
    else:
        answered_at = closed_at = T0 + timedelta(hours=answer_hours)
        on_time = answer_hours <= due_hours
    closed = DocumentsAnswerClosed(
        occurred_at=closed_at,
        closed_at=closed_at,
        answered_at=answered_at,
        on_time=on_time,
        **common,
    )
    return [requested, closed]


def bank_open(app: uuid.UUID) -> CreditAnswerRequested:
    return CreditAnswerRequested(
        application_id=app,
        occurred_at=T0,
        step=DeadlineStep.BANK_DECISION,
        party="bank",
        request_id=uuid.uuid4(),
        requested_at=T0,
        due_at=T0 + timedelta(days=7),
    )


def refund_dormant() -> list[Event]:
    app = uuid.uuid4()
    return [
        ApplicationSubmitted(
            application_id=app,
            occurred_at=T0,
            kind=ApplicationKind.INSURANCE_REFUND,
            regency_code="3201",
        ),
        RefundClaimAssessed(
            application_id=app,
            occurred_at=T0 + timedelta(days=2),
            outcome=ClaimOutcome.DORMANT,
            amount_krw=None,
            amount_idr=None,
            last_claim_day=date(2025, 1, 31),
        ),
    ]


def the_journeys() -> list[Event]:
    c, k = ReviewDecision.CLEARED, ReviewDecision.CONFIRMED
    events: list[Event] = []
    # Sragen: 6 placements verified after 1, 2, 3, 3, 4 and 6 working days (three of them
    # flagged and cleared); 2 rejected the next day (flagged: one cleared, one confirmed).
    for days, flag in ((1, c), (2, c), (3, c), (3, None), (4, None), (8, None)):
        events += placement("3314", days, verified=True, flag=flag)
    events += placement("3314", 1, verified=False, flag=c)
    events += placement("3314", 1, verified=False, flag=k)
    # Cilacap: 5 loans disbursed after 1, 2, 3, 4 and 4 (a Saturday) working days.
    for days in (1, 2, 3, 4):
        events += loan(days)
    events += loan(5, decision_first=True)
    # Bogor (outside Central Java): one dormant refund claim.
    events += refund_dormant()
    # Dukcapil: 6 answers (5 on time within 48 h), 2 withdrawn; the bank: 5 still open,
    # past their due time.
    someone = uuid.uuid4()
    for hours in (2, 4, 6, 10, 30, 72):
        events += dukcapil(hours, 48, someone)
    events += dukcapil(None, 48, someone) + dukcapil(None, 48, someone)
    events += [bank_open(someone) for _ in range(5)]
    return events


def cell(value: float | None, suppressed: bool = False) -> dict[str, Any]:
    return {"value": value, "suppressed": suppressed}


SMALL = cell(None, True)


async def test_published_events_become_public_figures_with_small_numbers_suppressed(
    notifications: str, local_stack: Stack
) -> None:
    events = the_journeys()
    # One redelivered decision: applied once.
    await publish(local_stack.kafka.admin, [*events, events[-20]])
    body: dict[str, Any] = {}

    async def settled() -> bool:
        nonlocal body
        async with httpx.AsyncClient(timeout=5) as client:
            body = (await client.get(f"{notifications}/transparency.json")).json()
        rows = {r["code"]: r for r in body["regencies"]}
        applications = rows["3301"]["applications_by_kind"]["kur_loan"]
        parties = {p["party"]: p for p in body["parties"]}
        return (
            applications == cell(5)
            and "3201" in rows
            and parties.get("bank", {}).get("overdue_now") == cell(5)
            and parties.get("dukcapil", {}).get("answered") == cell(6)
            and body["red_flags"]["raised"] == cell(5)
        )

    await wait_until(settled, within=30)

    parties = {p["party"]: p for p in body["parties"]}
    assert parties["dukcapil"] == {
        "party": "dukcapil",
        "answered": cell(6),
        "on_time_share": cell(0.833),
        "median_hours": cell(8.0),  # (6 + 10) / 2
        "p90_hours": cell(72.0),
        "overdue_now": cell(0),
    }
    assert parties["bank"]["answered"] == cell(0)
    assert parties["bank"]["median_hours"] == SMALL
    assert parties["bank"]["overdue_now"] == cell(5)

    rows = {r["code"]: r for r in body["regencies"]}
    assert [r["code"] for r in body["regencies"]][:9] == [
        "3314", "3301", "3302", "3307", "3329", "3327", "3324", "3318", "3315",
    ]  # fmt: skip
    sragen = rows["3314"]
    assert sragen["name"] == "Kabupaten Sragen" and sragen["sending_regency"]
    by_column = {(a["kind"], a["outcome"]): a for a in sragen["applications"]}
    assert by_column["placement", "approved"] == {"kind": "placement", "outcome": "approved",
                                                  **cell(6)}  # fmt: skip
    assert by_column["placement", "rejected"]["suppressed"]  # 2
    assert by_column["placement", "rejected"]["value"] is None
    assert by_column["placement", "in_progress"]["value"] == 0
    # 8 placements minus 6 approved would give the 2 rejections away: hidden.
    assert sragen["applications_by_kind"]["placement"] == SMALL
    assert sragen["applications_total"] == SMALL
    # Decided after 1, 1, 1, 2, 3, 3, 4, 6 working days.
    assert sragen["median_working_days_to_decision"] == cell(2.5)
    cilacap = rows["3301"]
    assert cilacap["applications_total"] == cell(5)
    assert cilacap["median_working_days_to_decision"] == cell(3.0)
    bogor = rows["3201"]
    assert bogor["name"] is None and not bogor["sending_regency"]
    assert bogor["applications_total"] == SMALL
    everyone = body["all_regencies"]
    totals = {(a["kind"], a["outcome"]): a for a in everyone["applications"]}
    assert totals["placement", "approved"]["value"] == 6
    assert totals["placement", "rejected"]["suppressed"]
    assert totals["kur_loan", "approved"]["value"] == 5
    assert totals["insurance_refund", "referred"]["suppressed"]
    assert everyone["applications_by_kind"]["kur_loan"] == cell(5)
    assert everyone["applications_total"] == SMALL
    assert body["red_flags"] == {"raised": cell(5), "confirmed": SMALL}

    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.get(f"{notifications}/transparency.csv")
        page_id = await client.get(f"{notifications}/transparency")
        page_en = await client.get(f"{notifications}/transparency", params={"lang": "en"})
    assert response.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(response.text)))
    found = {
        (r["section"], r["subject"], r["metric"], r["kind"], r["outcome"]): (
            r["value"],
            r["suppressed"],
        )
        for r in lines
    }
    assert found["party", "dukcapil", "on_time_share", "", ""] == ("0.833", "false")
    assert found["party", "bank", "overdue_now", "", ""] == ("5", "false")
    assert found["regency", "3314", "applications", "placement", "approved"] == ("6", "false")
    assert found["regency", "3314", "applications", "placement", "rejected"] == ("", "true")
    assert found["regency", "3314", "applications", "placement", ""] == ("", "true")
    assert found["regency", "3301", "median_working_days_to_decision", "", ""] == ("3", "false")
    assert found["red_flags", "all", "confirmed", "", ""] == ("", "true")

    assert page_id.status_code == 200 and "text/html" in page_id.headers["content-type"]
    assert "Kecepatan jawaban per instansi" in page_id.text and "<svg" in page_id.text
    assert "Answer times per agency" in page_en.text
    assert "<script" not in page_id.text and "http" not in page_id.text.replace(
        "http://www.w3.org/2000/svg", ""
    )
