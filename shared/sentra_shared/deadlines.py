"""Deadlines as data: stored with the request, fired by a scheduler through the outbox.

A service opens a deadline in the transaction that sends a request (`open_deadline`),
closes it in the transaction that applies the answer (`answer_deadline`) and cancels the
rest when the application is decided (`cancel_deadlines`). Each of the three also writes
the service's `…AnswerRequested` / `…AnswerClosed` event to the outbox, so that the status
page and the public figures know who holds a file and whether answers come on time.

The `DeadlineScheduler` (`scheduler.py`) of each service claims due rows with
`FOR UPDATE SKIP LOCKED`, calls the service's `on_due(conn, deadline, stage)` in the
same transaction (which writes `…Overdue` or an escalation event to the outbox) and
moves the row to its next stage. There are no in-memory timers: a deadline that fell due
while the service was down fires once, after the restart; two scheduler processes never
fire the same stage twice.

A late answer still counts; the breach stays on the row (`overdue_at`, `answered_at`
after `due_at`) for the compliance figures.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum

import asyncpg

from sentra_shared import clock
from sentra_shared.calendar import DayKind, WorkingDayCalendar
from sentra_shared.events import Agency, DeadlineEvents, Event
from sentra_shared.outbox import add_to_outbox
from sentra_shared.telemetry import current_traceparent
from sentra_shared.topics import declared_agencies


class Stage(IntEnum):
    OPEN = 0
    OVERDUE = 1
    ESCALATED = 2


@dataclass(frozen=True)
class Deadline:
    id: int
    application_id: uuid.UUID
    step: str
    request_id: uuid.UUID
    party: str
    supervisor: str
    requested_at: datetime
    due_at: datetime
    escalate_at: datetime
    stage: Stage
    answered_at: datetime | None = None

    @property
    def breached(self) -> bool:
        """Fired as overdue, or answered after its due time."""
        late_answer = self.answered_at is not None and self.answered_at > self.due_at
        return self.stage > Stage.OPEN or late_answer

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Deadline:
        return cls(
            id=row["id"],
            application_id=row["application_id"],
            step=row["step"],
            request_id=row["request_id"],
            party=row["party"],
            supervisor=row["supervisor"],
            requested_at=row["requested_at"],
            due_at=row["due_at"],
            escalate_at=row["escalate_at"],
            stage=Stage(row["stage"]),
            answered_at=row["answered_at"],
        )


COLUMNS = """id, application_id, step, request_id, party, supervisor, requested_at, due_at,
              escalate_at, stage, answered_at"""


async def open_deadline(
    conn: asyncpg.Connection,
    events: DeadlineEvents,
    *,
    application_id: uuid.UUID,
    step: str,
    request_id: uuid.UUID,
    party: str,
    supervisor: str,
    requested_at: datetime,
    due_at: datetime,
    escalate_at: datetime,
) -> bool:
    """Record what is owed, by when, in the caller's transaction, and announce it; False
    (and nothing announced) if already open."""
    inserted = await conn.fetchval(
        """INSERT INTO deadlines (application_id, step, request_id, party, supervisor,
                                  requested_at, due_at, escalate_at, next_fire_at, traceparent)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7, $9)
           ON CONFLICT (step, request_id) DO NOTHING RETURNING true""",
        application_id,
        step,
        request_id,
        party,
        supervisor,
        requested_at,
        due_at,
        escalate_at,
        current_traceparent(),
    )
    if inserted:
        await add_to_outbox(
            conn,
            # model_validate: the step arrives as text and each service's events turn
            # it into their own step type.
            events.requested.model_validate(
                {
                    "application_id": application_id,
                    "occurred_at": requested_at,
                    "step": step,
                    "party": party,
                    "request_id": request_id,
                    "requested_at": requested_at,
                    "due_at": due_at,
                }
            ),
        )
    return bool(inserted)


async def answer_deadline(
    conn: asyncpg.Connection,
    events: DeadlineEvents,
    step: str,
    request_id: uuid.UUID,
    at: datetime,
) -> Deadline | None:
    """The answer arrived: stop the deadline (first answer only), announce it and return
    it, with whether it was breached; None when no open deadline of that step names the
    request."""
    row = await conn.fetchrow(
        f"""UPDATE deadlines SET answered_at = $3, next_fire_at = NULL
            WHERE step = $1 AND request_id = $2 AND answered_at IS NULL
              AND cancelled_at IS NULL
            RETURNING {COLUMNS}""",
        step,
        request_id,
        at,
    )
    if row is None:
        return None
    deadline = Deadline.from_row(row)
    await _announce_closed(conn, events, deadline, at)
    return deadline


async def cancel_deadlines(
    conn: asyncpg.Connection, events: DeadlineEvents, application_id: uuid.UUID, at: datetime
) -> int:
    """The application is decided: nothing it still waits for can be overdue any more.
    Each withdrawn wait is announced as closed without an answer."""
    rows = await conn.fetch(
        f"""UPDATE deadlines SET cancelled_at = $2, next_fire_at = NULL
            WHERE application_id = $1 AND answered_at IS NULL AND cancelled_at IS NULL
            RETURNING {COLUMNS}""",
        application_id,
        at,
    )
    for row in sorted(rows, key=lambda r: r["id"]):
        await _announce_closed(conn, events, Deadline.from_row(row), at)
    return len(rows)


async def _announce_closed(
    conn: asyncpg.Connection, events: DeadlineEvents, deadline: Deadline, at: datetime
) -> None:
    answered = deadline.answered_at
    await add_to_outbox(
        conn,
        events.closed.model_validate(
            {
                "application_id": deadline.application_id,
                "occurred_at": at,
                "step": deadline.step,
                "party": deadline.party,
                "request_id": deadline.request_id,
                "requested_at": deadline.requested_at,
                "due_at": deadline.due_at,
                "closed_at": at,
                "answered_at": answered,
                "on_time": None if answered is None else answered <= deadline.due_at,
            }
        ),
    )


async def load_deadlines(conn: asyncpg.Connection, application_id: uuid.UUID) -> list[Deadline]:
    rows = await conn.fetch(
        f"SELECT {COLUMNS} FROM deadlines WHERE application_id = $1 ORDER BY id",
        application_id,
    )
    return [Deadline.from_row(row) for row in rows]


OnDue = Callable[[asyncpg.Connection, Deadline, Stage], Awaitable[None]]


@dataclass(frozen=True)
class Terms:
    """How long a party has to answer, and who is told when it has not, twice over."""

    days: int
    day_kind: DayKind
    escalate_after_days: int
    supervisor: str
    source: str

    def due_at(self, requested_at: datetime, calendar: WorkingDayCalendar) -> datetime:
        return calendar.due_at(requested_at, self.days, self.day_kind)

    def escalate_at(self, requested_at: datetime, calendar: WorkingDayCalendar) -> datetime:
        total = self.days + self.escalate_after_days
        return calendar.due_at(requested_at, total, self.day_kind)


def agency_terms() -> dict[Agency, Terms]:
    """Each agency's agreed reply time and supervisor, from topics.toml (read at wiring)."""
    return {
        Agency(spec.agency): Terms(
            days=spec.sla_days,
            day_kind=DayKind(spec.sla_day_kind),
            escalate_after_days=spec.escalate_after_days,
            supervisor=spec.supervisor,
            source=spec.sla_source,
        )
        for spec in declared_agencies().values()
    }


