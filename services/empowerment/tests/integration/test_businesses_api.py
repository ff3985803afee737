"""The empowerment service's business API against real PostgreSQL (and the session's
Kafka, which the service starts with): registration, enrolment under contention, the
programmes on offer and what the intake refuses."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from sentra_empowerment.app import create_app
from sentra_empowerment.config import EmpowermentSettings
from sentra_empowerment.domain.programmes import ProgrammesFileError, report_terms
from sentra_local.stack import Stack
from sentra_local.testing import serving
from sentra_shared.calendar import WIB, indonesian_calendar
from sentra_shared.clock import now
from sentra_shared.deadlines import agency_terms, load_deadlines
from sentra_shared.envelope import decode
from sentra_shared.events import (
    Agency,
    BusinessRegistered,
    DisnakerParticipationRequested,
    EmpowermentStep,
    Event,
    ProgrammeEnrolled,
)

pytestmark = pytest.mark.timeout(120)
E = TypeVar("E", bound=Event)
DATABASE = "empowerment_businesses_api_test"


def today() -> date:
    return now().astimezone(WIB).date()


def programmes_toml() -> str:
    start = today() + timedelta(days=14)
    sessions = ", ".join((start + timedelta(days=7 * i)).isoformat() for i in range(3))
    return f"""
[[programmes]]
id = "cilacap-wirausaha"
title = "Pelatihan kewirausahaan purna PMI Cilacap"
kind = "training"
organiser = "disnaker"
regencies = ["3301"]
capacity = 25
sessions = [{sessions}]
enrolment_closes_on = {(today() + timedelta(days=7)).isoformat()}

[[programmes]]
id = "jateng-pemasaran"
title = "Pendampingan pemasaran produk purna PMI"
kind = "mentoring"
organiser = "trade_office"
regencies = ["*"]
capacity = 3
sessions = [{sessions}]
enrolment_closes_on = {(today() + timedelta(days=7)).isoformat()}

