"""What happens around an officer's review: the case's own deadline, answers that arrive
while it waits, and `continue_after_review` once the officer cleared it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sentra_documents import repository
from sentra_documents.domain.red_flags import SharingThresholds
from sentra_documents.handlers import continue_after_review
from sentra_local.stack import Stack
from sentra_local.testing import wait_until
from sentra_shared import clock
from sentra_shared.clock import ManualClock, now
from sentra_shared.deadlines import answer_deadline
from sentra_shared.events import (
    AGENCY_EVENTS,
    DOCUMENTS_DEADLINES,
    AgencyCheckRequested,
    ApplicationFlagged,
    CheckOutcome,
    DocumentsDeadlineEscalated,
    DocumentsDeadlineOverdue,
    DocumentsRejected,
    DocumentsVerified,
)

pytestmark = pytest.mark.timeout(150)


@pytest.fixture(scope="module")
def manual_clock() -> Iterator[ManualClock]:
    with clock.installed(ManualClock()) as installed:
        assert isinstance(installed, ManualClock)
        yield installed


@pytest.fixture(scope="module")
async def documents(local_stack: Stack, kit: Any, manual_clock: ManualClock) -> AsyncIterator[Any]:
    async with kit.running_documents(
        local_stack, "documents_after_review_test", sharing_thresholds=SharingThresholds(phone=2)
    ) as service:
        yield service


def without_cost_structure(kit: Any, **changes: Any) -> dict[str, Any]:
    """Flagged, and nothing else wrong: fees paid where no official cost structure exists."""
    fee = {"amount_idr": 3_000_000, "payee": "recruiter_company_account"}
    return kit.placement_form(job="manufacturing", fees=[fee], **changes)


async def officer_clears(documents: Any, application_id: uuid.UUID) -> None:
    """What the officer endpoint does when a case is cleared, then hands over to us."""
    async with documents.pool.acquire() as conn, conn.transaction():
        stored = await repository.load_application(conn, application_id, documents.app.state.sealer)
        case_id = await conn.fetchval(
            """UPDATE review_cases SET status = 'cleared', officer_id = 'officer-7',
                   officer_reason = 'fees explained', decided_at = $2
               WHERE application_id = $1 AND status = 'open' RETURNING case_id""",
            application_id,
            now(),
        )
        assert (
            await answer_deadline(conn, DOCUMENTS_DEADLINES, "officer_review", case_id, now())
            is not None
        )
        await continue_after_review(conn, stored)


async def answer_all(documents: Any, requests: list[AgencyCheckRequested]) -> None:
    for request in requests:
        await documents.answer(
            AGENCY_EVENTS[request.agency][1](
                application_id=request.application_id,
                occurred_at=now(),
                request_id=request.event_id,
                outcome=CheckOutcome.PASSED,
            )
        )


async def seven_requests(documents: Any, kit: Any, application_id: uuid.UUID) -> list[Any]:
    found: list[AgencyCheckRequested] = []

    async def seven() -> bool:
        found[:] = await kit.requests_of(documents, application_id)
        return len(found) == 7

    await wait_until(seven, within=30)
    return found


async def test_a_cleared_case_goes_to_the_agencies_and_is_verified(
    documents: Any, kit: Any
) -> None:
    application_id = await documents.submit(without_cost_structure(kit))
    await documents.wait_status(application_id, "under_review")
    assert await kit.requests_of(documents, application_id) == []

    await officer_clears(documents, application_id)
    assert await documents.status(application_id) == "checking"
    await answer_all(documents, await seven_requests(documents, kit, application_id))
    await documents.wait_status(application_id, "verified")
    await documents.wait_event(application_id, DocumentsVerified)
    [review] = [d for d in await documents.deadlines(application_id) if d.party == "officer"]
    assert review.answered_at is not None and not review.breached


async def test_a_cleared_case_that_failed_a_rule_is_still_rejected(
    documents: Any, kit: Any
) -> None:
    form = kit.placement_form()
    form["placement"]["documents"] = [
        d for d in form["placement"]["documents"] if d["kind"] != "work_contract"
    ]
    application_id = await documents.submit(form)
    flagged = await documents.wait_event(application_id, ApplicationFlagged)
    assert flagged.flag_codes == ("FLAG_VISA_WITHOUT_WORK_CONTRACT",)

    await officer_clears(documents, application_id)
    assert await documents.status(application_id) == "rejected"
    rejected = await documents.wait_event(application_id, DocumentsRejected)
    assert [r.code for r in rejected.reasons] == ["MISSING_WORK_CONTRACT"]
    assert await kit.requests_of(documents, application_id) == []


async def test_answers_during_a_review_are_kept_and_decide_once_it_is_cleared(
    documents: Any, kit: Any
) -> None:
    first, second = kit.applicant(), kit.applicant()
    second["phone"] = first["phone"]
    earlier = await documents.submit(kit.placement_form(applicant=first))
    await documents.wait_status(earlier, "checking")
    requests = await seven_requests(documents, kit, earlier)

    # A second applicant with the same phone: the earlier one, still undecided, is
    # flagged as well.
    later = await documents.submit(kit.placement_form(applicant=second))
    await documents.wait_status(later, "under_review")
    await documents.wait_status(earlier, "under_review")
    flagged = await documents.wait_event(earlier, ApplicationFlagged)
    assert flagged.flag_codes == ("FLAG_SHARED_PHONE",)

    await answer_all(documents, requests)

    async def all_recorded() -> bool:
        answered = await documents.pool.fetchval(
            "SELECT count(*) FROM agency_checks WHERE application_id = $1 AND outcome IS NOT NULL",
            earlier,
        )
        return bool(answered == 7)

    await wait_until(all_recorded, within=30)
    assert await documents.status(earlier) == "under_review"
    assert await documents.events(earlier, DocumentsVerified) == []
    agency_deadlines = [d for d in await documents.deadlines(earlier) if d.party != "officer"]
    assert all(d.answered_at is not None for d in agency_deadlines)

    await officer_clears(documents, earlier)
    assert await documents.status(earlier) == "verified"
    await documents.wait_event(earlier, DocumentsVerified)


async def test_an_officer_who_does_not_review_in_time_is_escalated_to_the_head_of_bp3mi(
    documents: Any, kit: Any, manual_clock: ManualClock
) -> None:
    application_id = await documents.submit(without_cost_structure(kit))
    flagged = await documents.wait_event(application_id, ApplicationFlagged)
    [review] = await documents.deadlines(application_id)
    assert review.due_at == flagged.review_due

    manual_clock.advance(review.due_at - now() + timedelta(minutes=1))
    overdue = await documents.wait_event(application_id, DocumentsDeadlineOverdue)
    assert (overdue.step, overdue.party, overdue.due_at) == (
        "officer_review",
        "officer",
        flagged.review_due,
    )
    manual_clock.advance(review.escalate_at - now() + timedelta(minutes=1))
    escalated = await documents.wait_event(application_id, DocumentsDeadlineEscalated)
    assert escalated.supervisor == "Kepala BP3MI Jawa Tengah"
    assert escalated.escalated_for_at == review.escalate_at
    assert await documents.status(application_id) == "under_review"
