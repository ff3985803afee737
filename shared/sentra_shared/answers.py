"""Agency answers that cannot be applied: which case each one is, and where it is kept.

An answer that reaches a handler is well-formed (the consumer dead-letters one that is
not) but may still not fit what the deciding service knows. Such an answer changes no
state; it goes to the `unexpected_answers` table (migration 0004) in the consumer's
transaction, where `sentra-answers` lists it and an operator resolves it with a note, and
`/health` counts the open ones. A dead letter would be wrong for it: replayed, it would
meet the same state again, and the operator needs it beside the application it names.

`classify` is the one rule, used by documents, credit and insurance alike; each service
only says what it knows about the request the answer names (`Standing`).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import asyncpg

from sentra_shared.events import AgencyCheckCompleted

log = logging.getLogger(__name__)

# The services that ask agencies and decide on their answers.
DECIDING_SERVICES = ("documents", "credit", "insurance", "empowerment")


class UnexpectedCase(StrEnum):
    # No application (documents), loan case (credit) or claim (insurance) with this id.
    UNKNOWN_APPLICATION = "unknown_application"
    # Known, but this agency was never sent this request for it.
    NOT_ASKED = "not_asked"
    # The request was answered already with another outcome or other reasons: applying
    # this one would change what was decided on the first.
    CONTRADICTS_FINAL = "contradicts_final"
    # The same content again under a new id: harmless, but the agency broke the rule that
    # a repeated answer reuses its event id.
    ANSWERED_TWICE = "answered_twice"


@dataclass(frozen=True)
class AnswerContent:
    """What an answer says, as far as a decision depends on it."""

    outcome: str
    reason_codes: tuple[str, ...] = ()

    @classmethod
    def of(cls, answer: AgencyCheckCompleted) -> AnswerContent:
        return cls(answer.outcome.value, _codes(r.code for r in answer.reasons))

    @classmethod
    def stored(cls, outcome: str, reason_codes: list[str]) -> AnswerContent:
        return cls(outcome, _codes(reason_codes))


def _codes(codes: Iterable[str]) -> tuple[str, ...]:
    # Order and repetition carry no meaning: two answers with the same codes agree.
    return tuple(sorted(set(codes)))


@dataclass(frozen=True)
class Standing:
    """What the deciding service knows about the request an answer names."""

    known: bool  # the application, case or claim exists
    asked: bool  # this request id was sent to this agency for it
    # The service's own state says an answer to this request was applied already.
    answered: bool = False
    # The first answer applied to this request, when it is on record (which also means
    # it was answered).
    first: AnswerContent | None = None


def classify(standing: Standing, answer: AnswerContent) -> UnexpectedCase | None:
    """None when the answer is to be applied; otherwise why it cannot be."""
    if not standing.known:
        return UnexpectedCase.UNKNOWN_APPLICATION
    if not standing.asked:
        return UnexpectedCase.NOT_ASKED
    if not standing.answered and standing.first is None:
        return None  # the first answer: apply it
    if standing.first == answer:
        return UnexpectedCase.ANSWERED_TWICE
    # Another outcome or other reasons, or a first answer of which nothing is on record:
    # either way it cannot be shown to agree with what was decided.
    return UnexpectedCase.CONTRADICTS_FINAL


def describe(
    case: UnexpectedCase, subject: str, answer: AnswerContent, first: AnswerContent | None
) -> str:
    """One sentence for the operator; ids and codes only, never personal data."""
    said = _said(answer)
    match case:
        case UnexpectedCase.UNKNOWN_APPLICATION:
            return f"no {subject} with this id here; the answer says {said}"
        case UnexpectedCase.NOT_ASKED:
            return f"this agency was never sent this request for the {subject}; it says {said}"
        case UnexpectedCase.ANSWERED_TWICE:
            return f"the request was answered with the same content under another event id ({said})"
        case UnexpectedCase.CONTRADICTS_FINAL:
            before = "an answer not on record" if first is None else _said(first)
            return f"the request was answered {before} and decided on; this answer says {said}"


def _said(content: AnswerContent) -> str:
    codes = ", ".join(content.reason_codes)
    return f"{content.outcome} ({codes})" if codes else content.outcome


# --- the tables ------------------------------------------------------------------------


async def admit(
    conn: asyncpg.Connection,
    *,
    service: str,
    subject: str,
    answer: AgencyCheckCompleted,
    standing: Standing,
    at: datetime,
) -> bool:
    """True when `answer` may be applied; otherwise it is kept for the operator, in the
    caller's transaction, and the caller must change nothing. `subject` names what the
    service decides on ("application", "loan case", "claim") in the operator's detail."""
    content = AnswerContent.of(answer)
    case = classify(standing, content)
    if case is None:
        return True
    detail = describe(case, subject, content, standing.first)
    await record_unexpected(conn, service=service, answer=answer, case=case, detail=detail, at=at)
    return False