@dataclass(frozen=True)
class Party:
    """Someone who owes answers (an agency, a bank, an insurer, the officers), on agreed
    terms counted in a calendar."""

    name: str
    terms: Terms
    calendar: WorkingDayCalendar
    events: DeadlineEvents  # the owning service's deadline events

    def due_at(self, requested_at: datetime) -> datetime:
        return self.terms.due_at(requested_at, self.calendar)

    async def owes(
        self,
        conn: asyncpg.Connection,
        step: StrEnum,
        application_id: uuid.UUID,
        request_id: uuid.UUID,
        at: datetime,
    ) -> bool:
        """Record, in the caller's transaction, that an answer to `request_id` is owed.
        `step` is one of the owning service's steps (`DeadlineStep`, `EmpowermentStep`): the
        service's deadline events validate it."""
        return await open_deadline(
            conn,
            self.events,
            application_id=application_id,
            step=step.value,
            request_id=request_id,
            party=self.name,
            supervisor=self.terms.supervisor,
            requested_at=at,
            due_at=self.due_at(at),
            escalate_at=self.terms.escalate_at(at, self.calendar),
        )


def announce_missed(events: DeadlineEvents) -> OnDue:
    """The usual `on_due`: the service's `…Overdue` on its own stream at the first
    threshold, its `…Escalated` to the supervisor at the second."""

    async def on_due(conn: asyncpg.Connection, deadline: Deadline, stage: Stage) -> None:
        common = {
            "application_id": deadline.application_id,
            "occurred_at": clock.now(),
            "step": deadline.step,
            "party": deadline.party,
            "request_id": deadline.request_id,
            "requested_at": deadline.requested_at,
            "due_at": deadline.due_at,
        }
        event: Event
        if stage is Stage.OVERDUE:
            event = events.overdue.model_validate(common)
        else:
            event = events.escalated.model_validate(
                {
                    **common,
                    "supervisor": deadline.supervisor,
                    "escalated_for_at": deadline.escalate_at,
                }
            )
        await add_to_outbox(conn, event)

    return on_due