[[programmes]]
id = "banyumas-closed"
title = "Program yang sudah tutup"
kind = "training"
organiser = "bank"
regencies = ["3302"]
capacity = 5
sessions = [{(today() + timedelta(days=1)).isoformat()}]
enrolment_closes_on = {(today() - timedelta(days=1)).isoformat()}
"""


@dataclass(frozen=True)
class Service:
    url: str
    pool: asyncpg.Pool

    async def post(self, path: str, body: Any) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            return await client.post(path, json=body)

    async def get(self, path: str) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            return await client.get(path)

    async def outbox(self, application_id: uuid.UUID, kind: type[E]) -> list[E]:
        rows = await self.pool.fetch("SELECT headers, payload FROM outbox ORDER BY id")
        events = [decode(json.loads(r["headers"]), r["payload"]) for r in rows]
        return [e for e in events if isinstance(e, kind) and e.application_id == application_id]


@pytest.fixture(scope="module")
async def service(
    local_stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Service]:
    path = tmp_path_factory.mktemp("programmes") / "programmes.toml"
    path.write_text(programmes_toml(), encoding="utf-8")
    await local_stack.postgres.recreate_databases([DATABASE])
    app = create_app(
        EmpowermentSettings(
            database_url=local_stack.postgres.dsn(DATABASE),
            **local_stack.kafka_settings("empowerment"),
            http_port=0,
            programmes_file=path,
            consumer_group=f"sentra-empowerment.{DATABASE}-{uuid.uuid4().hex[:8]}",
        )
    )
    async with serving(app) as url:
        yield Service(url, app.state.runtime.pool)


def business_form(
    regency: str = "3301", catalogue: str = "listing_and_contact", **business: Any
) -> dict[str, Any]:
    return {
        "owner": {
            "full_name": "Siti Rahayu",
            "role": "returnee",
            "date_of_birth": "1990-04-02",
            "phone": "+6281234567890",
            "email": None,
            "channels": ["sms"],
            "language": "id",
        },
        "business": {
            "name": "Keripik Tempe Bu Siti",
            "sector": "food_and_drink",
            "regency_code": regency,
            "stage": "starting",
            "products": [
                {
                    "name": "Keripik tempe 250 g",
                    "description": "Renyah, tanpa MSG.",
                    "price_idr": 15000,
                }
            ],
        }
        | business,
        "catalogue": catalogue,
    }


async def register(service: Service, **kwargs: Any) -> uuid.UUID:
    response = await service.post("/businesses", business_form(**kwargs))
    assert response.status_code == 202, response.text
    return uuid.UUID(response.json()["business_id"])


async def test_a_registered_business_is_stored_and_announced_with_the_owners_contact(
    service: Service,
) -> None:
    response = await service.post("/businesses", business_form(catalogue="listing"))
    assert response.status_code == 202
    body = response.json()
    business_id = uuid.UUID(body["business_id"])
    assert len(body["tracking_code"]) == 11
    (registered,) = await service.outbox(business_id, BusinessRegistered)
    assert (registered.owner_role, registered.sector, registered.regency_code) == (
        "returnee", "food_and_drink", "3301"
    )  # fmt: skip
    assert registered.stage == "starting" and registered.listed
    assert registered.contact.tracking_code == body["tracking_code"]
    assert registered.contact.date_of_birth == date(1990, 4, 2)
    assert registered.contact.phone == "+6281234567890"
    stored = (await service.get(f"/businesses/{business_id}")).json()
    assert stored["name"] == "Keripik Tempe Bu Siti" and stored["catalogue"] == "listing"
    assert stored["products"][0]["price_idr"] == 15000
    assert stored["enrolments"] == [] and stored["award"] is None
    assert (await service.get(f"/businesses/{uuid.uuid4()}")).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda f: f["business"].update(regency_code="3399"), ["business", "regency_code"]),
        (lambda f: f["business"].update(regency_code="٣٣٠١"), ["business", "regency_code"]),
        (lambda f: f["business"].update(sector="mining"), ["business", "sector"]),
        (lambda f: f["owner"].update(role="worker"), ["owner", "role"]),
        (lambda f: f["owner"].update(phone=None), ["owner"]),
        (lambda f: f["owner"].update(date_of_birth="2020-01-01"), ["owner", "date_of_birth"]),
        (lambda f: f["owner"].update(full_name="Siti\u200bRahayu"), ["owner", "full_name"]),
        (lambda f: f["business"]["products"][0].update(price_idr="15000"), ["price_idr"]),
        (lambda f: f["business"]["products"][0].update(price_idr=0), ["price_idr"]),
        (
            lambda f: f["business"].update(products=[f["business"]["products"][0]] * 21),
            ["products"],
        ),
        (lambda f: f.update(catalogue="public"), ["catalogue"]),
        (lambda f: f.update(nik="3301015403960007"), ["nik"]),
    ],
)
async def test_bad_input_answers_422_naming_the_field_and_stores_nothing(
    service: Service, change: Any, field: list[str]
) -> None:
    form = business_form(name=f"Usaha {uuid.uuid4().hex[:8]}")
    change(form)
    response = await service.post("/businesses", form)
    assert response.status_code == 422, response.text
    locations = [e["loc"] for e in response.json()["detail"]]
    assert any(all(part in loc for part in field) for loc in locations), locations
    stored = await service.pool.fetchval(
        "SELECT count(*) FROM businesses WHERE name = $1", form["business"]["name"]
    )
    assert stored == 0


async def test_an_enrolment_takes_a_seat_asks_the_organiser_and_opens_the_report_deadline(
    service: Service,
) -> None:
    business_id = await register(service)
    response = await service.post(
        f"/businesses/{business_id}/enrolments", {"programme_id": "cilacap-wirausaha"}
    )
    assert response.status_code == 202, response.text
    body = response.json()
    last_session = today() + timedelta(days=28)
    # Five working days whoever organises, Disnaker included (its checks get one).
    terms = report_terms(agency_terms()[Agency.DISNAKER])
    assert terms.days == 5
    noon = datetime.combine(last_session, datetime.min.time().replace(hour=12), tzinfo=WIB)
    due = terms.due_at(noon, indonesian_calendar())
    assert datetime.fromisoformat(body["report_due"]) == due
    (enrolled,) = await service.outbox(business_id, ProgrammeEnrolled)
    assert (enrolled.organiser, enrolled.ends_on, enrolled.report_due) == (
        "disnaker",
        last_session,
        due,
    )
    (asked,) = await service.outbox(business_id, DisnakerParticipationRequested)
    assert asked.participant_name == "Siti Rahayu" and len(asked.sessions) == 3
    assert asked.report_due == (due - timedelta(days=1)).date()
    async with service.pool.acquire() as conn:
        (deadline,) = await load_deadlines(conn, business_id)
    assert deadline.step == EmpowermentStep.PROGRAMME_REPORT and deadline.due_at == due
    assert deadline.request_id == asked.event_id and deadline.party == "disnaker"
    again = await service.post(
        f"/businesses/{business_id}/enrolments", {"programme_id": "cilacap-wirausaha"}
    )
    assert again.status_code == 409
    assert [r["code"] for r in again.json()["reasons"]] == ["ALREADY_ENROLLED"]


async def test_refused_enrolments_answer_409_with_every_reason_and_unknowns_404(
    service: Service,
) -> None:
    business_id = await register(service)
    refused = await service.post(
        f"/businesses/{business_id}/enrolments", {"programme_id": "banyumas-closed"}
    )
    assert refused.status_code == 409
    reasons = refused.json()["reasons"]
    assert [r["code"] for r in reasons] == ["ENROLMENT_CLOSED", "REGENCY_NOT_SERVED"]
    assert "3301" in reasons[1]["text"]["id"] and "3301" in reasons[1]["text"]["en"]
    assert await service.outbox(business_id, ProgrammeEnrolled) == []
    unknown = await service.post(f"/businesses/{business_id}/enrolments", {"programme_id": "x"})
    assert unknown.status_code == 404
    nobody = await service.post(
        f"/businesses/{uuid.uuid4()}/enrolments", {"programme_id": "cilacap-wirausaha"}
    )
    assert nobody.status_code == 404


async def test_concurrent_enrolments_never_overbook_a_programme(service: Service) -> None:
    businesses = [await register(service, regency="3302") for _ in range(8)]
    responses = await asyncio.gather(
        *(
            service.post(f"/businesses/{b}/enrolments", {"programme_id": "jateng-pemasaran"})
            for b in businesses
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [202] * 3 + [409] * 5
    full = [r.json()["reasons"] for r in responses if r.status_code == 409]
    assert all([x["code"] for x in reasons] == ["PROGRAMME_FULL"] for reasons in full)
    taken = await service.pool.fetchval(
        "SELECT count(*) FROM enrolments WHERE programme_id = 'jateng-pemasaran'"
    )
    assert taken == 3
    listed = {p["id"]: p for p in (await service.get("/programmes")).json()["programmes"]}
    assert listed["jateng-pemasaran"]["seats_left"] == 0
    assert listed["jateng-pemasaran"]["regencies"] == ["*"]
    assert listed["banyumas-closed"]["seats_left"] == 5
    assert listed["cilacap-wirausaha"]["sessions"][0] == (today() + timedelta(days=14)).isoformat()


def test_a_bad_programmes_file_stops_the_start_naming_the_file_and_the_problem(
    tmp_path: Path,
) -> None:
    path = tmp_path / "programmes.toml"
    path.write_text(programmes_toml().replace("capacity = 3", "capacity = 0"), encoding="utf-8")
    settings = EmpowermentSettings(
        database_url="postgresql://unused/unused", http_port=0, programmes_file=path
    )
    with pytest.raises(ProgrammesFileError) as refused:
        create_app(settings)
    assert str(path) in str(refused.value)
    assert "programmes[1].capacity: Input should be greater than 0" in str(refused.value)
    path.write_text("[[programmes]\n", encoding="utf-8")
    with pytest.raises(ProgrammesFileError, match=r"programmes file .*programmes\.toml"):
        create_app(settings)


async def test_a_retry_with_the_same_idempotency_key_registers_the_business_once(
    service: Service,
) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
        first = await client.post("/businesses", json=business_form(), headers=key)
        again = await client.post("/businesses", json=business_form(), headers=key)
        other = await client.post("/businesses", json=business_form(regency="3302"), headers=key)
    assert first.status_code == again.status_code == 202, (first.text, again.text)
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    business_id = uuid.UUID(first.json()["business_id"])
    assert len(await service.outbox(business_id, BusinessRegistered)) == 1
    stored = await service.pool.fetchval(
        "SELECT count(*) FROM businesses WHERE business_id = $1", business_id
    )
    assert stored == 1
    assert other.status_code == 409
    assert other.json()["detail"][0]["type"] == "idempotency_key_reused"