async def admit_awaited(
    conn: asyncpg.Connection,
    *,
    service: str,
    subject: str,
    answer: AgencyCheckCompleted,
    known: bool,
    asked: bool,
    awaiting: bool,
    at: datetime,
) -> bool:
    """`admit` for a service whose own state only says whether it still awaits this
    answer (credit's loan case, insurance's claim): the first applied answer is kept in
    `applied_answers`, so a later one can be told a repeat or a contradiction."""
    standing = Standing(
        known=known,
        asked=asked,
        answered=known and not awaiting,
        first=await first_answer(conn, answer.request_id),
    )
    if not await admit(
        conn, service=service, subject=subject, answer=answer, standing=standing, at=at
    ):
        return False
    await record_applied(conn, answer, at)
    return True


async def record_unexpected(
    conn: asyncpg.Connection,
    *,
    service: str,
    answer: AgencyCheckCompleted,
    case: UnexpectedCase,
    detail: str,
    at: datetime,
) -> bool:
    """Keep the answer for the operator, in the caller's transaction; False if kept before."""
    content = AnswerContent.of(answer)
    inserted = await conn.fetchval(
        """INSERT INTO unexpected_answers
               (event_id, service, agency, application_id, request_id, ce_type, outcome,
                reason_codes, kind, detail, received_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (event_id) DO NOTHING RETURNING true""",
        answer.event_id,
        service,
        answer.agency.value,
        answer.application_id,
        answer.request_id,
        type(answer).ce_type(),
        content.outcome,
        json.dumps(list(content.reason_codes)),
        case.value,
        detail,
        at,
    )
    if inserted:
        log.warning(
            "%s: unexpected answer %s from %s for application %s (request %s): %s",
            service,
            answer.event_id,
            answer.agency.value,
            answer.application_id,
            answer.request_id,
            case.value,
        )
    return bool(inserted)


async def record_applied(
    conn: asyncpg.Connection, answer: AgencyCheckCompleted, at: datetime
) -> None:
    """Remember the first answer applied to its request (see `first_answer`)."""
    content = AnswerContent.of(answer)
    await conn.execute(
        """INSERT INTO applied_answers (request_id, answer_event_id, agency, application_id,
                                        outcome, reason_codes, applied_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (request_id) DO NOTHING""",
        answer.request_id,
        answer.event_id,
        answer.agency.value,
        answer.application_id,
        content.outcome,
        json.dumps(list(content.reason_codes)),
        at,
    )


async def first_answer(conn: asyncpg.Connection, request_id: uuid.UUID) -> AnswerContent | None:
    row = await conn.fetchrow(
        "SELECT outcome, reason_codes FROM applied_answers WHERE request_id = $1", request_id
    )
    if row is None:
        return None
    return AnswerContent.stored(row["outcome"], json.loads(row["reason_codes"]))


async def open_count(conn: asyncpg.Connection) -> int:
    count = await conn.fetchval("SELECT count(*) FROM unexpected_answers WHERE resolved_at IS NULL")
    return int(count)


@dataclass(frozen=True)
class UnexpectedAnswer:
    event_id: uuid.UUID
    service: str
    agency: str
    application_id: uuid.UUID
    request_id: uuid.UUID
    ce_type: str
    outcome: str
    reason_codes: tuple[str, ...]
    case: UnexpectedCase
    detail: str
    received_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    note: str | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> UnexpectedAnswer:
        return cls(
            event_id=row["event_id"],
            service=row["service"],
            agency=row["agency"],
            application_id=row["application_id"],
            request_id=row["request_id"],
            ce_type=row["ce_type"],
            outcome=row["outcome"],
            reason_codes=tuple(json.loads(row["reason_codes"])),
            case=UnexpectedCase(row["kind"]),
            detail=row["detail"],
            received_at=row["received_at"],
            resolved_at=row["resolved_at"],
            resolved_by=row["resolved_by"],
            note=row["note"],
        )


async def list_unexpected(
    conn: asyncpg.Connection, *, include_resolved: bool = False
) -> list[UnexpectedAnswer]:
    """Open answers (or all), oldest first."""
    rows = await conn.fetch(
        """SELECT * FROM unexpected_answers WHERE $1 OR resolved_at IS NULL
           ORDER BY received_at, event_id""",
        include_resolved,
    )
    return [UnexpectedAnswer.from_row(r) for r in rows]


async def load_unexpected(conn: asyncpg.Connection, event_id: uuid.UUID) -> UnexpectedAnswer | None:
    row = await conn.fetchrow("SELECT * FROM unexpected_answers WHERE event_id = $1", event_id)
    return None if row is None else UnexpectedAnswer.from_row(row)


async def resolve(
    conn: asyncpg.Connection, event_id: uuid.UUID, *, by: str, note: str, at: datetime
) -> bool:
    """Close an open answer with who closed it and why; False if none is open by that id."""
    closed = await conn.fetchval(
        """UPDATE unexpected_answers SET resolved_at = $2, resolved_by = $3, note = $4
           WHERE event_id = $1 AND resolved_at IS NULL RETURNING true""",
        event_id,
        at,
        by,
        note,
    )
    return bool(closed)
