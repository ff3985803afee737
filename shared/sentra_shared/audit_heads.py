"""The audit chain kept up: committed decisions linked, heads sent out at intervals, and
missed deadlines' escalations audited.

`AuditHeadPublisher` is the small periodic task of a deciding service's runtime: every
check (about a second of real time) it links the decisions committed since (`audit.chain`);
every `audit_head_interval_s` by the process clock it reads the chain's last row and, when
it moved since the last head it sent, writes the service's `…AuditChainHead` to the outbox
(never straight to the broker: the relay publishes it like every other event).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache

import asyncpg
from opentelemetry.instrumentation.utils import suppress_instrumentation

from sentra_shared import audit, clock
from sentra_shared.calendar import WIB
from sentra_shared.deadlines import Deadline, OnDue, Stage, agency_terms
from sentra_shared.events import AuditChainHead
from sentra_shared.events.audit import chain_id
from sentra_shared.outbox import add_to_outbox

log = logging.getLogger(__name__)


class AuditHeadPublisher:
    def __init__(
        self,
        pool_of: Callable[[], asyncpg.Pool],
        head_event: type[AuditChainHead],
        *,
        interval_s: float,
        check_every_s: float = 1.0,
    ) -> None:
        self._pool_of = pool_of
        self._head_event = head_event
        self._interval = timedelta(seconds=interval_s)
        self._check_every = check_every_s
        self._sent: int | None = None  # position of the last head written to the outbox
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="audit-heads")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task
        # What was decided up to the end is chained before the process goes.
        await self.chain_committed()

    async def chain_committed(self) -> int:
        """Link every committed decision not chained yet; return how many."""
        total = 0
        with suppress_instrumentation():
            async with self._pool_of().acquire() as conn:
                while linked := await audit.chain(conn):
                    total += linked
        return total

    async def _run(self) -> None:
        next_at = clock.now() + self._interval
        while not self._stopping.is_set():
            try:
                await self.chain_committed()
            except Exception:
                log.exception("audit rows not chained; trying again on the next check")
            if clock.now() >= next_at:
                try:
                    await self.publish_if_moved()
                    next_at = clock.now() + self._interval
                except Exception:
                    log.exception("audit head not written; trying again on the next check")
            # Look at the clock every `check_every_s` of real time: it may be moved (tests)
            # or scaled (the demo runs it 50,000 times faster, where a 60 s interval would
            # mean a head every millisecond); so at most one head per check, however fast.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._check_every)

    async def publish_if_moved(self) -> AuditChainHead | None:
        """Write the current head to the outbox unless it was the last one written."""
        with suppress_instrumentation():
            async with self._pool_of().acquire() as conn, conn.transaction():
                last = await audit.chain_head(conn)
                if last is None or last.position == self._sent:
                    return None
                head = self._head_event(
                    application_id=chain_id(self._head_event.owner),
                    occurred_at=clock.now(),
                    service=self._head_event.owner,
                    position=last.position,
                    hash=last.hash,
                    recorded_at=last.recorded_at,
                )
                await add_to_outbox(conn, head)
        self._sent = last.position
        return head


def _due(at: datetime) -> str:
    return at.astimezone(WIB).strftime("%Y-%m-%d %H:%M WIB")


def recording_escalations(on_due: OnDue, *tables: object) -> OnDue:
    """`on_due` that also records each escalation in the audit log (actor: the scheduler),
    in the scheduler's transaction. The version covers the agencies' agreed terms and
    `tables` (e.g. the officers' review terms)."""

    @cache
    def version() -> str:  # topics.toml is read on first use, never at import
        return audit.rules_version("deadlines", agency_terms(), *tables)

    async def audited(conn: asyncpg.Connection, deadline: Deadline, stage: Stage) -> None:
        await on_due(conn, deadline, stage)
        if stage is not Stage.ESCALATED:
            return
        await audit.record(
            conn,
            application_id=deadline.application_id,
            decision=audit.Decision.DEADLINE_ESCALATED,
            reasons=[
                audit.audit_reason(
                    audit.AuditReason.DEADLINE_ESCALATED,
                    party=deadline.party,
                    step=deadline.step,
                    due=_due(deadline.due_at),
                    supervisor=deadline.supervisor,
                )
            ],
            rules_version=version(),
            actor=audit.SCHEDULER,
        )

    return audited
