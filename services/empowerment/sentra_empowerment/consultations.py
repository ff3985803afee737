"""Consultations: a question routed to its desk with a deadline, the desk's reply, and
the missed deadlines.

- `receive` (called by `POST /consultations` in its transaction): the consultation row,
  `ConsultationReceived` (with the asker's contact, for notifications), the deadline and
  the desk's `…ConsultationRequested`, all through the outbox;
- each desk's `…ConsultationReplied`: the answer recorded and `ConsultationAnswered`
  published (late or not; a failed reply is answered with the desk's reason, see
  `domain.consultation.answer_for_asker`);
- `on_due`: `EmpowermentDeadlineOverdue` on the stream, then `EmpowermentDeadlineEscalated`
  to the desk's supervisor (audited), and the consultation marked escalated.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from sentra_shared import answers
from sentra_shared.audit_heads import recording_escalations
from sentra_shared.calendar import WorkingDayCalendar
from sentra_shared.clock import now
from sentra_shared.consumer import EventHandlers
from sentra_shared.deadlines import (
    Deadline,
    Party,
    Stage,
    Terms,
    announce_missed,
    answer_deadline,
)
from sentra_shared.events import (
    DESK_EXCHANGES,
    EMPOWERMENT_DEADLINES,
    Agency,
    ApplicantContact,
    AskerRole,
    ConsultationAnswered,
    ConsultationReceived,
    ConsultationReplied,
    EmpowermentStep,
)
from sentra_shared.outbox import add_to_outbox

from sentra_empowerment import consultation_store as store
from sentra_empowerment.domain.consultation import Question, answer_for_asker

_missed = recording_escalations(announce_missed(EMPOWERMENT_DEADLINES))
STEP = EmpowermentStep.CONSULTATION_ANSWER


@dataclass(frozen=True)
class ConsultationHandlers:
    calendar: WorkingDayCalendar
    terms: dict[Agency, Terms]

    def desk(self, agency: Agency) -> Party:
        return Party(agency.value, self.terms[agency], self.calendar, EMPOWERMENT_DEADLINES)

    async def receive(
        self,
        conn: asyncpg.Connection,
        *,
        consultation_id: uuid.UUID,
        asker_role: AskerRole,
        question: Question,
        business_id: uuid.UUID | None,
        contact: ApplicantContact,
        at: datetime,
    ) -> datetime:
        """Route the question to its desk, in the caller's transaction; return when the
        desk's answer is due."""
        desk = self.desk(question.desk)
        requested_type, _ = DESK_EXCHANGES[question.desk]
        request = requested_type(
            application_id=consultation_id,
            occurred_at=at,
            subject=question.subject,
            asker_role=asker_role,
            question=question.text,
            language=question.language,
            business_name=question.business_name,
        )
        answer_due = desk.due_at(at)
        await store.insert_consultation(
            conn,
            consultation_id=consultation_id,
            asker_role=asker_role,
            subject=question.subject,
            desk=question.desk.value,
            request_id=request.event_id,
            question=question.text,
            language=question.language,
            business_id=business_id,
            asked_at=at,
            answer_due=answer_due,
        )
        # The first event of the case carries the contact, so notifications can tell
        # the asker before anything else happens.
        received = ConsultationReceived(
            application_id=consultation_id,
            occurred_at=at,
            asker_role=asker_role,
            subject=question.subject,
            desk=question.desk.value,
            answer_due=answer_due,
            contact=contact,
        )
        await add_to_outbox(conn, received)
        await desk.owes(conn, STEP, consultation_id, request.event_id, at)
        await add_to_outbox(conn, request)
        return answer_due

    def register(self, handlers: EventHandlers) -> None:
        for _, replied_type in DESK_EXCHANGES.values():
            handlers.on(replied_type)(self.record_reply)

    async def record_reply(self, conn: asyncpg.Connection, reply: ConsultationReplied) -> None:
        at = now()
        consultation = await store.load_consultation(conn, reply.application_id, for_update=True)
        if not await answers.admit_awaited(
            conn,
            service="empowerment",
            subject="consultation",
            answer=reply,
            known=consultation is not None,
            asked=consultation is not None
            and consultation.request_id == reply.request_id
            and consultation.desk == reply.agency.value,
            awaiting=consultation is not None and consultation.awaiting,
            at=at,
        ):
            return
        assert consultation is not None
        deadline = await answer_deadline(conn, EMPOWERMENT_DEADLINES, STEP, reply.request_id, at)
        # The deadline knows whether it fired; without it (none open), the due time does.
        late = deadline.breached if deadline is not None else at > consultation.answer_due
        text = answer_for_asker(reply.outcome, reply.answer, reply.reasons, consultation.language)
        await store.record_answer(
            conn,
            consultation.consultation_id,
            outcome=reply.outcome.value,
            answer=text,
            late=late,
            at=at,
        )
        await add_to_outbox(
            conn,
            ConsultationAnswered(
                application_id=consultation.consultation_id,
                occurred_at=at,
                desk=consultation.desk,
                answer=text,
                answered_late=late,
            ),
        )

    async def on_due(self, conn: asyncpg.Connection, deadline: Deadline, stage: Stage) -> None:
        await _missed(conn, deadline, stage)
        if stage is Stage.ESCALATED:
            await store.mark_escalated(conn, deadline.application_id, now())
