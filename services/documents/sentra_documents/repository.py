"""Reading and writing the applicant's file."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg
from sentra_shared.answers import AnswerContent
from sentra_shared.events import Agency, AgencyCheckCompleted, CheckOutcome
from sentra_shared.reasons import Reason

from sentra_documents.domain.agency_checks import CheckAnswer
from sentra_documents.domain.intake import NamedWorker
from sentra_documents.forms import ApplicationForm
from sentra_documents.sealed_forms import open_form, seal_form
from sentra_documents.sealing import Sealer


@dataclass(frozen=True)
class StoredApplication:
    application_id: uuid.UUID
    form: ApplicationForm
    worker_ref: str
    status: str
    submitted_at: datetime
    # Why the placement does not meet the rules, kept while a flag waits for an officer.
    assessment_reasons: tuple[Reason, ...] = ()
    # A family member's loan: the pseudonym of the worker it named, once found.
    linked_worker_ref: str | None = None


async def insert_application(
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    form: ApplicationForm,
    worker_ref: str,
    at: datetime,
    sealer: Sealer,
    *,
    tracking_key: bytes | None = None,
) -> None:
    """Store the form with its identity numbers sealed, and what is kept of its tracking
    code."""
    await conn.execute(
        """INSERT INTO applications
               (application_id, kind, regency_code, worker_ref, form, submitted_at,
                tracking_key)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        application_id,
        form.kind.value,
        form.regency_code,
        worker_ref,
        seal_form(form, application_id, sealer),
        at,
        tracking_key,
    )


async def load_application(
    conn: asyncpg.Connection, application_id: uuid.UUID, sealer: Sealer
) -> StoredApplication | None:
    row = await conn.fetchrow(
        """SELECT form, worker_ref, status, submitted_at, assessment_reasons,
                  linked_worker_ref
           FROM applications WHERE application_id = $1 FOR UPDATE""",
        application_id,
    )
    if row is None:
        return None
    return StoredApplication(
        application_id=application_id,
        form=open_form(row["form"], application_id, sealer),
        worker_ref=row["worker_ref"],
        status=row["status"],
        submitted_at=row["submitted_at"],
        assessment_reasons=_reasons(row["assessment_reasons"]),
        linked_worker_ref=row["linked_worker_ref"],
    )


async def find_placement(
    conn: asyncpg.Connection, tracking_key: bytes, date_of_birth: date
) -> NamedWorker | None:
    """The placement application with this tracking code and applicant's birth date."""
    row = await conn.fetchrow(
        """SELECT worker_ref, status FROM applications
           WHERE kind = 'placement' AND tracking_key = $1
             AND form->'applicant'->>'date_of_birth' = $2""",
        tracking_key,
        date_of_birth.isoformat(),
    )
    if row is None:
        return None
    return NamedWorker(worker_ref=row["worker_ref"], placement_verified=row["status"] == "verified")


async def record_linked_worker(
    conn: asyncpg.Connection, application_id: uuid.UUID, worker_ref: str
) -> None:
    await conn.execute(
        "UPDATE applications SET linked_worker_ref = $2 WHERE application_id = $1",
        application_id,
        worker_ref,
    )


def _reasons(stored: str) -> tuple[Reason, ...]:
    return tuple(Reason.model_validate(r) for r in json.loads(stored))


def _reasons_json(reasons: tuple[Reason, ...]) -> str:
    return json.dumps([r.model_dump(mode="json") for r in reasons])


async def record_assessment_reasons(
    conn: asyncpg.Connection, application_id: uuid.UUID, reasons: tuple[Reason, ...]
) -> None:
    await conn.execute(
        "UPDATE applications SET assessment_reasons = $2 WHERE application_id = $1",
        application_id,
        _reasons_json(reasons),
    )


async def set_status(conn: asyncpg.Connection, application_id: uuid.UUID, status: str) -> None:
    await conn.execute(
        "UPDATE applications SET status = $2 WHERE application_id = $1", application_id, status
    )


