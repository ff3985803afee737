"""The applicant's status page over real Kafka and PostgreSQL: who may open it, that a
wrong code and an unknown one look alike, the rate limit on the injected clock, and what
the page shows (steps, reasons, who holds the file until when, the next step)."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sentra_local.stack import Stack
from sentra_local.testing import publish, serving, wait_until
from sentra_notifications.app import create_app
from sentra_notifications.config import NotificationsSettings
from sentra_notifications.domain.notice import day_en, day_id
from sentra_notifications.status.limits import window_start
from sentra_notifications.status.views import when
from sentra_shared import clock
from sentra_shared.clock import ManualClock
from sentra_shared.events import (
    ApplicantContact,
    ApplicationKind,
    ApplicationSubmitted,
    DeadlineStep,
    DocumentsAnswerClosed,
    DocumentsAnswerRequested,
    DocumentsRejected,
)
from sentra_shared.reasons import BilingualText, Reason

DB = "notifications_status_page_test"
BORN = date(1996, 3, 14)
PHONE = "+6281234567890"
EMAIL = "siti.rahayu@example.id"
WINDOW = timedelta(minutes=15)
PER_CODE = 3
PER_ADDRESS = 8
MAX_BYTES = 30 * 1024


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
        consumer_group="sentra-notifications.notifications-status-page-test",
    )
    with pytest.MonkeyPatch.context() as env, clock.installed(ManualClock()) as manual:
        assert isinstance(manual, ManualClock)
        env.setenv("SENTRA_NOTIFICATIONS_STATUS_SECRET", secrets.token_hex(32))
        env.setenv("SENTRA_NOTIFICATIONS_STATUS_WINDOW_MINUTES", "15")
        env.setenv("SENTRA_NOTIFICATIONS_STATUS_ATTEMPTS_PER_CODE", str(PER_CODE))
        env.setenv("SENTRA_NOTIFICATIONS_STATUS_ATTEMPTS_PER_ADDRESS", str(PER_ADDRESS))
        async with serving(create_app(settings)) as url:
            yield Service(url, local_stack.postgres.dsn(DB), manual)


@pytest.fixture(autouse=True)
def fresh_window(service: Service) -> Iterator[None]:
    """Each test starts just after a rate-limit window opens: the attempts of the previous
    tests (all from 127.0.0.1) no longer count, and the test has the whole window."""
    moment = clock.now()
    service.clock.advance(window_start(moment, WINDOW) + WINDOW + timedelta(seconds=1) - moment)
    yield


def new_code() -> str:
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    chars = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


def submitted(app: uuid.UUID, code: str, at: datetime) -> ApplicationSubmitted:
    return ApplicationSubmitted(
        application_id=app,
        occurred_at=at,
        kind=ApplicationKind.PLACEMENT,
        regency_code="3314",
        contact=ApplicantContact(
            channels=("sms", "email"),
            phone=PHONE,
            email=EMAIL,
            tracking_code=code,
            date_of_birth=BORN,
        ),
    )


async def stored(service: Service, app: uuid.UUID, timeline: int, waits: int = 0) -> None:
    async def arrived() -> bool:
        conn = await asyncpg.connect(service.db)
        try:
            told = await conn.fetchval(
                "SELECT count(*) FROM timeline WHERE application_id = $1", app
            )
            held = await conn.fetchval("SELECT count(*) FROM waits WHERE application_id = $1", app)
        finally:
            await conn.close()
        return bool(told >= timeline and held >= waits)

    await wait_until(arrived, within=30)


async def open_page(
    client: httpx.AsyncClient, code: str, born: str, lang: str = "id"
) -> httpx.Response:
    return await client.post(
        "/status", data={"code": code, "birth_date": born, "lang": lang}, follow_redirects=False
    )


def weight(response: httpx.Response, capsys: pytest.CaptureFixture[str]) -> int:
    """The page's size in bytes, printed in the test output."""
    size = len(response.content)
    with capsys.disabled():
        url = response.request.url
        print(f"\n  page weight, GET {url.path}?{url.query.decode()}: {size} bytes")
    return size


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_the_form_is_light_script_free_and_switches_language(
    service: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
        indonesian = await client.get("/status")
        english = await client.get("/status", params={"lang": "en"})
    for response in (indonesian, english):
        assert response.status_code == 200
        assert weight(response, capsys) < MAX_BYTES
        assert "<script" not in response.text.lower()
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in (
            response.text
        )
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
    assert '<html lang="id">' in indonesian.text and "Kode lacak" in indonesian.text
    assert 'href="/status?lang=en"' in indonesian.text
    assert '<html lang="en">' in english.text and "Tracking code" in english.text
    assert 'name="lang" value="en"' in english.text


async def test_the_page_shows_the_steps_who_holds_the_file_until_when_and_marks_it_late(
    service: Service, producer: AIOKafkaProducer, capsys: pytest.CaptureFixture[str]
) -> None:
    app, code, t0 = uuid.uuid4(), new_code(), clock.now()
    police_due = t0 + timedelta(minutes=5)
    registry = dict(
        application_id=app,
        occurred_at=t0,
        step=DeadlineStep.AGENCY_CHECK,
        party="dukcapil",
        request_id=uuid.uuid4(),
        requested_at=t0,
        due_at=t0 + timedelta(days=1),
    )
    await publish(
        producer,
        submitted(app, code, t0),
        DocumentsAnswerRequested(**registry),
        DocumentsAnswerRequested(
            application_id=app,
            occurred_at=t0,
            step=DeadlineStep.AGENCY_CHECK,
            party="polri",
            request_id=uuid.uuid4(),
            requested_at=t0,
            due_at=police_due,
        ),
        DocumentsAnswerClosed(
            **registry | {"occurred_at": t0 + timedelta(minutes=1)},
            closed_at=t0 + timedelta(minutes=1),
            answered_at=t0 + timedelta(minutes=1),
            on_time=True,
        ),
    )
    await stored(service, app, timeline=1, waits=2)

    async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
        # However the applicant types it: lower case, no dash, O for zero, day first.
        typed = code.lower().replace("-", " ").replace("0", "o")
        opened = await open_page(client, typed, BORN.strftime("%d-%m-%Y"))
        assert opened.status_code == 303
        assert opened.headers["location"].endswith("/status/view?lang=id")
        cookie = opened.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/status" in cookie
        page = await client.get("/status/view", params={"lang": "id"})
        assert page.status_code == 200
        text = text_of(page.text)
        assert "Penempatan kerja ke luar negeri" in text
        assert "Permohonan diterima" in text and "Sedang diproses" in text
        # The next step is the newest notice's text.
        assert "Permohonan penempatan kerja ke luar negeri Anda sudah kami terima" in text
        assert f"Kepolisian (Polri) · Pemeriksaan dokumen paling lambat {day_id(police_due)}" in (
            text
        )
        assert "TERLAMBAT" not in text
        assert "Sudah menjawab: Dinas Kependudukan dan Pencatatan Sipil (Dukcapil) (tepat" in text
        for private in (str(app), PHONE, EMAIL, code, BORN.isoformat(), "14-03-1996"):
            assert private not in page.text
        assert "<script" not in page.text.lower() and weight(page, capsys) < MAX_BYTES

        service.clock.advance(timedelta(minutes=6))  # past the police's due time
        late = text_of((await client.get("/status/view", params={"lang": "id"})).text)
        assert f"paling lambat {day_id(police_due)} TERLAMBAT" in late
        english = await client.get("/status/view", params={"lang": "en"})
        assert english.status_code == 200 and '<html lang="en">' in english.text
        text_en = text_of(english.text)
        assert f"Police (Polri) · Document check by {day_en(police_due)} OVERDUE" in text_en
        assert "We have received your application for a placement to work abroad" in text_en
        assert 'href="/status/view?lang=id"' in english.text
        assert weight(english, capsys) < MAX_BYTES

        signed_out = await client.post("/status/sign-out", data={"lang": "en"})
        assert signed_out.status_code == 303
        assert signed_out.headers["location"].endswith("/status?lang=en")
        after = await client.get("/status/view", params={"lang": "en"})
        assert after.status_code == 303 and "Police" not in after.text


async def test_a_rejection_is_shown_as_final_with_its_reasons(
    service: Service, producer: AIOKafkaProducer
) -> None:
    app, code, t0 = uuid.uuid4(), new_code(), clock.now()
    reason = Reason(
        code="MISSING_COMPETENCY_CERTIFICATE",
        text=BilingualText(
            id="Sertifikat kompetensi belum dilampirkan.",
            en="The competency certificate is missing.",
        ),
    )
    await publish(
        producer,
        submitted(app, code, t0),
        DocumentsRejected(
            application_id=app,
            occurred_at=t0 + timedelta(minutes=2),
            kind=ApplicationKind.PLACEMENT,
            reasons=(reason,),
        ),
    )
    await stored(service, app, timeline=2)
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
        assert (await open_page(client, code, BORN.isoformat(), "en")).status_code == 303
        english = text_of((await client.get("/status/view", params={"lang": "en"})).text)
        indonesian = text_of((await client.get("/status/view", params={"lang": "id"})).text)
    assert "Documents not accepted Final decision" in english
    assert "Next step Your documents could not be accepted. The competency certificate" in (english)
    assert "Nobody owes an answer right now." in english
    assert "Dokumen belum diterima Keputusan akhir" in indonesian
    assert "Sertifikat kompetensi belum dilampirkan." in indonesian
    assert "ajukan kembali" in indonesian


async def test_a_wrong_birth_date_a_wrong_code_and_an_unknown_code_answer_alike(
    service: Service, producer: AIOKafkaProducer
) -> None:
    app, code = uuid.uuid4(), new_code()
    await publish(producer, submitted(app, code, clock.now()))
    await stored(service, app, timeline=1)
    wrong_birth = (BORN + timedelta(days=1)).isoformat()
    mistyped = code[:-1] + ("Y" if code[-1] == "Z" else "Z")
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
        for lang in ("id", "en"):
            answers = [
                await open_page(client, code, wrong_birth, lang),  # real code, wrong date
                await open_page(client, new_code(), BORN.isoformat(), lang),  # unknown code
                await open_page(client, mistyped, BORN.isoformat(), lang),
            ]
            assert {a.status_code for a in answers} == {403}
            assert len({a.content for a in answers}) == 1
            assert all("set-cookie" not in a.headers for a in answers)
            assert {a.headers["content-length"] for a in answers} == {
                answers[0].headers["content-length"]
            }
        refused = answers[0].text
        assert "does not match" in refused and "<script" not in refused.lower()
        # Nothing was opened: the session page sends the applicant back to the form.
        assert (await client.get("/status/view")).status_code == 303


async def test_attempts_are_limited_per_code_until_the_window_passes(
    service: Service, producer: AIOKafkaProducer
) -> None:
    app, code = uuid.uuid4(), new_code()
    await publish(producer, submitted(app, code, clock.now()))
    await stored(service, app, timeline=1)
    wrong_birth = (BORN - timedelta(days=400)).isoformat()
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
        for _ in range(PER_CODE):
            assert (await open_page(client, code, wrong_birth)).status_code == 403
        # The right birth date now does not help: the code is locked for this window.
        locked = await open_page(client, code, BORN.isoformat())
        assert locked.status_code == 429
        retry_at = window_start(clock.now(), WINDOW) + WINDOW
        assert f"Coba lagi setelah <strong>{when(retry_at, 'id')}</strong>." in locked.text
        assert 0 < int(locked.headers["retry-after"]) <= WINDOW.total_seconds()
        assert "<script" not in locked.text.lower()
        # Another code from the same address is still allowed (its own count).
        assert (await open_page(client, new_code(), BORN.isoformat())).status_code == 403

        service.clock.advance(WINDOW)
        opened = await open_page(client, code, BORN.isoformat())
        assert opened.status_code == 303


async def test_attempts_are_limited_per_client_address(
    service: Service, producer: AIOKafkaProducer
) -> None:
    app, code = uuid.uuid4(), new_code()
    await publish(producer, submitted(app, code, clock.now()))
    await stored(service, app, timeline=1)
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
        for _ in range(PER_ADDRESS):  # someone guessing codes from one address
            assert (await open_page(client, new_code(), BORN.isoformat(), "en")).status_code == 403
        limited = await open_page(client, code, BORN.isoformat(), "en")
        assert limited.status_code == 429 and "Too many attempts" in limited.text
        service.clock.advance(WINDOW)
        assert (await open_page(client, code, BORN.isoformat(), "en")).status_code == 303


async def test_a_forged_or_expired_session_opens_nothing(
    service: Service, producer: AIOKafkaProducer
) -> None:
    app, code = uuid.uuid4(), new_code()
    await publish(producer, submitted(app, code, clock.now()))
    await stored(service, app, timeline=1)
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
        assert (await open_page(client, code, BORN.isoformat())).status_code == 303
        genuine = client.cookies["sentra_status"]
        assert (await client.get("/status/view")).status_code == 200

        payload, mac = genuine.split(".")
        forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + mac
        client.cookies.set("sentra_status", forged, path="/status")
        assert (await client.get("/status/view")).status_code == 303

        client.cookies.set("sentra_status", genuine, path="/status")
        assert (await client.get("/status/view")).status_code == 200
        service.clock.advance(timedelta(minutes=16))  # the session lasts 15 minutes
        expired = await client.get("/status/view", params={"lang": "en"})
        assert expired.status_code == 303
        assert expired.headers["location"].endswith("/status?lang=en")
