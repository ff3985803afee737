"""The documents service running in-process against the session's real Kafka and
PostgreSQL, and what the tests need around it: forms, the outbox read back as events,
the agencies' side of the wire."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from sentra_documents.app import create_app
from sentra_documents.config import DocumentsSettings
from sentra_documents.licences import SAMPLE_FILE, load_licences
from sentra_local.samples import nik_for
from sentra_local.stack import Stack
from sentra_local.testing import serving, wait_until
from sentra_shared.calendar import WIB
from sentra_shared.clock import now
from sentra_shared.deadlines import Deadline, load_deadlines
from sentra_shared.envelope import decode, encode, headers_for
from sentra_shared.events import AgencyCheckRequested, Event
from sentra_shared.kafka_login import KafkaLogin

E = TypeVar("E", bound=Event)

VALID_LICENCE = "SIP3MI-3314-0103-2023"  # sample registry: valid 2023-06-01 .. 2028-05-31
EVERY_DOCUMENT = (
    "ktp", "family_card", "birth_certificate_or_diploma", "marital_status_statement",
    "family_permission", "competency_certificate", "health_certificate", "passport",
    "work_visa", "placement_agreement", "work_contract", "bpjs_membership",
)  # fmt: skip
_serials = itertools.count(1)


def today_wib() -> date:
    return now().astimezone(WIB).date()


def applicant(
    born: date | None = None, *, sex: str = "F", nik_born: date | None = None
) -> dict[str, Any]:
    """A fresh applicant: NIK, phone and (in `placement_form`) passport and account are
    unique per call, so no two test applicants share an identifier by accident."""
    serial = next(_serials)
    born = born or today_wib().replace(year=today_wib().year - 30)
    return {
        "full_name": "Siti Rahayu",
        "nik": nik_for("3314", nik_born or born, sex, serial),
        "date_of_birth": born.isoformat(),
        "sex": sex,
        "phone": f"+62813{serial:08d}",
    }


def placement_form(**placement: Any) -> dict[str, Any]:
    person = placement.pop("applicant", None) or applicant()
    serial = person["nik"][-8:]  # the NIK's serial makes it unique
    issued = today_wib() - timedelta(days=10)
    details: dict[str, Any] = {
        "destination_country": "TW",
        "job": "elderly_caregiver",
        "recruiter_licence_number": VALID_LICENCE,
        "documents": [
            {"kind": kind, "issued_on": issued.isoformat()}
            if kind == "health_certificate"
            else {"kind": kind}
            for kind in EVERY_DOCUMENT
        ],
        "fees": [],
        "passport_number": f"C{serial[-7:]}",
        "bank_account": f"01{serial}",
    }
    details.update(placement)
    return {"kind": "placement", "applicant": person, "placement": details}


@dataclass
class Documents:
    url: str
    pool: asyncpg.Pool
    app: FastAPI
    kafka: KafkaLogin  # the test's own clients (agencies it plays): the super user

    async def submit(self, form: dict[str, Any]) -> uuid.UUID:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(f"{self.url}/applications", json=form)
        assert response.status_code == 202, response.text
        return uuid.UUID(response.json()["application_id"])

    async def status(self, application_id: uuid.UUID) -> str | None:
        status: str | None = await self.pool.fetchval(
            "SELECT status FROM applications WHERE application_id = $1", application_id
        )
        return status

    async def wait_status(self, application_id: uuid.UUID, status: str, within: float = 30) -> None:
        async def reached() -> bool:
            return await self.status(application_id) == status

        await wait_until(reached, within=within)

    async def events(self, application_id: uuid.UUID, kind: type[E]) -> list[E]:
        """What the service published (or is about to) for the application, in order."""
        rows = await self.pool.fetch(
            "SELECT headers, payload FROM outbox WHERE key = $1 ORDER BY id",
            str(application_id).encode(),
        )
        decoded = [decode(json.loads(r["headers"]), bytes(r["payload"])) for r in rows]
        return [e for e in decoded if isinstance(e, kind)]

    async def wait_event(self, application_id: uuid.UUID, kind: type[E], within: float = 30) -> E:
        found: list[E] = []

        async def published() -> bool:
            found[:] = await self.events(application_id, kind)
            return bool(found)

        await wait_until(published, within=within)
        return found[0]

    async def deadlines(self, application_id: uuid.UUID) -> list[Deadline]:
        async with self.pool.acquire() as conn:
            return await load_deadlines(conn, application_id)

    async def review_case(self, application_id: uuid.UUID) -> asyncpg.Record:
        row = await self.pool.fetchrow(
            "SELECT * FROM review_cases WHERE application_id = $1 AND status = 'open'",
            application_id,
        )
        assert row is not None, "no open review case"
        return row

    async def answer(self, event: Event) -> None:
        """Play an agency: send its answer on its result topic."""
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


async def requests_of(
    documents: Documents, application_id: uuid.UUID
) -> list[AgencyCheckRequested]:
    return await documents.events(application_id, AgencyCheckRequested)


@asynccontextmanager
async def running_documents(
    stack: Stack, database: str, *, fresh: bool = True, **settings: Any
) -> AsyncIterator[Documents]:
    """The documents service on its own database (the sample SIP3MI registry loaded) and
    its own consumer group."""
    if fresh:
        await stack.postgres.recreate_databases([database])
    settings.setdefault("consumer_group", f"sentra-documents.{database}-{uuid.uuid4().hex[:8]}")
    app = create_app(
        DocumentsSettings(
            database_url=stack.postgres.dsn(database),
            **stack.kafka_settings("documents"),
            http_port=0,
            deadline_poll_interval_s=0.2,
            outbox_poll_interval_s=0.2,
            **settings,
        )
    )
    async with serving(app) as url:
        pool = app.state.runtime.pool
        async with pool.acquire() as conn:
            await load_licences(conn, SAMPLE_FILE)
        yield Documents(url, pool, app, stack.kafka.admin)


@dataclass(frozen=True)
class Kit:
    """The helpers above, for test modules (which cannot import a conftest)."""

    applicant: Callable[..., dict[str, Any]] = applicant
    placement_form: Callable[..., dict[str, Any]] = placement_form
    running_documents: Callable[..., Any] = running_documents
    requests_of: Callable[..., Any] = requests_of
    today_wib: Callable[[], date] = today_wib
    valid_licence: str = VALID_LICENCE


@pytest.fixture(scope="session")
def kit() -> Kit:
    return Kit()
