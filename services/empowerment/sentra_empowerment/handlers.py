"""The empowerment consumer: one registry for the two kinds of case it follows.

- `programmes.ProgrammeHandlers`: organisers' participation reports (attendance and
  milestones), then the award assessment;
- `consultations.ConsultationHandlers`: desks' replies to consultations.

Each part registers its own handlers and answers for its own missed deadlines (by step).
"""

from __future__ import annotations

from typing import Protocol

import asyncpg
from sentra_shared.consumer import EventHandlers
from sentra_shared.deadlines import Deadline, OnDue, Stage
from sentra_shared.events import EmpowermentStep


class Part(Protocol):
    def register(self, handlers: EventHandlers) -> None: ...

    async def on_due(self, conn: asyncpg.Connection, deadline: Deadline, stage: Stage) -> None: ...


def empowerment_handlers(*parts: Part) -> EventHandlers:
    handlers = EventHandlers(consumer="empowerment")
    for part in parts:
        part.register(handlers)
    return handlers


def on_due_by_step(programmes: Part, consultations: Part) -> OnDue:
    """The scheduler's `on_due`: the part that opened the deadline handles it."""

    async def on_due(conn: asyncpg.Connection, deadline: Deadline, stage: Stage) -> None:
        part = consultations if deadline.step == EmpowermentStep.CONSULTATION_ANSWER else programmes
        await part.on_due(conn, deadline, stage)

    return on_due
