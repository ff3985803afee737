"""One submission, one application: the `Idempotency-Key` header of POST /applications,
against the real service (uvicorn, PostgreSQL, Kafka). A retry gets the first answer and
creates nothing; another form under the same key is refused; concurrent retries make one
application; a malformed key is a 4xx naming the header; keys are forgotten after 24 h."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sentra_documents import repository
from sentra_documents.forms import ApplicationForm
from sentra_local.stack import Stack
from sentra_local.testing import EventRecorder, wait_until
from sentra_shared import clock, idempotency
from sentra_shared.clock import ManualClock, now
from sentra_shared.events import ApplicationSubmitted
from sentra_shared.idempotency import HEADER, REPLAYED_HEADER

pytestmark = pytest.mark.timeout(150)


@pytest.fixture(scope="module")
async def documents(local_stack: Stack, kit: Any) -> AsyncIterator[Any]:
    async with kit.running_documents(local_stack, "documents_idempotency_test") as running:
        yield running


@pytest.fixture
def manual_clock() -> Iterator[ManualClock]:
    with clock.installed(ManualClock()) as installed:
        assert isinstance(installed, ManualClock)
        yield installed


def kur_form(kit: Any) -> dict[str, Any]:
    """A KUR loan form of a fresh applicant (unique NIK), channels left to the default."""
    return {
        "kind": "kur_loan",
        "applicant": kit.applicant(),
        "credit": {
            "product": "placement",
            "amount_idr": 20_000_000,
            "tenor_months": 24,
            "contract_months": 36,
        },
    }


def new_key() -> str:
    return str(uuid.uuid4())


async def post(
    documents: Any, form: dict[str, Any], key: str | bytes | None = None, *, raw: str = ""
) -> httpx.Response:
    headers: dict[str, Any] = {"content-type": "application/json"}
    if key is not None:
        headers[HEADER] = key
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(
            f"{documents.url}/applications", content=raw or json.dumps(form), headers=headers
        )


async def applications_of(documents: Any, form: dict[str, Any]) -> list[uuid.UUID]:
    rows = await documents.pool.fetch(
        # By phone: the NIK is sealed at rest (docs/data-at-rest.md); the phone is unique
        # per test applicant too.
        """SELECT application_id FROM applications
           WHERE form -> 'applicant' ->> 'phone' = $1 ORDER BY submitted_at""",
        form["applicant"]["phone"],
    )
    return [r["application_id"] for r in rows]


async def stored_key(documents: Any, key: str) -> Any:
    return await documents.pool.fetchrow("SELECT * FROM idempotency_keys WHERE key = $1", key)


def reordered(value: Any) -> Any:
    """The same JSON with every object's keys in reverse order."""
    if isinstance(value, dict):
        return {k: reordered(value[k]) for k in reversed(list(value))}
    return value


async def test_a_retry_with_the_same_key_and_form_gets_the_first_answer_and_creates_nothing(
    documents: Any, kit: Any, local_stack: Stack
) -> None:
    form, key = kur_form(kit), new_key()
    async with EventRecorder(local_stack.kafka.admin, ApplicationSubmitted.topic) as kafka:
        first = await post(documents, form, key)
        assert first.status_code == 202, first.text
        assert REPLAYED_HEADER not in first.headers
        answer = first.json()

        # The retry is the same form written differently: keys in another order, pretty
        # printed, the default channel spelt out. The validated form is what counts.
        spelt_out = json.loads(json.dumps(form))
        spelt_out["applicant"]["channels"] = ["sms"]
        retry = await post(documents, form, key, raw=json.dumps(reordered(spelt_out), indent=4))
        assert retry.status_code == 202, retry.text
        assert retry.json() == answer
        assert retry.headers[REPLAYED_HEADER] == "true"

        application_id = uuid.UUID(answer["application_id"])
        assert await applications_of(documents, form) == [application_id]
        announced = await documents.events(application_id, ApplicationSubmitted)
        assert len(announced) == 1
        assert announced[0].contact is not None
        assert announced[0].contact.tracking_code == answer["tracking_code"]
        # On Kafka too: the one announcement, once the relay has published it.
        await kafka.first(application_id, ApplicationSubmitted)

        async def relayed() -> bool:
            waiting = await documents.pool.fetchval(
                "SELECT count(*) FROM outbox WHERE key = $1 AND published_at IS NULL",
                str(application_id).encode(),
            )
            return waiting == 0

        await wait_until(relayed, within=30)
        assert [e.event_id for e in kafka.of(application_id, ApplicationSubmitted)] == [
            announced[0].event_id
        ]