async def insert_review_case(
    conn: asyncpg.Connection,
    *,
    case_id: uuid.UUID,
    application_id: uuid.UUID,
    flags: tuple[Reason, ...],
    opened_at: datetime,
    review_due: datetime,
) -> None:
    """Open the case and put the application under review (one open case at most)."""
    await conn.execute(
        """INSERT INTO review_cases (case_id, application_id, flags, opened_at, review_due)
           VALUES ($1, $2, $3, $4, $5)""",
        case_id,
        application_id,
        _reasons_json(flags),
        opened_at,
        review_due,
    )
    await set_status(conn, application_id, "under_review")


async def load_undecided(
    conn: asyncpg.Connection, application_ids: list[uuid.UUID], sealer: Sealer
) -> list[StoredApplication]:
    """Those of the applications no one decided and no officer is looking at yet, locked,
    in a fixed order (two transactions locking the same rows never wait on each other
    in a circle)."""
    found = []
    for application_id in sorted(application_ids):
        stored = await load_application(conn, application_id, sealer)
        if stored is not None and stored.status in UNDECIDED:
            found.append(stored)
    return found


# Submitted (not assessed yet) or waiting for agencies: a new red flag still matters.
UNDECIDED = frozenset({"submitted", "checking"})


async def record_decision(
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    status: str,
    reason_codes: list[str],
    at: datetime,
) -> None:
    await conn.execute(
        """UPDATE applications SET status = $2, reasons = $3, decided_at = $4
           WHERE application_id = $1""",
        application_id,
        status,
        json.dumps(reason_codes),
        at,
    )


async def record_checks_requested(
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    requests: list[tuple[Agency, uuid.UUID]],
    at: datetime,
) -> None:
    await conn.executemany(
        """INSERT INTO agency_checks (application_id, agency, request_id, requested_at)
           VALUES ($1, $2, $3, $4)""",
        [(application_id, agency.value, request_id, at) for agency, request_id in requests],
    )
    await conn.execute(
        "UPDATE applications SET status = 'checking' WHERE application_id = $1", application_id
    )


async def record_check_answer(
    conn: asyncpg.Connection, answer: AgencyCheckCompleted, at: datetime
) -> bool:
    """Store an agency's first answer to a request; False when it was answered before."""
    stored = await conn.fetchval(
        """UPDATE agency_checks
           SET outcome = $3, reasons = $4, valid_until = $5, completed_at = $6
           WHERE request_id = $1 AND agency = $2 AND outcome IS NULL
           RETURNING true""",
        answer.request_id,
        answer.agency.value,
        answer.outcome.value,
        _reasons_json(answer.reasons),
        answer.valid_until,
        at,
    )
    return bool(stored)


async def load_check_answers(
    conn: asyncpg.Connection, application_id: uuid.UUID
) -> dict[Agency, CheckAnswer]:
    rows = await conn.fetch(
        """SELECT agency, outcome, reasons, valid_until FROM agency_checks
           WHERE application_id = $1 AND outcome IS NOT NULL""",
        application_id,
    )
    return {
        Agency(row["agency"]): CheckAnswer(
            outcome=CheckOutcome(row["outcome"]),
            reasons=_reasons(row["reasons"]),
            valid_until=row["valid_until"],
        )
        for row in rows
    }


@dataclass(frozen=True)
class CheckRequest:
    """The check asked of one agency for an application, and its answer if one came."""

    request_id: uuid.UUID
    answer: AnswerContent | None


async def load_check_request(
    conn: asyncpg.Connection, application_id: uuid.UUID, agency: Agency
) -> CheckRequest | None:
    row = await conn.fetchrow(
        """SELECT request_id, outcome, reasons FROM agency_checks
           WHERE application_id = $1 AND agency = $2""",
        application_id,
        agency.value,
    )
    if row is None:
        return None
    answer = None
    if row["outcome"] is not None:
        codes = [r.code for r in _reasons(row["reasons"])]
        answer = AnswerContent.stored(row["outcome"], codes)
    return CheckRequest(request_id=row["request_id"], answer=answer)


async def checks_requested(conn: asyncpg.Connection, application_id: uuid.UUID) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM agency_checks WHERE application_id = $1)",
            application_id,
        )
    )
