"""Deadlines of the documents service: agency checks and officer reviews.

Each request opens its deadline in the transaction that sends it; the scheduler calls
`on_due` when one passes, inside its claiming transaction, and we announce it through
the outbox. The calendar and the agencies' terms are read once, on first use.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import cache

import asyncpg
from sentra_shared.calendar import WorkingDayCalendar, indonesian_calendar
from sentra_shared.deadlines import Terms, agency_terms, announce_missed, open_deadline_on_terms
from sentra_shared.events import (
    Agency,
    DeadlineStep,
    DocumentsDeadlineEscalated,
    DocumentsDeadlineOverdue,
)

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
    await open_deadline_on_terms(
        conn,
        application_id=application_id,
        step=step,
        request_id=request_id,
        party=party,
        terms=terms,
        calendar=calendar(),
        at=at,
    )


# An agency or an officer let a deadline pass: the applicant's timeline hears it is
# overdue and, the second time, the supervising agency is told (escalated).
on_due = announce_missed(DocumentsDeadlineOverdue, DocumentsDeadlineEscalated)