async def test_the_same_key_with_another_form_is_refused_and_stores_nothing(
    documents: Any, kit: Any
) -> None:
    form, key = kur_form(kit), new_key()
    first = await post(documents, form, key)
    assert first.status_code == 202, first.text

    changed = json.loads(json.dumps(form))
    changed["credit"]["amount_idr"] = 25_000_000
    refused = await post(documents, changed, key)

    assert refused.status_code == 409, refused.text
    [error] = refused.json()["detail"]
    assert error["loc"] == ["header", HEADER]
    assert error["type"] == "idempotency_key_reused"
    assert HEADER in error["msg"]
    assert await applications_of(documents, form) == [uuid.UUID(first.json()["application_id"])]
    # The key still stands for the first form.
    again = await post(documents, form, key)
    assert again.status_code == 202 and again.json() == first.json()


async def test_ten_concurrent_submissions_with_one_key_make_one_application(
    documents: Any, kit: Any
) -> None:
    form, key = kur_form(kit), new_key()

    answers = await asyncio.gather(*(post(documents, form, key) for _ in range(10)))

    assert [a.status_code for a in answers] == [202] * 10, [a.text for a in answers]
    assert len({a.text for a in answers}) == 1
    assert sum(REPLAYED_HEADER in a.headers for a in answers) == 9
    application_id = uuid.UUID(answers[0].json()["application_id"])
    assert await applications_of(documents, form) == [application_id]
    assert len(await documents.events(application_id, ApplicationSubmitted)) == 1


async def lock_waits(documents: Any) -> int:
    """Sessions of the service's database waiting for a lock on an idempotency key."""
    waiting: int = await documents.pool.fetchval(
        """SELECT count(*) FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'
             AND query LIKE '%idempotency_keys%'"""
    )
    return waiting


@pytest.mark.parametrize("first_commits", [True, False], ids=["commits", "rolls-back"])
async def test_a_retry_while_the_first_is_still_running_waits_for_its_outcome(
    documents: Any, kit: Any, first_commits: bool
) -> None:
    """The first submission is held open in a transaction of its own, exactly where the
    service would be between claiming the key and committing the application."""
    form, key = kur_form(kit), new_key()
    parsed = ApplicationForm.model_validate(form)
    first = idempotency.Answer(uuid.uuid4(), "7K3QD-9XWM2")
    async with documents.pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        claimed = await idempotency.claim(conn, key, idempotency.fingerprint(parsed), first, now())
        assert claimed is None
        sealer = documents.app.state.sealer
        await repository.insert_application(
            conn, first.application_id, parsed, "ref", now(), sealer
        )

        retry = asyncio.create_task(post(documents, form, key))
        await wait_until(lambda: lock_waits(documents), within=30)
        assert not retry.done()
        if first_commits:
            await transaction.commit()
        else:
            await transaction.rollback()
    answer = await retry

    assert answer.status_code == 202, answer.text
    stored = await applications_of(documents, form)
    if first_commits:
        assert answer.json() == {
            "application_id": str(first.application_id),
            "tracking_code": first.tracking_code,
        }
        assert answer.headers[REPLAYED_HEADER] == "true"
        assert stored == [first.application_id]
    else:
        # The first never happened: the retry took the key and is the application.
        assert REPLAYED_HEADER not in answer.headers
        assert stored == [uuid.UUID(answer.json()["application_id"])] != [first.application_id]
        assert (await stored_key(documents, key))["application_id"] == stored[0]


