"""Deadlines as data against real PostgreSQL: fired once per stage, by whichever scheduler
claims them, after any downtime, moved by an injected clock (never by sleeping)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from opentelemetry.sdk.trace import TracerProvider
from sentra_local.stack import Stack
from sentra_local.testing import wait_until
from sentra_shared import clock
from sentra_shared.clock import ManualClock
from sentra_shared.database import create_pool, migrate
from sentra_shared.deadlines import (
    Deadline,
    Stage,
    answer_deadline,
    cancel_deadlines,
    load_deadlines,
    open_deadline,
)
from sentra_shared.events import DOCUMENTS_DEADLINES
from sentra_shared.scheduler import DeadlineScheduler

DEADLINES_DB = "sentra_deadlines_test"
TRACER = TracerProvider().get_tracer("test")


@pytest.fixture
async def pool(local_stack: Stack, tmp_path: Path) -> AsyncIterator[asyncpg.Pool]:
    await local_stack.postgres.recreate_databases([DEADLINES_DB])
    (tmp_path / "0001_fired.sql").write_text(
        """CREATE TABLE fired (deadline_id bigint, stage int, fired_by text,
                               PRIMARY KEY (deadline_id, stage));"""
    )
    pool = await create_pool(local_stack.postgres.dsn(DEADLINES_DB))
    await migrate(pool, tmp_path)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
def manual_clock() -> AsyncIterator[ManualClock]:
    with clock.installed(ManualClock()) as installed:
        yield installed  # type: ignore[misc]


def recorder(name: str, pool_holder: list[asyncpg.Pool] | None = None):  # type: ignore[no-untyped-def]
    """An on_due that records each firing in the scheduler's own transaction; the primary
    key on (deadline, stage) turns a second firing into an error the test would see."""

    async def on_due(conn: asyncpg.Connection, deadline: Deadline, stage: Stage) -> None:
        await conn.execute("INSERT INTO fired VALUES ($1, $2, $3)", deadline.id, int(stage), name)

    return on_due


async def open_one(
    pool: asyncpg.Pool, *, due_in: timedelta, escalate_in: timedelta
) -> tuple[uuid.UUID, uuid.UUID]:
    application_id, request_id = uuid.uuid4(), uuid.uuid4()
    at = clock.now()
    async with pool.acquire() as conn, conn.transaction():
        assert await open_deadline(
            conn,
            DOCUMENTS_DEADLINES,
            application_id=application_id,
            step="agency_check",
            request_id=request_id,
            party="polri",
            supervisor="Polda Jawa Tengah",
            requested_at=at,
            due_at=at + due_in,
            escalate_at=at + escalate_in,
        )
    return application_id, request_id


async def fired(pool: asyncpg.Pool) -> list[tuple[int, str]]:
    rows = await pool.fetch("SELECT stage, fired_by FROM fired ORDER BY stage")
    return [(r["stage"], r["fired_by"]) for r in rows]


async def test_each_stage_fires_once_when_the_clock_passes_it(
    pool: asyncpg.Pool, manual_clock: ManualClock
) -> None:
    scheduler = DeadlineScheduler(lambda: pool, recorder("a"), TRACER)
    application_id, _ = await open_one(
        pool, due_in=timedelta(days=1), escalate_in=timedelta(days=2)
    )

    assert await scheduler.fire_due() == 0
    manual_clock.advance(timedelta(days=1, seconds=1))
    assert await scheduler.fire_due() == 1
    assert await scheduler.fire_due() == 0
    assert await fired(pool) == [(Stage.OVERDUE, "a")]

    manual_clock.advance(timedelta(days=1))
    assert await scheduler.fire_due() == 1
    assert await scheduler.fire_due() == 0
    assert await fired(pool) == [(Stage.OVERDUE, "a"), (Stage.ESCALATED, "a")]
    [deadline] = await load_deadlines(pool, application_id)  # type: ignore[arg-type]
    assert deadline.stage is Stage.ESCALATED and deadline.breached


async def test_a_deadline_due_while_down_fires_each_stage_once_after_restart(
    pool: asyncpg.Pool, manual_clock: ManualClock
) -> None:
    await open_one(pool, due_in=timedelta(hours=8), escalate_in=timedelta(days=2))
    # Nothing runs while the service is down; a week later a new scheduler starts.
    manual_clock.advance(timedelta(days=7))
    restarted = DeadlineScheduler(lambda: pool, recorder("after-restart"), TRACER)
    assert await restarted.fire_due() == 1
    assert await restarted.fire_due() == 0
    assert await fired(pool) == [
        (Stage.OVERDUE, "after-restart"),
        (Stage.ESCALATED, "after-restart"),
    ]


async def test_two_schedulers_never_fire_the_same_stage_twice(
    pool: asyncpg.Pool, manual_clock: ManualClock
) -> None:
    for _ in range(60):
        await open_one(pool, due_in=timedelta(hours=1), escalate_in=timedelta(hours=2))
    manual_clock.advance(timedelta(hours=3))
    first = DeadlineScheduler(lambda: pool, recorder("first"), TRACER, batch_size=7)
    second = DeadlineScheduler(lambda: pool, recorder("second"), TRACER, batch_size=7)

    async def drain(scheduler: DeadlineScheduler) -> None:
        while await scheduler.fire_due():
            pass

    await asyncio.gather(drain(first), drain(second))
    per_stage = await pool.fetch("SELECT stage, count(*) AS n FROM fired GROUP BY stage")
    assert {r["stage"]: r["n"] for r in per_stage} == {1: 60, 2: 60}
    assert await pool.fetchval("SELECT count(*) FROM deadlines WHERE next_fire_at IS NOT NULL") == 0


async def test_an_answer_stops_the_deadline_and_a_late_one_keeps_the_breach(
    pool: asyncpg.Pool, manual_clock: ManualClock
) -> None:
    scheduler = DeadlineScheduler(lambda: pool, recorder("a"), TRACER)
    _, on_time = await open_one(pool, due_in=timedelta(days=1), escalate_in=timedelta(days=2))
    _, late = await open_one(pool, due_in=timedelta(days=1), escalate_in=timedelta(days=2))
    async with pool.acquire() as conn:
        answered = await answer_deadline(
            conn, DOCUMENTS_DEADLINES, "agency_check", on_time, clock.now()
        )
        assert answered is not None and not answered.breached
        assert await answer(conn, on_time) is None

    manual_clock.advance(timedelta(days=1, hours=1))
    assert await scheduler.fire_due() == 1  # only the unanswered one
    async with pool.acquire() as conn:
        late_answer = await answer_deadline(
            conn, DOCUMENTS_DEADLINES, "agency_check", late, clock.now()
        )
    assert late_answer is not None and late_answer.breached
    assert late_answer.stage is Stage.OVERDUE

    manual_clock.advance(timedelta(days=5))
    assert await scheduler.fire_due() == 0  # answered: no escalation
    assert await fired(pool) == [(Stage.OVERDUE, "a")]


async def test_a_decided_application_cancels_what_it_still_waited_for(
    pool: asyncpg.Pool, manual_clock: ManualClock
) -> None:
    application_id, _ = await open_one(
        pool, due_in=timedelta(days=1), escalate_in=timedelta(days=2)
    )
    async with pool.acquire() as conn:
        assert await cancel_deadlines(conn, DOCUMENTS_DEADLINES, application_id, clock.now()) == 1
    manual_clock.advance(timedelta(days=3))
    assert await DeadlineScheduler(lambda: pool, recorder("a"), TRACER).fire_due() == 0
    assert await fired(pool) == []


async def test_a_failing_deadline_is_retried_later_and_blocks_no_other(
    pool: asyncpg.Pool, manual_clock: ManualClock
) -> None:
    _, broken = await open_one(pool, due_in=timedelta(hours=1), escalate_in=timedelta(days=9))
    await open_one(pool, due_in=timedelta(hours=2), escalate_in=timedelta(days=9))
    calls: list[uuid.UUID] = []

    async def on_due(conn: asyncpg.Connection, deadline: Deadline, stage: Stage) -> None:
        calls.append(deadline.request_id)
        if deadline.request_id == broken and len(calls) == 1:
            raise RuntimeError("a bug in the first attempt")
        await recorder("a")(conn, deadline, stage)

    scheduler = DeadlineScheduler(lambda: pool, on_due, TRACER)
    manual_clock.advance(timedelta(hours=3))
    assert await scheduler.fire_due() == 2
    assert len(await fired(pool)) == 1  # the healthy one fired; the broken one waits
    assert await scheduler.fire_due() == 0  # not before its retry time
    manual_clock.advance(timedelta(minutes=2))
    assert await scheduler.fire_due() == 1
    assert len(await fired(pool)) == 2
    assert (
        await pool.fetchval("SELECT failed_attempts FROM deadlines WHERE request_id = $1", broken)
        == 1
    )


async def test_the_running_loop_fires_when_the_clock_moves(
    pool: asyncpg.Pool, manual_clock: ManualClock
) -> None:
    scheduler = DeadlineScheduler(lambda: pool, recorder("loop"), TRACER, poll_interval=0.1)
    await scheduler.start()
    try:
        await open_one(pool, due_in=timedelta(days=1), escalate_in=timedelta(days=30))
        manual_clock.advance(timedelta(days=2))

        async def overdue_fired() -> bool:
            return await fired(pool) == [(Stage.OVERDUE, "loop")]

        await wait_until(overdue_fired, within=10)
    finally:
        await scheduler.stop()
    assert datetime.now(UTC) < clock.now()  # the clock moved; nobody slept a day


async def answer(conn: asyncpg.Connection, request_id: uuid.UUID) -> Deadline | None:
    return await answer_deadline(conn, DOCUMENTS_DEADLINES, "agency_check", request_id, clock.now())


async def announced(pool: asyncpg.Pool) -> list[dict[str, object]]:
    rows = await pool.fetch("SELECT headers, payload FROM outbox ORDER BY id")
    return [
        {"type": json.loads(row["headers"])["ce_type"], **json.loads(row["payload"])}
        for row in rows
    ]


async def test_who_holds_a_file_and_whether_it_answered_in_time_is_announced(
    pool: asyncpg.Pool, manual_clock: ManualClock
) -> None:
    application_id, on_time = await open_one(
        pool, due_in=timedelta(days=1), escalate_in=timedelta(days=2)
    )
    _, late = await open_one(pool, due_in=timedelta(days=1), escalate_in=timedelta(days=2))
    _, withdrawn = await open_one(pool, due_in=timedelta(days=1), escalate_in=timedelta(days=2))
    async with pool.acquire() as conn:
        await answer(conn, on_time)
    manual_clock.advance(timedelta(days=1, hours=1))
    async with pool.acquire() as conn:
        await answer(conn, late)
        # A repeated answer announces nothing more.
        await answer(conn, late)
    withdrawn_app = await pool.fetchval(
        "SELECT application_id FROM deadlines WHERE request_id = $1", withdrawn
    )
    async with pool.acquire() as conn:
        await cancel_deadlines(conn, DOCUMENTS_DEADLINES, withdrawn_app, clock.now())

    events = await announced(pool)
    requested = [e for e in events if e["type"].endswith("DocumentsAnswerRequested.v1")]
    closed = {e["request_id"]: e for e in events if e["type"].endswith("AnswerClosed.v1")}
    assert len(requested) == 3 and requested[0]["application_id"] == str(application_id)
    assert {e["party"] for e in requested} == {"polri"}
    assert len(closed) == 3 and len(events) == 6
    assert closed[str(on_time)]["on_time"] is True
    assert closed[str(late)]["on_time"] is False and closed[str(late)]["answered_at"]
    assert closed[str(withdrawn)]["on_time"] is None
    assert closed[str(withdrawn)]["answered_at"] is None
