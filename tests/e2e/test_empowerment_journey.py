"""Productive empowerment end to end, over the real broker and database: a business is
registered and enrolled, the organiser reports its attendance and milestones, and it is
assessed for the award by the published criteria.

The empowerment service and the built-in responders of the manpower office and the trade
office run in-process; the bank (organiser of the third programme) is left silent, so
its report goes overdue and is escalated. The outcome is read from Kafka (empowerment's
stream and the oversight escalations), the HTTP API and the audit log.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sentra_agencies.app import AgenciesSettings
from sentra_agencies.app import create_app as create_agencies
from sentra_empowerment.app import create_app as create_empowerment
from sentra_empowerment.config import EmpowermentSettings
from sentra_empowerment.domain.award import AWARD_CRITERIA
from sentra_empowerment.programmes import rules_version
from sentra_local.stack import Stack
from sentra_local.testing import EventRecorder, serving, wait_until
from sentra_shared import audit, clock
from sentra_shared.calendar import WIB
from sentra_shared.deadlines import agency_terms
from sentra_shared.events import (
    EMPOWERMENT_TOPIC,
    ESCALATIONS_TOPIC,
    Agency,
    AwardAssessed,
    EmpowermentAnswerClosed,
    EmpowermentDeadlineEscalated,
    EmpowermentDeadlineOverdue,
    EmpowermentStep,
    ProgrammeEnrolled,
    ProgressRecorded,
)
from sentra_shared.runtime import ServiceRuntime

pytestmark = pytest.mark.timeout(180)
DATABASE = "empowerment_journey_test"


def today() -> date:
    return clock.now().astimezone(WIB).date()


def programmes_toml() -> str:
    start = today() + timedelta(days=14)
    sessions = ", ".join((start + timedelta(days=7 * i)).isoformat() for i in range(3))
    closes = (today() + timedelta(days=7)).isoformat()
    entries = [
        ("cilacap-wirausaha", "disnaker", "training", '["3301"]'),
        ("jateng-pemasaran", "trade_office", "mentoring", '["*"]'),
        ("jateng-kur-pendampingan", "bank", "mentoring", '["*"]'),
    ]
    return "\n".join(
        f"""[[programmes]]