@pytest.mark.parametrize(
    "key",
    ["", "two words", "k" * 256, "kunci-é".encode(), "ключ".encode()],
    ids=["empty", "space", "too-long", "latin-accent", "cyrillic"],
)
async def test_a_malformed_key_is_refused_naming_the_header_and_stores_nothing(
    documents: Any, kit: Any, key: str | bytes
) -> None:
    form = kur_form(kit)
    answer = await post(documents, form, key)
    assert answer.status_code == 422, answer.text
    assert [e["loc"] for e in answer.json()["detail"]] == [["header", HEADER]]
    assert await applications_of(documents, form) == []


async def test_a_key_with_control_characters_is_refused_by_the_server(
    documents: Any, kit: Any
) -> None:
    # No HTTP client sends this, so it goes over a bare socket.
    host, port = documents.url.removeprefix("http://").split(":")
    body = json.dumps(kur_form(kit)).encode()
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"POST /applications HTTP/1.1\r\nHost: sentra\r\nContent-Type: application/json\r\n"
        b"Idempotency-Key: abc\x01def\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
        % (len(body), body)
    )
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), timeout=30)
    writer.close()
    status = int(status_line.split()[1])
    assert 400 <= status < 500, status_line


async def test_without_a_key_two_submissions_of_one_applicant_are_two_applications(
    documents: Any, kit: Any
) -> None:
    """Reusing a NIK is for the red-flag rules to judge, not for the HTTP layer."""
    form = kur_form(kit)
    answers = [await post(documents, form), await post(documents, form)]
    assert [a.status_code for a in answers] == [202, 202]
    ids = [uuid.UUID(a.json()["application_id"]) for a in answers]
    assert ids[0] != ids[1]
    assert answers[0].json()["tracking_code"] != answers[1].json()["tracking_code"]
    assert await applications_of(documents, form) == ids


async def test_a_key_is_kept_for_24_hours_then_forgotten(
    documents: Any, kit: Any, manual_clock: ManualClock
) -> None:
    form, key = kur_form(kit), new_key()
    other_form, other_key = kur_form(kit), new_key()
    first = await post(documents, form, key)
    assert (await post(documents, other_form, other_key)).status_code == 202
    kept = await stored_key(documents, key)
    assert kept["expires_at"] - kept["created_at"] == timedelta(hours=24)

    manual_clock.advance(timedelta(hours=23, minutes=59))
    within_a_day = await post(documents, form, key)
    assert within_a_day.json() == first.json()
    assert within_a_day.headers[REPLAYED_HEADER] == "true"

    manual_clock.advance(timedelta(minutes=2))
    after_a_day = await post(documents, form, key)
    assert after_a_day.status_code == 202, after_a_day.text
    assert REPLAYED_HEADER not in after_a_day.headers
    second_id = uuid.UUID(after_a_day.json()["application_id"])
    assert await applications_of(documents, form) == [
        uuid.UUID(first.json()["application_id"]),
        second_id,
    ]
    # The key now stands for the new application, for another 24 hours; the other
    # expired key (and with it its tracking code) is gone.
    renewed = await stored_key(documents, key)
    assert renewed["application_id"] == second_id
    assert renewed["expires_at"] > now() + timedelta(hours=23)
    assert await stored_key(documents, other_key) is None


async def test_the_openapi_document_declares_the_header_and_its_answers(documents: Any) -> None:
    operation = documents.app.openapi()["paths"]["/applications"]["post"]
    [parameter] = [p for p in operation["parameters"] if p["name"] == HEADER]
    assert parameter["in"] == "header" and parameter["required"] is False
    assert {"type": "string", "pattern": idempotency.KEY_PATTERN} in parameter["schema"]["anyOf"]
    assert REPLAYED_HEADER in operation["responses"]["202"]["headers"]
    assert HEADER in operation["responses"]["409"]["description"]
