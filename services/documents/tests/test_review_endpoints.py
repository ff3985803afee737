"""Officers review red-flag cases over HTTP: documents in-process on real Kafka + PostgreSQL.

Cases are set up as the flagging code leaves them (application under review, a review
case, the officer's deadline, the keyed identifier hashes), then decided by an officer.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sentra_documents import repository
from sentra_documents.app import create_app
from sentra_documents.config import DocumentsSettings
from sentra_documents.domain.agency_checks import required_checks
from sentra_documents.domain.reasons import DocumentsReason, reason
from sentra_documents.forms import ApplicationForm
from sentra_documents.sealing import DEVELOPMENT_DATA_KEYS, Sealer
from sentra_local.on_kafka import topic_records
from sentra_local.samples import nik_for
from sentra_local.stack import Stack
from sentra_local.testing import serving, wait_until
from sentra_local.tokens import AUDIENCE, ISSUER, OfficerKeys
from sentra_shared import clock
from sentra_shared.clock import ManualClock
from sentra_shared.deadlines import load_deadlines, open_deadline
from sentra_shared.envelope import decode, decode_headers
from sentra_shared.events import (
    AGENCY_EVENTS,
    DOCUMENTS_DEADLINES,
    DOCUMENTS_TOPIC,
    TPPO_REFERRALS_TOPIC,
    ApplicationKind,
    ApplicationReviewed,
    DocumentsRejected,
    Event,
    ReviewDecision,
    TraffickingReferred,
)
from sentra_shared.kafka_login import KafkaLogin

DATABASE = "sentra_documents_review_test"
# The officer reads where the applicant is registered, in words.
SRAGEN = {
    "regency_code": "3314",
    "regency": "Kabupaten Sragen",
    "province": "Jawa Tengah",
    "program_sending_regency": True,
}
HASH_KEY = b"test-identifier-key"
# The service under test runs on the development keyring (its settings name none).
DEVELOPMENT_SEALER = Sealer.from_setting(DEVELOPMENT_DATA_KEYS)


@dataclass
class Documents:
    url: str
    dsn: str
    kafka: KafkaLogin  # the test's own reads: the super user
    keys: OfficerKeys
    clock: ManualClock

    def token(self, subject: str = "officer-ani", roles: tuple[str, ...] = ("officer",)) -> str:
        return self.keys.issue(subject, list(roles), ttl_s=600)

    def auth(self, subject: str = "officer-ani") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(subject)}"}


@pytest.fixture(scope="module")
async def documents(
    local_stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Documents]:
    await local_stack.postgres.recreate_databases([DATABASE])
    keys = OfficerKeys(tmp_path_factory.mktemp("identity-provider"))
    settings = DocumentsSettings(
        database_url=local_stack.postgres.dsn(DATABASE),
        **local_stack.kafka_settings("documents"),
        http_port=0,
        consumer_group="sentra-documents.documents-review-tests",
        officer_jwks_file=keys.ensure(),
    )
    with clock.installed(ManualClock()) as manual:
        assert isinstance(manual, ManualClock)
        async with serving(create_app(settings)) as url:
            yield Documents(url, settings.database_url, local_stack.kafka.admin, keys, manual)


def placement_form(serial: int) -> ApplicationForm:
    born = date(1998, 5, 20)
    placement: dict[str, Any] = {
        "destination_country": "MY",
        "job": "domestic_worker",
        "recruiter_licence_number": "SIP3MI/2024/017",
    }
    return ApplicationForm.model_validate(
        {
            "kind": "placement",
            "applicant": {
                "full_name": "Dewi Lestari",
                "nik": nik_for("3314", born, "F", serial),
                "date_of_birth": born.isoformat(),
                "sex": "F",
                "phone": f"+628123{serial:06d}",
            },
            "placement": placement,
        }
    )


@dataclass(frozen=True)
class Case:
    case_id: uuid.UUID
    application_id: uuid.UUID
    form: ApplicationForm
    others: tuple[uuid.UUID, ...]
    review_due: datetime


_serials = iter(range(100, 10_000))


async def flagged_case(docs: Documents, *, due_in: timedelta = timedelta(days=2)) -> Case:
    """An application under review for a NIK shared with two others, as flagging leaves it."""
    opened = clock.now()
    form = placement_form(next(_serials))
    nik = form.applicant.nik
    application_id, case_id = uuid.uuid4(), uuid.uuid4()
    others = (uuid.uuid4(), uuid.uuid4())
    key_hash = hmac.new(HASH_KEY, nik.encode(), hashlib.sha256).digest()
    conn = await asyncpg.connect(docs.dsn)
    try:
        async with conn.transaction():
            for app_id, status in (
                (application_id, "under_review"),
                *zip(others, ("checking", "rejected"), strict=True),
            ):
                await repository.insert_application(
                    conn, app_id, form, "ref-" + app_id.hex, opened, DEVELOPMENT_SEALER
                )
                await conn.execute(
                    "UPDATE applications SET status = $2 WHERE application_id = $1", app_id, status
                )
                await conn.execute(
                    "INSERT INTO identifier_keys VALUES ($1, 'nik', $2, $3)",
                    app_id,
                    key_hash,
                    f"{nik[:4]}********{nik[-4:]}",
                )
            phone = form.applicant.phone
            await conn.execute(
                "INSERT INTO identifier_keys VALUES ($1, 'phone', $2, $3)",
                application_id,
                hmac.new(HASH_KEY, phone.encode(), hashlib.sha256).digest(),
                f"{phone[:6]}****{phone[-4:]}",
            )
            flags = [reason(DocumentsReason.FLAG_SHARED_NIK, count=3)]
            await conn.execute(
                """INSERT INTO review_cases (case_id, application_id, flags, opened_at, review_due)
                   VALUES ($1, $2, $3, $4, $5)""",
                case_id,
                application_id,
                json.dumps([f.model_dump(mode="json") for f in flags]),
                opened,
                opened + due_in,
            )
            await open_deadline(
                conn,
                DOCUMENTS_DEADLINES,
                application_id=application_id,
                step="officer_review",
                request_id=case_id,
                party="officer",
                supervisor="BP2MI",
                requested_at=opened,
                due_at=opened + due_in,
                escalate_at=opened + due_in + timedelta(days=2),
            )
    finally:
        await conn.close()
    return Case(case_id, application_id, form, others, opened + due_in)


async def outbox_events(docs: Documents, application_id: uuid.UUID) -> list[Event]:
    """Everything documents wrote to its outbox for the application, in order."""
    conn = await asyncpg.connect(docs.dsn)
    try:
        rows = await conn.fetch(
            "SELECT headers, payload FROM outbox WHERE key = $1 ORDER BY id",
            str(application_id).encode(),
        )
    finally:
        await conn.close()
    return [decode(json.loads(row["headers"]), row["payload"]) for row in rows]


async def published(docs: Documents, topic: str, application_id: uuid.UUID) -> list[Event]:
    found = []
    for record in await topic_records(docs.kafka, topic):
        if record.key == str(application_id).encode():
            found.append(decode(decode_headers(record.headers), record.value))
    return found


async def review_row(docs: Documents, case_id: uuid.UUID) -> asyncpg.Record:
    conn = await asyncpg.connect(docs.dsn)
    try:
        row = await conn.fetchrow("SELECT * FROM review_cases WHERE case_id = $1", case_id)
    finally:
        await conn.close()
    assert row is not None
    return row


async def application_status(docs: Documents, application_id: uuid.UUID) -> str:
    conn = await asyncpg.connect(docs.dsn)
    try:
        return str(
            await conn.fetchval(
                "SELECT status FROM applications WHERE application_id = $1", application_id
            )
        )
    finally:
        await conn.close()


async def review_deadline_answered_at(docs: Documents, case: Case) -> datetime | None:
    conn = await asyncpg.connect(docs.dsn)
    try:
        deadlines = await load_deadlines(conn, case.application_id)
    finally:
        await conn.close()
    (review,) = [d for d in deadlines if d.request_id == case.case_id]
    assert review.step == "officer_review"
    return review.answered_at


# --- authentication ----------------------------------------------------------------------


async def test_officer_endpoints_need_a_bearer_token(documents: Documents) -> None:
    case = await flagged_case(documents)
    async with httpx.AsyncClient(base_url=documents.url) as client:
        for method, path in (
            ("GET", "/reviews"),
            ("GET", f"/reviews/{case.case_id}"),
            ("POST", f"/reviews/{case.case_id}/clear"),
            ("POST", f"/reviews/{case.case_id}/confirm"),
        ):
            body = {"reason": "Explained by the applicant in person."}
            response = await client.request(method, path, json=body)
            assert response.status_code == 401, (method, path)
            assert response.headers["www-authenticate"].startswith("Bearer")
    assert (await review_row(documents, case.case_id))["status"] == "open"


@pytest.mark.parametrize(
    "why", ["expired", "wrong issuer", "wrong audience", "wrong signature", "not a jwt"]
)
async def test_untrusted_tokens_get_401(documents: Documents, why: str, tmp_path: Path) -> None:
    now = int(datetime.now(UTC).timestamp())
    good = {"iss": ISSUER, "aud": AUDIENCE, "sub": "officer-ani", "roles": ["officer"]}
    good |= {"iat": now, "exp": now + 600}
    kid = json.loads(documents.keys.jwks_file.read_text())["keys"][0]["kid"]
    token = {
        "expired": lambda: documents.keys.sign(good | {"exp": now - 3600}),
        "wrong issuer": lambda: documents.keys.sign(good | {"iss": "elsewhere"}),
        "wrong audience": lambda: documents.keys.sign(good | {"aud": "sentra-credit"}),
        "wrong signature": lambda: OfficerKeys(tmp_path).sign(good, kid=kid),
        "not a jwt": lambda: "officer-ani",
    }[why]()
    async with httpx.AsyncClient(base_url=documents.url) as client:
        response = await client.get("/reviews", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert token not in response.text


async def test_a_valid_token_without_the_officer_role_gets_403(documents: Documents) -> None:
    case = await flagged_case(documents)
    token = documents.token("clerk-budi", roles=("counter",))
    async with httpx.AsyncClient(base_url=documents.url) as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert (await client.get("/reviews", headers=headers)).status_code == 403
        cleared = await client.post(
            f"/reviews/{case.case_id}/clear",
            json={"reason": "Looks fine to me, no need to wait."},
            headers=headers,
        )
    assert cleared.status_code == 403
    assert (await review_row(documents, case.case_id))["status"] == "open"


async def test_without_keys_officer_requests_get_503_and_intake_keeps_working(
    local_stack: Stack, documents: Documents
) -> None:
    settings = DocumentsSettings(
        database_url=documents.dsn,
        **local_stack.kafka_settings("documents"),
        http_port=0,
        consumer_group="sentra-documents.documents-review-tests-nokeys",
    )
    async with serving(create_app(settings)) as url, httpx.AsyncClient(base_url=url) as client:
        refused = await client.get("/reviews", headers=documents.auth())
        assert refused.status_code == 503
        assert "SENTRA_DOCUMENTS_OFFICER_JWKS_URL" in refused.json()["detail"]
        form = placement_form(next(_serials)).model_dump(mode="json", exclude_none=True)
        assert (await client.post("/applications", json=form)).status_code == 202


# --- reading cases -------------------------------------------------------------------------


async def test_the_list_shows_open_cases_oldest_first_and_which_are_overdue(
    documents: Documents,
) -> None:
    older = await flagged_case(documents, due_in=timedelta(days=1))
    documents.clock.advance(timedelta(minutes=5))
    newer = await flagged_case(documents, due_in=timedelta(days=5))
    async with httpx.AsyncClient(base_url=documents.url) as client:
        listed = await client.get("/reviews", params={"limit": 500}, headers=documents.auth())
        assert listed.status_code == 200
        cases = {c["case_id"]: c for c in listed.json()}
        order = [c["case_id"] for c in listed.json()]
        assert order.index(str(older.case_id)) < order.index(str(newer.case_id))
        entry = cases[str(older.case_id)]
        assert entry["application_id"] == str(older.application_id)
        assert entry["kind"] == "placement"
        assert entry["regency_code"] == "3314"
        assert entry["region"] == SRAGEN
        assert entry["flag_codes"] == ["FLAG_SHARED_NIK"]
        assert datetime.fromisoformat(entry["review_due"]) == older.review_due
        assert entry["overdue"] is False

        documents.clock.advance(timedelta(days=2))
        cases = {
            c["case_id"]: c for c in (await client.get("/reviews", headers=documents.auth())).json()
        }
    assert cases[str(older.case_id)]["overdue"] is True
    assert cases[str(newer.case_id)]["overdue"] is False


async def test_an_open_case_shows_flags_and_masked_shared_identifiers_only(
    documents: Documents,
) -> None:
    case = await flagged_case(documents)
    async with httpx.AsyncClient(base_url=documents.url) as client:
        response = await client.get(f"/reviews/{case.case_id}", headers=documents.auth())
        missing = await client.get(f"/reviews/{uuid.uuid4()}", headers=documents.auth())
    assert missing.status_code == 404
    assert response.status_code == 200
    detail = response.json()
    assert detail["status"] == "open"
    expected_flag = reason(DocumentsReason.FLAG_SHARED_NIK, count=3)
    assert detail["flags"] == [expected_flag.model_dump(mode="json")]
    assert "3" in expected_flag.text.id and "3" in expected_flag.text.en
    assert detail["application"] == {
        "kind": "placement",
        "status": "under_review",
        "regency_code": "3314",
        "region": SRAGEN,
        "destination_country": "MY",
        "job": "domestic_worker",
        "recruiter_licence_number": "SIP3MI/2024/017",
    }
    nik = case.form.applicant.nik
    by_kind = {i["kind"]: i for i in detail["identifiers"]}
    assert by_kind["nik"]["masked"] == f"3314********{nik[-4:]}"
    assert sorted(by_kind["nik"]["shared_with"], key=lambda s: s["application_id"]) == sorted(
        [
            {"application_id": str(case.others[0]), "status": "checking"},
            {"application_id": str(case.others[1]), "status": "rejected"},
        ],
        key=lambda s: s["application_id"],
    )
    phone = case.form.applicant.phone
    assert by_kind["phone"] == {
        "kind": "phone",
        "masked": f"{phone[:6]}****{phone[-4:]}",
        "shared_with": [],  # only this application uses the number
    }
    # Never the plaintext: not the NIK, the phone number, the name or the birth date.
    for secret in (nik, phone, "Dewi Lestari", "1998-05-20"):
        assert secret not in response.text


# --- deciding ------------------------------------------------------------------------------


async def test_clearing_a_case_sends_the_application_to_the_agencies(
    documents: Documents,
) -> None:
    case = await flagged_case(documents)
    why = "NIK shared with relatives' files by a data-entry error at the counter."
    async with httpx.AsyncClient(base_url=documents.url) as client:
        response = await client.post(
            f"/reviews/{case.case_id}/clear", json={"reason": why}, headers=documents.auth()
        )
    assert response.status_code == 200, response.text
    assert response.json()["decision"] == "cleared"
    assert response.json()["officer_id"] == "officer-ani"
    assert response.json()["decided_late"] is False

    row = await review_row(documents, case.case_id)
    assert (row["status"], row["officer_id"], row["officer_reason"]) == (
        "cleared",
        "officer-ani",
        why,
    )
    assert await review_deadline_answered_at(documents, case) == row["decided_at"]
    assert await application_status(documents, case.application_id) == "checking"

    events = await outbox_events(documents, case.application_id)
    reviewed = [e for e in events if isinstance(e, ApplicationReviewed)]
    assert len(reviewed) == 1
    assert reviewed[0].decision is ReviewDecision.CLEARED
    assert (reviewed[0].officer_id, reviewed[0].reason) == ("officer-ani", why)
    assert reviewed[0].kind is ApplicationKind.PLACEMENT
    assert not [e for e in events if isinstance(e, DocumentsRejected | TraffickingReferred)]

    # Every agency a placement needs is asked, on its own request topic.
    for agency in required_checks(ApplicationKind.PLACEMENT):
        topic = AGENCY_EVENTS[agency][0].topic

        async def asked(topic: str = topic) -> bool:
            return len(await published(documents, topic, case.application_id)) == 1

        await wait_until(asked, within=30)

    async def announced() -> list[Event]:
        found = await published(documents, DOCUMENTS_TOPIC, case.application_id)
        return [e for e in found if isinstance(e, ApplicationReviewed)]

    await wait_until(announced, within=30)
    assert [e.event_id for e in await announced()] == [reviewed[0].event_id]

    # The closed case still reads back, with who decided it and why.
    async with httpx.AsyncClient(base_url=documents.url) as client:
        detail = (await client.get(f"/reviews/{case.case_id}", headers=documents.auth())).json()
        listed = await client.get("/reviews", params={"limit": 500}, headers=documents.auth())
    assert (detail["status"], detail["officer_id"], detail["officer_reason"]) == (
        "cleared",
        "officer-ani",
        why,
    )
    assert detail["overdue"] is False
    assert str(case.case_id) not in {c["case_id"] for c in listed.json()}


async def test_confirming_a_case_rejects_and_refers_to_the_police(documents: Documents) -> None:
    case = await flagged_case(documents)
    why = "Recruiter's agent admitted holding three workers' identity cards."
    async with httpx.AsyncClient(base_url=documents.url) as client:
        response = await client.post(
            f"/reviews/{case.case_id}/confirm",
            json={"reason": why},
            headers=documents.auth("officer-sri"),
        )
    assert response.status_code == 200, response.text
    assert response.json()["decision"] == "confirmed"

    row = await review_row(documents, case.case_id)
    assert (row["status"], row["officer_id"], row["officer_reason"]) == (
        "confirmed",
        "officer-sri",
        why,
    )
    assert await review_deadline_answered_at(documents, case) == row["decided_at"]
    assert await application_status(documents, case.application_id) == "rejected"

    events = await outbox_events(documents, case.application_id)
    (reviewed,) = [e for e in events if isinstance(e, ApplicationReviewed)]
    assert (reviewed.decision, reviewed.officer_id, reviewed.reason) == (
        ReviewDecision.CONFIRMED,
        "officer-sri",
        why,
    )
    (rejected,) = [e for e in events if isinstance(e, DocumentsRejected)]
    assert [r.code for r in rejected.reasons] == ["REVIEW_CONFIRMED_RED_FLAGS"]
    # The applicant is asked to come in; the flag is not named to a possible trafficker.
    told = rejected.reasons[0].text
    assert "LTSA" in told.id and "LTSA" in told.en
    assert "NIK" not in told.id + told.en and "TPPO" not in told.id

    async def referred() -> list[Event]:
        return await published(documents, TPPO_REFERRALS_TOPIC, case.application_id)

    await wait_until(referred, within=30)
    (referral,) = await referred()
    assert isinstance(referral, TraffickingReferred)
    applicant = case.form.applicant
    assert referral.officer_id == "officer-sri"
    assert referral.officer_reason == why
    assert [f.code for f in referral.flags] == ["FLAG_SHARED_NIK"]
    assert (referral.nik, referral.full_name, referral.date_of_birth) == (
        applicant.nik,
        applicant.full_name,
        applicant.date_of_birth,
    )
    assert (referral.regency_code, referral.destination_country, referral.job) == (
        "3314",
        "MY",
        "domestic_worker",
    )
    assert referral.recruiter_licence_number == getattr(
        case.form.placement, "recruiter_licence_number", None
    )
    # No agency is asked about a confirmed case.
    assert not [e for e in events if type(e).__name__.endswith("CheckRequested")]


async def test_a_late_review_is_recorded_as_late(documents: Documents) -> None:
    case = await flagged_case(documents, due_in=timedelta(days=1))
    documents.clock.advance(timedelta(days=3))
    async with httpx.AsyncClient(base_url=documents.url) as client:
        response = await client.post(
            f"/reviews/{case.case_id}/clear",
            json={"reason": "Checked with Dukcapil: two siblings' files."},
            headers=documents.auth(),
        )
    assert response.status_code == 200
    assert response.json()["decided_late"] is True


async def test_acting_twice_on_a_case_is_refused_and_emits_nothing_more(
    documents: Documents,
) -> None:
    case = await flagged_case(documents)
    body = {"reason": "Explained: a cousin typed her NIK twice."}
    async with httpx.AsyncClient(base_url=documents.url) as client:
        first = await client.post(
            f"/reviews/{case.case_id}/clear", json=body, headers=documents.auth()
        )
        again = await client.post(
            f"/reviews/{case.case_id}/clear", json=body, headers=documents.auth()
        )
        other = await client.post(
            f"/reviews/{case.case_id}/confirm", json=body, headers=documents.auth("officer-sri")
        )
        unknown = await client.post(
            f"/reviews/{uuid.uuid4()}/clear", json=body, headers=documents.auth()
        )
    assert first.status_code == 200
    assert (again.status_code, other.status_code, unknown.status_code) == (409, 409, 404)
    events = await outbox_events(documents, case.application_id)
    # The review's wait closes once, the decision is told once; the rest are requests.
    assert [type(e).__name__ for e in events if not type(e).__name__.endswith("Requested")] == [
        "DocumentsAnswerClosed",
        "ApplicationReviewed",
    ]
    assert len([e for e in events if type(e).__name__.endswith("CheckRequested")]) == len(
        required_checks(ApplicationKind.PLACEMENT)
    )
    row = await review_row(documents, case.case_id)
    assert (row["status"], row["officer_id"]) == ("cleared", "officer-ani")


async def test_two_officers_at_once_decide_a_case_once(documents: Documents) -> None:
    case = await flagged_case(documents)
    async with httpx.AsyncClient(base_url=documents.url) as client:
        answers = await asyncio.gather(
            client.post(
                f"/reviews/{case.case_id}/clear",
                json={"reason": "Explained by the family card she brought."},
                headers=documents.auth("officer-ani"),
            ),
            client.post(
                f"/reviews/{case.case_id}/confirm",
                json={"reason": "Same NIK as two files of a known agent."},
                headers=documents.auth("officer-sri"),
            ),
        )
    assert sorted(a.status_code for a in answers) == [200, 409]
    (winner,) = [a.json() for a in answers if a.status_code == 200]
    row = await review_row(documents, case.case_id)
    assert (row["status"], row["officer_id"]) == (winner["decision"], winner["officer_id"])
    events = await outbox_events(documents, case.application_id)
    assert len([e for e in events if isinstance(e, ApplicationReviewed)]) == 1
    assert len([e for e in events if isinstance(e, TraffickingReferred)]) == (
        1 if winner["decision"] == "confirmed" else 0
    )


async def test_a_decision_needs_a_reason(documents: Documents) -> None:
    case = await flagged_case(documents)
    async with httpx.AsyncClient(base_url=documents.url) as client:
        for body in ({}, {"reason": "ok"}, {"reason": "x" * 2001}, {"reason": "   fine    "}):
            response = await client.post(
                f"/reviews/{case.case_id}/confirm", json=body, headers=documents.auth()
            )
            assert response.status_code == 422, body
    assert (await review_row(documents, case.case_id))["status"] == "open"
    # Only the opening of the case's wait (written when the case was set up), nothing more.
    events = await outbox_events(documents, case.application_id)
    assert [type(e).__name__ for e in events] == ["DocumentsAnswerRequested"]
