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
from sentra_shared.audit_heads import recording_escalations
from sentra_shared.calendar import WorkingDayCalendar, indonesian_calendar
from sentra_shared.deadlines import Party, Terms, agency_terms, announce_missed
from sentra_shared.events import (
    DOCUMENTS_DEADLINES,
    Agency,
    DeadlineStep,
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
    party = Party(agency.value, _agency_terms()[agency], calendar(), DOCUMENTS_DEADLINES)
    await party.owes(conn, DeadlineStep.AGENCY_CHECK, application_id, request_id, at)


async def open_review_deadline(
    conn: asyncpg.Connection, application_id: uuid.UUID, case_id: uuid.UUID, at: datetime
) -> datetime:
    """Open the officer's deadline for a case; return when the review is due."""
    officers = Party(OFFICER, REVIEW_TERMS, calendar(), DOCUMENTS_DEADLINES)
    await officers.owes(conn, DeadlineStep.OFFICER_REVIEW, application_id, case_id, at)
    return officers.due_at(at)


# An agency or an officer let a deadline pass: the applicant's timeline hears it is
# overdue and, the second time, the supervising agency is told (escalated).
on_due = recording_escalations(announce_missed(DOCUMENTS_DEADLINES), REVIEW_TERMS)
