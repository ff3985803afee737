"""Placement at the one-roof office, path by path, over the real broker and database.

Documents, notifications and the built-in agencies run in-process on one `ManualClock`;
applications come from the demo's sample generator (so the demo's paths are the tested
ones) through `POST /applications`; the test acts as the officer through the review API
with a token from the local identity provider. Outcomes are read back from Kafka, from
documents' deadlines and from the applicant's timeline.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path as FilePath
from typing import Any

import asyncpg
import httpx
import pytest
from sentra_agencies.app import AgenciesSettings
from sentra_agencies.app import create_app as create_agencies
from sentra_documents.app import create_app as create_documents
from sentra_documents.config import DocumentsSettings
from sentra_documents.licences import SAMPLE_FILE, load_licences
from sentra_local.licences import sample_licences
from sentra_local.samples import Path, sample_cases
from sentra_local.stack import SERVICES, Stack, database_name
from sentra_local.testing import EventRecorder, serving, wait_until
from sentra_local.tokens import OfficerKeys
from sentra_notifications.app import create_app as create_notifications
from sentra_notifications.config import NotificationsSettings
from sentra_shared import clock
from sentra_shared.calendar import DayKind, indonesian_calendar
from sentra_shared.clock import ManualClock
from sentra_shared.deadlines import Stage, agency_terms, load_deadlines
from sentra_shared.events import (
    DOCUMENTS_TOPIC,
    ESCALATIONS_TOPIC,
    TPPO_REFERRALS_TOPIC,
    Agency,
    AgencyCheckRequested,
    ApplicationFlagged,
    ApplicationReviewed,
    DeadlineStep,
    DocumentsDeadlineEscalated,
    DocumentsDeadlineOverdue,
    DocumentsRejected,
    DocumentsVerified,
    ReviewDecision,
    TraffickingReferred,
    requests_topic,
)

PLACEMENT_AGENCIES = (
    Agency.DUKCAPIL,
    Agency.DISNAKER,
    Agency.HEALTH_FACILITY,
    Agency.POLRI,
    Agency.IMIGRASI,
    Agency.BP3MI,
    Agency.BPJS_KETENAGAKERJAAN,
)
CALENDAR = indonesian_calendar()


@dataclass
class Office:
    documents: str
    notifications: str
    documents_db: str
    keys: OfficerKeys
    clock: ManualClock
    events: EventRecorder  # documents' stream, escalations, referrals
    requests: EventRecorder  # what the agencies were asked

    def officer(self, subject: str = "officer-sri") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys.issue(subject, ['officer'], ttl_s=900)}"}


@pytest.fixture(scope="module")
async def office(
    local_stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Office]:
    await local_stack.postgres.recreate_databases(
        [database_name(s, local_stack.database_suffix) for s in SERVICES]
    )
    keys = OfficerKeys(FilePath(tmp_path_factory.mktemp("identity-provider")))
    common: dict[str, Any] = {
        "http_port": 0,
        "deadline_poll_interval_s": 0.2,
    }
    documents_db = local_stack.database_url("documents")
    with clock.installed(ManualClock()) as manual:
        assert isinstance(manual, ManualClock)
        documents = create_documents(
            DocumentsSettings(
                database_url=documents_db,
                consumer_group="sentra-documents.placement-paths-documents",
                officer_jwks_file=keys.ensure(),
                **local_stack.kafka_settings("documents"),
                **common,
            )
        )
        notifications = create_notifications(
            NotificationsSettings(
                database_url=local_stack.database_url("notifications"),
                consumer_group="sentra-notifications.placement-paths-notifications",
                **local_stack.kafka_settings("notifications"),
                **common,
            )
        )
        agencies = create_agencies(
            AgenciesSettings(
                **local_stack.kafka_settings("responders"),
                http_port=0,
                group_id="sentra-builtin-agencies.placement-paths",
            )
        )
        async with AsyncExitStack() as running:
            urls = [
                await running.enter_async_context(serving(app))
                for app in (documents, notifications, agencies)
            ]
            conn = await asyncpg.connect(documents_db)
            try:
                await load_licences(conn, SAMPLE_FILE)
            finally:
                await conn.close()
            admin = local_stack.kafka.admin
            events = await running.enter_async_context(
                EventRecorder(admin, DOCUMENTS_TOPIC, ESCALATIONS_TOPIC, TPPO_REFERRALS_TOPIC)
            )
            requests = await running.enter_async_context(
                EventRecorder(admin, *(requests_topic(a) for a in PLACEMENT_AGENCIES))
            )
            yield Office(urls[0], urls[1], documents_db, keys, manual, events, requests)


_seeds = iter(range(1, 10_000))


def forms_of(path: Path) -> list[dict[str, Any]]:
    today = clock.now().date()
    return [s.form for s in sample_cases(0, today, sample_licences(today), next(_seeds), [path])]


async def submit(office: Office, form: dict[str, Any]) -> str:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{office.documents}/applications", json=form)
    assert response.status_code == 202, response.text
    return str(response.json()["application_id"])


async def timeline(office: Office, application_id: str, final: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {}

    async def ready() -> bool:
        nonlocal body
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(
                f"{office.notifications}/applications/{application_id}/timeline"
            )
        body = response.json() if response.status_code == 200 else {}
        return bool(body) and (body["final"] or not final)

    await wait_until(ready, within=30)
    return body


def asked(office: Office, application_id: str) -> set[Agency]:
    return {r.agency for r in office.requests.of(application_id, AgencyCheckRequested)}


async def test_an_eligible_placement_is_checked_by_every_agency_and_verified(
    office: Office,
) -> None:
    (form,) = forms_of(Path.PLACEMENT_ELIGIBLE)
    app = await submit(office, form)
    await office.events.first(app, DocumentsVerified)
    told = await timeline(office, app)
    assert [e["status"] for e in told["entries"]] == ["submitted", "documents_verified"]
    assert "orientasi pra-pemberangkatan" in told["entries"][-1]["message_id"]
    assert asked(office, app) == set(PLACEMENT_AGENCIES)
    deadlines = await documents_deadlines(office, app)
    assert {d.party for d in deadlines} == {a.value for a in PLACEMENT_AGENCIES}
    assert all(d.answered_at is not None and not d.breached for d in deadlines)


@pytest.mark.parametrize(
    ("path", "codes"),
    [
        (
            Path.PLACEMENT_MISSING_DOCUMENTS,
            {"MISSING_COMPETENCY_CERTIFICATE", "MISSING_BPJS_MEMBERSHIP"},
        ),
        (Path.PLACEMENT_EXPIRED_MEDICAL, {"MEDICAL_CERTIFICATE_EXPIRED"}),
        (Path.PLACEMENT_UNLICENSED, {"RECRUITER_LICENCE_NOT_VALID"}),
        (Path.PLACEMENT_MORATORIUM, {"DESTINATION_UNDER_MORATORIUM"}),
        (Path.PLACEMENT_FEES_ABOVE_COST, {"FEES_ABOVE_OFFICIAL_COST"}),
    ],
    ids=lambda value: value.name if isinstance(value, Path) else "",
)
async def test_a_placement_breaking_a_rule_is_rejected_with_its_reason_and_asks_no_agency(
    office: Office, path: Path, codes: set[str]
) -> None:
    (form,) = forms_of(path)
    app = await submit(office, form)
    rejected = await office.events.first(app, DocumentsRejected)
    assert {r.code for r in rejected.reasons} == codes
    told = await timeline(office, app)
    assert told["status"] == "documents_rejected"
    for code in codes:
        text = next(r for r in rejected.reasons if r.code == code).text
        assert text.en in told["entries"][-1]["message_en"]
        assert text.id in told["entries"][-1]["message_id"]
    assert asked(office, app) == set()
    assert await documents_deadlines(office, app) == []


async def open_case(office: Office, application_id: str) -> dict[str, Any]:
    found: dict[str, Any] = {}

    async def listed() -> bool:
        nonlocal found
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(f"{office.documents}/reviews", headers=office.officer())
        assert response.status_code == 200, response.text
        found = next((c for c in response.json() if c["application_id"] == application_id), {})
        return bool(found)

    await wait_until(listed, within=30)
    return found


async def decide(office: Office, case: dict[str, Any], verb: str, reason: str) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{office.documents}/reviews/{case['case_id']}/{verb}",
            json={"reason": reason},
            headers=office.officer(),
        )
    assert response.status_code == 200, response.text


async def test_a_flagged_placement_cleared_by_the_officer_goes_on_and_is_verified(
    office: Office,
) -> None:
    (form,) = forms_of(Path.PLACEMENT_REVIEW_OVERDUE_CLEARED)  # the NIK's birth date differs
    app = await submit(office, form)
    flagged = await office.events.first(app, ApplicationFlagged)
    assert flagged.flag_codes == ("NIK_BIRTH_DATE_MISMATCH",)
    submitted_at = flagged.occurred_at
    # Two working days to review, counted with holidays and joint leave, ending at midnight.
    assert flagged.review_due == CALENDAR.due_at(submitted_at, 2, DayKind.WORKING)
    assert asked(office, app) == set()  # nobody is asked while an officer must look

    case = await open_case(office, app)
    await decide(office, case, "clear", "Birth certificate and KK checked: a typing error.")
    reviewed = await office.events.first(app, ApplicationReviewed)
    assert reviewed.decision is ReviewDecision.CLEARED and reviewed.officer_id == "officer-sri"
    await office.events.first(app, DocumentsVerified)
    told = await timeline(office, app)
    assert [e["status"] for e in told["entries"]] == [
        "submitted",
        "under_review",
        "review_cleared",
        "documents_verified",
    ]
    review = next(d for d in await documents_deadlines(office, app) if d.party == "officer")
    assert review.answered_at is not None and not review.breached


async def test_a_flagged_placement_confirmed_by_the_officer_is_rejected_and_referred(
    office: Office,
) -> None:
    (form,) = forms_of(Path.PLACEMENT_UNDER_AGE_CONFIRMED)
    app = await submit(office, form)
    flagged = await office.events.first(app, ApplicationFlagged)
    assert "FLAG_UNDER_AGE" in flagged.flag_codes

    case = await open_case(office, app)
    because = "Sixteen, recruited by a sponsor who kept her papers; referred to the police."
    await decide(office, case, "confirm", because)
    rejected = await office.events.first(app, DocumentsRejected)
    assert [r.code for r in rejected.reasons] == ["REVIEW_CONFIRMED_RED_FLAGS"]
    referral = await office.events.first(app, TraffickingReferred)
    assert referral.officer_id == "officer-sri" and referral.officer_reason == because
    assert referral.nik == form["applicant"]["nik"]
    assert "FLAG_UNDER_AGE" in {f.code for f in referral.flags}
    assert referral.recruiter_licence_number == form["placement"]["recruiter_licence_number"]
    told = await timeline(office, app)
    assert [e["status"] for e in told["entries"]] == [
        "submitted",
        "under_review",
        "documents_rejected",
    ]
    assert "sponsor" not in str(told)  # the applicant never hears the officer's finding
    assert asked(office, app) == set()


async def documents_deadlines(office: Office, application_id: str) -> list[Any]:
    conn = await asyncpg.connect(office.documents_db)
    try:
        return await load_deadlines(conn, application_id)  # type: ignore[arg-type]
    finally:
        await conn.close()


async def move_clock_to(office: Office, moment: datetime) -> None:
    if moment > clock.now():
        office.clock.advance(moment - clock.now())


async def test_late_agencies_are_overdue_then_escalated_then_decide_the_application(
    office: Office,
) -> None:
    # Runs last in this module: it moves the shared clock weeks ahead.
    (form,) = forms_of(Path.PLACEMENT_AGENCY_LATE)  # NIK serial 9993: every agency is late
    app = await submit(office, form)
    await wait_until(lambda: asked(office, app) == set(PLACEMENT_AGENCIES), within=30)
    deadlines = {d.party: d for d in await documents_deadlines(office, app)}
    terms = agency_terms()
    for agency in PLACEMENT_AGENCIES:
        term = terms[agency]
        deadline = deadlines[agency.value]
        assert deadline.due_at == term.due_at(deadline.requested_at, CALENDAR)
        assert deadline.supervisor == term.supervisor
    one_day = [a for a in PLACEMENT_AGENCIES if a is not Agency.IMIGRASI]  # Imigrasi: 4 days

    # Past the one-day agencies' due time, before anyone's escalation: overdue only.
    await move_clock_to(office, deadlines["dukcapil"].due_at + timedelta(minutes=1))
    await wait_until(lambda: len(office.events.of(app, DocumentsDeadlineOverdue)) == 6)
    assert office.events.of(app, DocumentsDeadlineEscalated) == []
    assert office.events.of(app, DocumentsVerified) == []
    # Past their escalation threshold: the supervisors hear of it; still no answer.
    await move_clock_to(office, deadlines["dukcapil"].escalate_at + timedelta(minutes=1))
    await wait_until(lambda: len(office.events.of(app, DocumentsDeadlineEscalated)) == 6)
    escalated = {e.party: e for e in office.events.of(app, DocumentsDeadlineEscalated)}
    assert {p: e.supervisor for p, e in escalated.items()} == {
        a.value: terms[a].supervisor for a in one_day
    }
    # Imigrasi's four working days, then as long again; then every late answer comes.
    await move_clock_to(office, deadlines["imigrasi"].due_at + timedelta(minutes=1))
    await wait_until(lambda: len(office.events.of(app, DocumentsDeadlineOverdue)) == 7)
    await move_clock_to(office, deadlines["imigrasi"].escalate_at + timedelta(minutes=1))
    await wait_until(lambda: len(office.events.of(app, DocumentsDeadlineEscalated)) == 7)
    await move_clock_to(office, deadlines["imigrasi"].escalate_at + timedelta(hours=2))

    verified = await office.events.first(app, DocumentsVerified)
    assert verified.occurred_at > deadlines["imigrasi"].escalate_at
    late = await documents_deadlines(office, app)
    assert all(d.stage is Stage.ESCALATED and d.breached for d in late)  # on record
    assert all(d.answered_at is not None and d.answered_at > d.escalate_at for d in late)
    overdue = office.events.of(app, DocumentsDeadlineOverdue)
    assert {e.step for e in overdue} == {DeadlineStep.AGENCY_CHECK}
    assert {e.due_at for e in overdue if e.party == "polri"} == {deadlines["polri"].due_at}
    told = await timeline(office, app)
    statuses = [e["status"] for e in told["entries"]]
    assert statuses[0] == "submitted" and statuses[-1] == "documents_verified"
    assert statuses.count("delayed") == 7 and statuses.count("escalated") == 7
    assert told["status"] == "documents_verified" and told["final"]
