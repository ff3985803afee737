"""Programme handlers: organisers' participation reports, then the award assessment.
(Being built: registers nothing yet.)"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sentra_shared.audit_heads import recording_escalations
from sentra_shared.calendar import WorkingDayCalendar
from sentra_shared.consumer import EventHandlers
from sentra_shared.deadlines import Deadline, Stage, Terms, announce_missed
from sentra_shared.events import EMPOWERMENT_DEADLINES, Agency

_missed = recording_escalations(announce_missed(EMPOWERMENT_DEADLINES))


def load_programmes(path: Path | None) -> tuple[object, ...]:
    return ()


@dataclass(frozen=True)
class ProgrammeHandlers:
    calendar: WorkingDayCalendar
    terms: dict[Agency, Terms]

    def register(self, handlers: EventHandlers) -> None:
        return None

    async def on_due(self, conn: asyncpg.Connection, deadline: Deadline, stage: Stage) -> None:
        await _missed(conn, deadline, stage)
