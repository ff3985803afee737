"""The deadline scheduler: fires due deadlines of one service through its `on_due`.

It claims due rows with `FOR UPDATE SKIP LOCKED` in a transaction, calls `on_due(conn,
deadline, stage)` in that transaction (which writes the events to the outbox) and moves
the row to its next stage; there are no in-memory timers. It sleeps until the next due
time by the process clock, but looks again at least every poll interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import asyncpg
from opentelemetry import trace
from opentelemetry.instrumentation.utils import suppress_instrumentation

from sentra_shared import clock
from sentra_shared.deadlines import COLUMNS, Deadline, OnDue, Stage
from sentra_shared.metrics import ServiceMetrics
from sentra_shared.outbox import try_hold_application
from sentra_shared.telemetry import context_from_traceparent

log = logging.getLogger(__name__)

RETRY_AFTER_FAILURE = timedelta(minutes=1)


class DeadlineScheduler:
    """Fires due deadlines of one service: `on_due` writes the events, we move the stage."""

    def __init__(
        self,
        pool_of: Callable[[], asyncpg.Pool],
        on_due: OnDue,
        tracer: trace.Tracer,
        *,
        poll_interval: float = 1.0,
        batch_size: int = 100,
        metrics: ServiceMetrics | None = None,
    ) -> None:
        self._pool_of = pool_of
        self._on_due = on_due
        self._tracer = tracer
        self._poll_interval = poll_interval
        self._batch_size = batch_size
        self._metrics = metrics
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="deadline-scheduler")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                while await self.fire_due() == self._batch_size:
                    pass
                wait = await self._seconds_to_next()
            except Exception:
                log.exception("deadline scheduler failed; will retry")
                wait = self._poll_interval
            # Sleep until the next due time, but look again at least every poll interval:
            # deadlines opened by other transactions may fall due sooner.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), max(wait, 0.01))

    async def _seconds_to_next(self) -> float:
        with suppress_instrumentation():
            async with self._pool_of().acquire() as conn:
                next_at = await conn.fetchval("SELECT min(next_fire_at) FROM deadlines")
        if next_at is None:
            return self._poll_interval
        span = next_at - clock.now()
        return min(self._poll_interval, max(clock.current().real_seconds(span), 0.0))

    async def fire_due(self) -> int:
        """Fire every stage due by the process clock's now, in one transaction per batch;
        return how many deadlines were claimed (a busy application's wait for next turn)."""
        at = clock.now()
        fired: list[tuple[str, Stage]] = []
        with suppress_instrumentation():
            async with self._pool_of().acquire() as conn, conn.transaction():
                rows = await conn.fetch(
                    f"""SELECT {COLUMNS}, traceparent FROM deadlines
                        WHERE next_fire_at <= $1 ORDER BY next_fire_at
                        LIMIT $2 FOR UPDATE SKIP LOCKED""",
                    at,
                    self._batch_size,
                )
                claimed = 0
                for row in rows:
                    deadline = Deadline.from_row(row)
                    # A writer of this application is at work (a handler may be closing
                    # this very deadline): leave it for the next turn rather than wait,
                    # and let the application's events keep their order (outbox.py).
                    if not await try_hold_application(conn, deadline.application_id):
                        continue
                    claimed += 1
                    stages = await self._fire(conn, deadline, row["traceparent"], at)
                    fired += [(deadline.step, stage) for stage in stages]
        if self._metrics is not None:  # counted once the transaction committed
            for step, stage in fired:
                self._metrics.deadline_fired(step, stage.name.lower())
        return claimed

    async def _fire(
        self, conn: asyncpg.Connection, deadline: Deadline, traceparent: str | None, at: datetime
    ) -> list[Stage]:
        """Fire what is due of one deadline; the stages fired (none when it failed)."""
        # A deadline found long past both thresholds (the service was down) fires both
        # stages, in order, each once.
        stages = [Stage.OVERDUE] if deadline.stage is Stage.OPEN else []
        if at >= deadline.escalate_at:
            stages.append(Stage.ESCALATED)
        parent = context_from_traceparent(traceparent)
        try:
            async with conn.transaction():  # a savepoint: one bad row undoes only itself
                for stage in stages:
                    with self._tracer.start_as_current_span(
                        f"deadline {deadline.step} {stage.name.lower()}", context=parent
                    ):
                        await self._on_due(conn, deadline, stage)
                final = stages[-1]
                await conn.execute(
                    """UPDATE deadlines SET stage = $2::smallint,
                           next_fire_at = CASE WHEN $2::smallint = 1 THEN escalate_at END,
                           overdue_at = coalesce(overdue_at, $3),
                           escalated_at = CASE WHEN $2::smallint = 2 THEN $3 END
                       WHERE id = $1""",
                    deadline.id,
                    int(final),
                    at,
                )
            return stages
        except Exception:
            log.exception(
                "deadline %s (%s) could not fire; retrying later", deadline.id, deadline.step
            )
            await conn.execute(
                """UPDATE deadlines SET failed_attempts = failed_attempts + 1,
                       next_fire_at = $2 WHERE id = $1""",
                deadline.id,
                at + RETRY_AFTER_FAILURE,
            )
            return []
