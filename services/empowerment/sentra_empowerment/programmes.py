"""Programme handlers: a business takes a seat, the organiser reports its attendance and
milestones, and the business is assessed for the award after each report.

Enrolment runs in the HTTP request's transaction (`enrol`); the organisers' reports
arrive on their result topics (`register`); a report that does not come by its deadline
is announced overdue, then escalated to the organiser's supervisor (`on_due`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import asyncpg
from sentra_shared import answers, audit
from sentra_shared.audit_heads import recording_escalations
from sentra_shared.calendar import WIB, WorkingDayCalendar
from sentra_shared.clock import now
from sentra_shared.consumer import EventHandlers
from sentra_shared.deadlines import (
    Deadline,
    Stage,
    Terms,
    announce_missed,
    answer_deadline,
    open_deadline,
)
from sentra_shared.events import (
    EMPOWERMENT_DEADLINES,
    Agency,
    AwardAssessed,
    CheckOutcome,
    EmpowermentStep,
    ProgrammeEnrolled,
    ProgressRecorded,
)
from sentra_shared.events.programme_exchanges import ORGANISER_EXCHANGES, ParticipationReported
from sentra_shared.outbox import add_to_outbox
from sentra_shared.reasons import Reason

from sentra_empowerment import repository
from sentra_empowerment.domain.award import AWARD_CRITERIA, assess
from sentra_empowerment.domain.programmes import (
    Programme,
    ProgrammesFileError,
    enrolment_refusals,
    parse_programmes,
    report_deadline,
    report_terms,
)

_missed = recording_escalations(announce_missed(EMPOWERMENT_DEADLINES))


@cache
def rules_version() -> str:
    """The award criteria that decide nominations."""
    return audit.rules_version("empowerment-award", AWARD_CRITERIA)


AUDITOR = audit.Auditor("empowerment", rules_version)
_DECISION = {True: audit.Decision.AWARD_NOMINATED, False: audit.Decision.AWARD_NOT_NOMINATED}


def load_programmes(path: Path | None) -> tuple[Programme, ...]:
    """The programmes on offer, from the TOML file; a file that cannot be read or holds a
    bad entry stops the start, naming the file and each problem."""
    if path is None:
        return ()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ProgrammesFileError(f"programmes file {path}: {error}") from None
    try:
        return parse_programmes(data)
    except ProgrammesFileError as error:
        raise ProgrammesFileError(f"programmes file {path}:\n{error}") from None


@dataclass(frozen=True)
class Enrolled:
    report_due: datetime


@dataclass(frozen=True)
class ProgrammeHandlers:
    calendar: WorkingDayCalendar
    terms: dict[Agency, Terms]

    def register(self, handlers: EventHandlers) -> None:
        for _, reported in ORGANISER_EXCHANGES.values():
            handlers.on(reported)(self.record_progress)

    async def enrol(
        self,
        conn: asyncpg.Connection,
        business: repository.Business,
        programme: Programme,
        at: datetime,
    ) -> Enrolled | tuple[Reason, ...]:
        """Take a seat (in the caller's transaction), or say why not. The programme's
        seats stay locked until the caller commits."""
        taken = await repository.hold_programme(conn, programme.id)
        refusals = enrolment_refusals(
            programme,
            regency_code=business.regency_code,
            on=at.astimezone(WIB).date(),
            seats_taken=taken,
            already_enrolled=await repository.is_enrolled(conn, business.business_id, programme.id),
        )
        if refusals:
            return refusals
        terms = report_terms(self.terms[programme.agency])
        due_at, escalate_at = report_deadline(programme, terms, self.calendar)
        requested_type, _ = ORGANISER_EXCHANGES[programme.agency]
        request = requested_type(
            application_id=business.business_id,
            occurred_at=at,
            programme_id=programme.id,
            programme_title=programme.title,
            sessions=programme.sessions,
            participant_name=business.owner_name,
            owner_role=business.owner_role,
            sector=business.sector,
            stage=business.stage,
            regency_code=business.regency_code,
            # The last day to report on: due_at is the midnight that ends it.
            report_due=(due_at.astimezone(WIB) - timedelta(days=1)).date(),
        )
        await repository.insert_enrolment(
            conn,
            repository.Enrolment(
                business_id=business.business_id,
                programme_id=programme.id,
                organiser=programme.agency.value,
                request_id=request.event_id,
                enrolled_at=at,
                report_due=due_at,
                reported_at=None,
            ),
        )
        await open_deadline(
            conn,
            EMPOWERMENT_DEADLINES,
            application_id=business.business_id,
            step=EmpowermentStep.PROGRAMME_REPORT.value,
            request_id=request.event_id,
            party=programme.agency.value,
            supervisor=terms.supervisor,
            requested_at=at,
            due_at=due_at,
            escalate_at=escalate_at,
        )
        enrolled = ProgrammeEnrolled(
            application_id=business.business_id,
            occurred_at=at,
            programme_id=programme.id,
            programme_title=programme.title,
            organiser=programme.agency.value,
            starts_on=programme.starts_on,
            ends_on=programme.ends_on,
            report_due=due_at,
        )
        await add_to_outbox(conn, enrolled, request)
        return Enrolled(due_at)

    async def record_progress(self, conn: asyncpg.Connection, event: ParticipationReported) -> None:
        at = now()
        enrolment = await repository.enrolment_for(conn, event.application_id, event.request_id)
        business = await repository.load_business(conn, event.application_id)
        if not await answers.admit_awaited(
            conn,
            service="empowerment",
            subject="business",
            answer=event,
            known=business is not None,
            asked=enrolment is not None and enrolment.organiser == event.agency.value,
            awaiting=enrolment is not None and enrolment.reported_at is None,
            at=at,
        ):
            return
        assert business is not None and enrolment is not None
        deadline = await answer_deadline(
            conn, EMPOWERMENT_DEADLINES, EmpowermentStep.PROGRAMME_REPORT, event.request_id, at
        )
        completed = event.outcome is CheckOutcome.PASSED
        progress = ProgressRecorded(
            application_id=business.business_id,
            occurred_at=at,
            programme_id=enrolment.programme_id,
            completed=completed,
            sessions_held=event.sessions_held,
            sessions_attended=event.sessions_attended,
            milestones=event.milestones,
            reasons=event.reasons,
            reported_late=deadline is not None and deadline.breached,
        )
        await repository.record_report(
            conn,
            enrolment,
            completed=completed,
            sessions_held=event.sessions_held,
            sessions_attended=event.sessions_attended,
            milestones=event.milestones,
            reasons=event.reasons,
            reported_late=progress.reported_late,
            at=at,
        )
        await self._assess(conn, business, progress, at)

    async def _assess(
        self,
        conn: asyncpg.Connection,
        business: repository.Business,
        progress: ProgressRecorded,
        at: datetime,
    ) -> None:
        """Measure the business against the award's criteria with every report so far."""
        reports = await repository.reports_of(conn, business.business_id)
        result = assess(business.stage, reports, at.astimezone(WIB).date())
        await repository.save_assessment(conn, business.business_id, result, at)
        assessed = AwardAssessed(
            application_id=business.business_id,
            occurred_at=at,
            award=result.award,
            criteria_version=result.criteria_version,
            scores=result.scores,
            total=result.total,
            threshold=result.threshold,
            nominated=result.nominated,
        )
        await add_to_outbox(conn, progress, assessed)
        await AUDITOR.record(
            conn,
            business.business_id,
            _DECISION[result.nominated],
            [s.explanation for s in result.scores],
        )

    async def on_due(self, conn: asyncpg.Connection, deadline: Deadline, stage: Stage) -> None:
        # The organiser's report is overdue: empowerment's stream hears it, and at the
        # second threshold its supervisor is told on the oversight stream (audited).
        await _missed(conn, deadline, stage)
