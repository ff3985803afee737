"""Deadlines of the documents service: agency checks and officer reviews.

Each request opens its deadline in the transaction that sends it; the scheduler calls
`on_due` when one passes, inside its claiming transaction, and we announce it through
the outbox. The calendar and the agencies' terms are read once, on first use.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import cache
from typing import Any

import asyncpg
from sentra_shared.calendar import WorkingDayCalendar, indonesian_calendar
from sentra_shared.clock import now
from sentra_shared.deadlines import Deadline, Stage, Terms, agency_terms, open_deadline
from sentra_shared.events import (
    Agency,
    DeadlineStep,
    DocumentsDeadlineEscalated,
    DocumentsDeadlineOverdue,
)
from sentra_shared.outbox import add_to_outbox

from sentra_documents.domain.officer_review import (
    OFFICER_REVIEW_DAY_KIND,
    OFFICER_REVIEW_DAYS,
    OFFICER_REVIEW_ESCALATE_AFTER_DAYS,
    OFFICER_REVIEW_SOURCE,
    OFFICER_REVIEW_SUPERVISOR,
)

OFFICER = "officer"
REVIEW_TERMS = Terms(
    days=OFFICER_REVIEW_DAYS,
    day_kind=OFFICER_REVIEW_DAY_KIND,
    escalate_after_days=OFFICER_REVIEW_ESCALATE_AFTER_DAYS,
    supervisor=OFFICER_REVIEW_SUPERVISOR,
    source=OFFICER_REVIEW_SOURCE,
)


@cache
def calendar() -> WorkingDayCalendar:
    return indonesian_calendar()


@cache
def _agency_terms() -> dict[Agency, Terms]:
    return agency_terms()


async def open_agency_deadline(
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    agency: Agency,
    request_id: uuid.UUID,
    at: datetime,
) -> None:
    await _open(conn, application_id, DeadlineStep.AGENCY_CHECK, request_id, agency.value,
                _agency_terms()[agency], at)  # fmt: skip


async def open_review_deadline(
    conn: asyncpg.Connection, application_id: uuid.UUID, case_id: uuid.UUID, at: datetime
) -> datetime:
    """Open the officer's deadline for a case; return when the review is due."""
    await _open(conn, application_id, DeadlineStep.OFFICER_REVIEW, case_id, OFFICER,
                REVIEW_TERMS, at)  # fmt: skip
    return REVIEW_TERMS.due_at(at, calendar())


async def _open(
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    step: DeadlineStep,
    request_id: uuid.UUID,
    party: str,
    terms: Terms,
    at: datetime,
) -> None:
    await open_deadline(
        conn,
        application_id=application_id,
        step=step.value,
        request_id=request_id,
        party=party,
        supervisor=terms.supervisor,
        requested_at=at,
        due_at=terms.due_at(at, calendar()),
        escalate_at=terms.escalate_at(at, calendar()),
    )


async def on_due(conn: asyncpg.Connection, deadline: Deadline, stage: Stage) -> None:
    """An agency or an officer let a deadline pass: tell the applicant's timeline (overdue)
    and, the second time, the supervising agency (escalated)."""
    common: dict[str, Any] = {
        "application_id": deadline.application_id,
        "occurred_at": now(),
        "step": DeadlineStep(deadline.step),
        "party": deadline.party,
        "request_id": deadline.request_id,
        "requested_at": deadline.requested_at,
        "due_at": deadline.due_at,
    }
    if stage is Stage.OVERDUE:
        await add_to_outbox(conn, DocumentsDeadlineOverdue(**common))
    elif stage is Stage.ESCALATED:
        await add_to_outbox(
            conn,
            DocumentsDeadlineEscalated(
                **common, supervisor=deadline.supervisor, escalated_for_at=deadline.escalate_at
            ),
        )
