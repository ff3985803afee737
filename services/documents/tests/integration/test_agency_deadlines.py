"""Agency checks against their deadlines, with a manual clock (time never passes by
sleeping): overdue, escalated to the supervisor, a late answer that still decides, and a
deadline that fell due while the service was down firing once after the restart."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sentra_local.stack import Stack
from sentra_local.testing import wait_until
from sentra_shared import clock
from sentra_shared.calendar import indonesian_calendar
from sentra_shared.clock import ManualClock, now
from sentra_shared.deadlines import Stage, agency_terms
from sentra_shared.events import (
    AGENCY_EVENTS,
    Agency,
    AgencyCheckRequested,
    CheckOutcome,
    DocumentsDeadlineEscalated,
    DocumentsDeadlineOverdue,
    DocumentsVerified,
)

pytestmark = pytest.mark.timeout(150)


@pytest.fixture
def manual_clock() -> Iterator[ManualClock]:
    with clock.installed(ManualClock()) as installed:
        assert isinstance(installed, ManualClock)
        yield installed


async def all_requests(documents: Any, kit: Any, application_id: uuid.UUID) -> list[Any]:
    found: list[AgencyCheckRequested] = []

    async def seven() -> bool:
        found[:] = await kit.requests_of(documents, application_id)
        return len(found) == 7

    await wait_until(seven, within=30)
    return found


async def answer(documents: Any, request: AgencyCheckRequested) -> None:
    result_type = AGENCY_EVENTS[request.agency][1]
    await documents.answer(
        result_type(
            application_id=request.application_id,
            occurred_at=now(),
            request_id=request.event_id,
            outcome=CheckOutcome.PASSED,
        )
    )


def advance_past(manual_clock: ManualClock, moment: datetime) -> None:
    manual_clock.advance(max(moment - now(), timedelta(0)) + timedelta(minutes=1))


async def test_a_late_agency_is_overdue_then_escalated_and_its_late_answer_still_decides(
    local_stack: Stack, kit: Any, manual_clock: ManualClock
) -> None:
    async with kit.running_documents(local_stack, "documents_late_agency_test") as documents:
        application_id = await documents.submit(kit.placement_form())
        await documents.wait_status(application_id, "checking")
        requests = await all_requests(documents, kit, application_id)

        # Every check has its deadline, from the agency's agreed terms and the calendar.
        terms, calendar = agency_terms(), indonesian_calendar()
        deadlines = {d.party: d for d in await documents.deadlines(application_id)}
        assert set(deadlines) == {r.agency.value for r in requests}
        for request in requests:
            deadline, agreed = deadlines[request.agency.value], terms[request.agency]
            assert deadline.step == "agency_check" and deadline.request_id == request.event_id
            assert deadline.due_at == agreed.due_at(deadline.requested_at, calendar)
            assert deadline.escalate_at == agreed.escalate_at(deadline.requested_at, calendar)
            assert deadline.supervisor == agreed.supervisor
        polri = next(r for r in requests if r.agency is Agency.POLRI)
        assert deadlines["polri"].supervisor == "Polda Jawa Tengah"

        # Everyone but Polri answers on time.
        for request in requests:
            if request is not polri:
                await answer(documents, request)

        async def six_answered() -> bool:
            found = await documents.deadlines(application_id)
            return sum(d.answered_at is not None for d in found) == 6

        await wait_until(six_answered, within=30)
        assert await documents.status(application_id) == "checking"

        scheduler = documents.app.state.runtime.scheduler
        advance_past(manual_clock, deadlines["polri"].due_at)
        await scheduler.fire_due()
        overdue = await documents.wait_event(application_id, DocumentsDeadlineOverdue)
        assert (overdue.step, overdue.party, overdue.request_id) == (
            "agency_check",
            "polri",
            polri.event_id,
        )
        assert overdue.due_at == deadlines["polri"].due_at
        assert await documents.events(application_id, DocumentsDeadlineEscalated) == []

        advance_past(manual_clock, deadlines["polri"].escalate_at)
        await scheduler.fire_due()
        escalated = await documents.wait_event(application_id, DocumentsDeadlineEscalated)
        assert escalated.supervisor == "Polda Jawa Tengah"
        assert escalated.escalated_for_at == deadlines["polri"].escalate_at
        assert escalated.request_id == polri.event_id
        # Only Polri was late: the others answered in time and never fired.
        assert len(await documents.events(application_id, DocumentsDeadlineOverdue)) == 1

        # The late answer still counts and decides; the breach stays on the row.
        await answer(documents, polri)
        await documents.wait_status(application_id, "verified")
        await documents.wait_event(application_id, DocumentsVerified)
        rows = {d.party: d for d in await documents.deadlines(application_id)}
        assert rows["polri"].stage is Stage.ESCALATED and rows["polri"].breached
        assert rows["polri"].answered_at is not None
        assert rows["polri"].answered_at > rows["polri"].escalate_at
        assert not any(d.breached for party, d in rows.items() if party != "polri")


async def test_a_deadline_due_while_the_service_is_down_fires_once_after_restart(
    local_stack: Stack, kit: Any, manual_clock: ManualClock
) -> None:
    database, group = "documents_restart_test", f"sentra-documents.restart-{uuid.uuid4().hex[:8]}"
    async with kit.running_documents(local_stack, database, consumer_group=group) as documents:
        application_id = await documents.submit(kit.placement_form())
        await documents.wait_status(application_id, "checking")
        requests = await all_requests(documents, kit, application_id)
        deadlines = await documents.deadlines(application_id)

    # Down for longer than every agency's escalation threshold.
    advance_past(manual_clock, max(d.escalate_at for d in deadlines))

    async with kit.running_documents(
        local_stack, database, fresh=False, consumer_group=group
    ) as documents:

        async def all_fired() -> bool:
            escalated = await documents.events(application_id, DocumentsDeadlineEscalated)
            return len(escalated) == len(requests)

        await wait_until(all_fired, within=30)
        assert await documents.app.state.runtime.scheduler.fire_due() == 0
        overdue = await documents.events(application_id, DocumentsDeadlineOverdue)
        escalated = await documents.events(application_id, DocumentsDeadlineEscalated)
        # Each request exactly once per stage, in order: overdue, then escalated.
        assert sorted(e.request_id for e in overdue) == sorted(r.event_id for r in requests)
        assert sorted(e.request_id for e in escalated) == sorted(r.event_id for r in requests)
        rows = await documents.deadlines(application_id)
        assert all(d.stage is Stage.ESCALATED and d.breached for d in rows)