id = "{pid}"
title = "Program {pid}"
kind = "{kind}"
organiser = "{organiser}"
regencies = {regencies}
capacity = 20
sessions = [{sessions}]
enrolment_closes_on = {closes}
"""
        for pid, organiser, kind, regencies in entries
    )


@dataclass
class Journey:
    url: str
    runtime: ServiceRuntime
    events: EventRecorder

    async def register(self, full_name: str, stage: str, regency: str = "3301") -> uuid.UUID:
        form = {
            "owner": {
                "full_name": full_name,
                "role": "returnee",
                "date_of_birth": "1988-06-15",
                "phone": "+6281234567000",
                "channels": ["sms"],
            },
            "business": {
                "name": f"Usaha {full_name}",
                "sector": "food_and_drink",
                "regency_code": regency,
                "stage": stage,
                "products": [{"name": "Keripik tempe", "description": "250 g, renyah."}],
            },
            "catalogue": "listing",
        }
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            response = await client.post("/businesses", json=form)
        assert response.status_code == 202, response.text
        return uuid.UUID(response.json()["business_id"])

    async def enrol(self, business_id: uuid.UUID, programme_id: str) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            response = await client.post(
                f"/businesses/{business_id}/enrolments", json={"programme_id": programme_id}
            )
        assert response.status_code == 202, response.text
        body: dict[str, Any] = response.json()
        return body

    async def get(self, path: str) -> Any:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            response = await client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    async def audit_rows(self, business_id: uuid.UUID) -> list[audit.AuditRow]:
        async with self.runtime.pool.acquire() as conn:
            return await audit.read_application(conn, business_id)

    async def audited(self, business_id: uuid.UUID) -> list[audit.AuditRow]:
        """The business's audit rows once the chain has linked its decision (shortly
        after the commit)."""
        await wait_until(lambda: self.audit_rows(business_id), within=30)
        return await self.audit_rows(business_id)


@pytest.fixture(scope="module")
async def journey(
    local_stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Journey]:
    path = tmp_path_factory.mktemp("programmes") / "programmes.toml"
    path.write_text(programmes_toml(), encoding="utf-8")
    await local_stack.postgres.recreate_databases([DATABASE])
    empowerment = create_empowerment(
        EmpowermentSettings(
            database_url=local_stack.postgres.dsn(DATABASE),
            **local_stack.kafka_settings("empowerment"),
            http_port=0,
            programmes_file=path,
            deadline_poll_interval_s=0.2,
            outbox_poll_interval_s=0.2,
            consumer_group=f"sentra-empowerment.journey-{uuid.uuid4().hex[:8]}",
        )
    )
    # The manpower office and the trade office answer; the bank stays silent.
    agencies = create_agencies(
        AgenciesSettings(
            **local_stack.kafka_settings("responders"),
            http_port=0,
            only=(Agency.DISNAKER, Agency.TRADE_OFFICE),
            group_id=f"sentra-builtin-agencies.empowerment-{uuid.uuid4().hex[:8]}",
        )
    )
    async with AsyncExitStack() as running:
        url = await running.enter_async_context(serving(empowerment))
        await running.enter_async_context(serving(agencies))
        events = EventRecorder(local_stack.kafka.admin, EMPOWERMENT_TOPIC, ESCALATIONS_TOPIC)
        await events.start()
        running.push_async_callback(events.stop)
        yield Journey(url, empowerment.state.runtime, events)


async def test_a_business_completes_its_programme_reaches_milestones_and_is_nominated(
    journey: Journey,
) -> None:
    business_id = await journey.register("Siti Rahayu", stage="starting")
    accepted = await journey.enrol(business_id, "cilacap-wirausaha")

    enrolled = await journey.events.first(business_id, ProgrammeEnrolled)
    assert (enrolled.organiser, enrolled.programme_id) == ("disnaker", "cilacap-wirausaha")
    assert enrolled.report_due.isoformat() == accepted["report_due"]
    progress = await journey.events.first(business_id, ProgressRecorded)
    assert progress.completed and (progress.sessions_held, progress.sessions_attended) == (3, 3)
    # The manpower office's sandbox: a starting business gets its permit and first sale.
    assert sorted(m.kind for m in progress.milestones) == ["business_permit", "first_sale"]
    assert progress.reported_late is False and progress.reasons == ()
    closed = await journey.events.first(business_id, EmpowermentAnswerClosed)
    assert closed.step == EmpowermentStep.PROGRAMME_REPORT and closed.on_time is True

    assessed = await journey.events.first(business_id, AwardAssessed)
    points = {s.criterion: s.points for s in assessed.scores}
    assert points == {"attendance": 40, "milestones": 25, "business_stage": 5}
    assert (assessed.total, assessed.threshold, assessed.nominated) == (70, 60, True)
    assert assessed.criteria_version == AWARD_CRITERIA.version
    assert assessed.award == f"purna-pmi-{today().year}"
    assert assessed.scores[0].explanation.text.en == (
        "Attended 3 of 3 sessions (100%): 40.00 of 40 points."
    )

    (row,) = await journey.audited(business_id)
    assert row.decision == audit.Decision.AWARD_NOMINATED
    assert row.actor == "system:empowerment" and row.rules_version == rules_version()
    assert [r.code for r in row.reasons_as()] == ["attendance", "milestones", "business_stage"]
    assert row.reasons_as() == [s.explanation for s in assessed.scores]

    shortlist = await journey.get("/awards/shortlist")
    (nominee,) = [n for n in shortlist["nominees"] if n["business_id"] == str(business_id)]
    assert Decimal(nominee["total"]) == 70 and nominee["name"] == "Usaha Siti Rahayu"
    assert [(s["criterion"], Decimal(s["points"])) for s in nominee["scores"]] == [
        ("attendance", 40), ("milestones", 25), ("business_stage", 5)
    ]  # fmt: skip
    assert [c["criterion"] for c in shortlist["criteria"]["criteria"]] == [
        "attendance", "milestones", "business_stage"
    ]  # fmt: skip
    assert shortlist["criteria"]["source"] == AWARD_CRITERIA.source
    business = await journey.get(f"/businesses/{business_id}")
    assert business["award"]["nominated"] is True
    assert business["enrolments"][0]["sessions_attended"] == 3


async def test_an_absent_participant_is_assessed_but_not_nominated(journey: Journey) -> None:
    business_id = await journey.register("Budi ABSENT Santoso", stage="starting", regency="3302")
    await journey.enrol(business_id, "jateng-pemasaran")

    progress = await journey.events.first(business_id, ProgressRecorded)
    assert not progress.completed and progress.sessions_attended == 0
    assert [r.code for r in progress.reasons] == ["PARTICIPANT_ABSENT"]
    assert progress.milestones == ()
    assessed = await journey.events.first(business_id, AwardAssessed)
    assert [s.points for s in assessed.scores] == [0, 0, 5]
    assert (assessed.total, assessed.nominated) == (5, False)
    (row,) = await journey.audited(business_id)
    assert row.decision == audit.Decision.AWARD_NOT_NOMINATED
    assert row.reasons_as()[1].text.en == "Milestones: none yet: 0 of 40 points."
    shortlist = await journey.get("/awards/shortlist")
    assert str(business_id) not in [n["business_id"] for n in shortlist["nominees"]]


async def test_a_silent_organiser_is_overdue_then_escalated_to_its_supervisor(
    journey: Journey,
) -> None:
    terms = agency_terms()[Agency.BANK]
    with clock.installed(clock.ManualClock()) as manual:
        assert isinstance(manual, clock.ManualClock)
        business_id = await journey.register("Rina Wati", stage="running", regency="3314")
        await journey.enrol(business_id, "jateng-kur-pendampingan")
        enrolled = await journey.events.first(business_id, ProgrammeEnrolled)
        deadlines = await journey.runtime.pool.fetch(
            "SELECT due_at, escalate_at FROM deadlines WHERE application_id = $1", business_id
        )
        ((due_at, escalate_at),) = [tuple(d) for d in deadlines]
        assert due_at == enrolled.report_due

        manual.advance(due_at - manual.now() + timedelta(minutes=1))
        overdue = await journey.events.first(business_id, EmpowermentDeadlineOverdue)
        assert (overdue.step, overdue.party, overdue.due_at) == (
            EmpowermentStep.PROGRAMME_REPORT, "bank", due_at
        )  # fmt: skip
        assert journey.events.of(business_id, EmpowermentDeadlineEscalated) == []

        manual.advance(escalate_at - manual.now() + timedelta(minutes=1))
        escalated = await journey.events.first(business_id, EmpowermentDeadlineEscalated)
        assert escalated.supervisor == terms.supervisor
        assert escalated.escalated_for_at == escalate_at

        async def audited() -> bool:
            rows = await journey.audit_rows(business_id)
            return [r.decision for r in rows] == [audit.Decision.DEADLINE_ESCALATED]

        await wait_until(audited, within=30)
        assert journey.events.of(business_id, ProgressRecorded) == []
        assert journey.events.of(business_id, AwardAssessed) == []
