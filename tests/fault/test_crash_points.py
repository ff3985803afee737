"""kill -9 at the two moments that decide exactly-once, then restart: nothing is lost and
nothing is applied twice. Services run as real processes against a stack of their own."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest
from sentra_local.fleet import Fleet, submit
from sentra_local.licences import sample_licences
from sentra_local.on_kafka import consumer_lag, wire_event_ids
from sentra_local.outcomes import application_ids, exactly_once_problems, finished, outbox_pending
from sentra_local.samples import sample_applications
from sentra_local.services import PROCESSES
from sentra_local.stack import Stack
from sentra_local.testing import fresh_stack, wait_until
from sentra_notifications.handlers import APPLICANT_FACING

pytestmark = pytest.mark.timeout(300)

TOLD = {event_type.ce_type() for event_type in APPLICANT_FACING}


@pytest.fixture(scope="module")
def crash_stack() -> Iterator[Stack]:
    with fresh_stack("crash") as stack:
        yield stack


@pytest.fixture
async def fleet(crash_stack: Stack, tmp_path: Path) -> AsyncIterator[Fleet]:
    fleet = Fleet(crash_stack, tmp_path)
    try:
        yield fleet
    finally:
        fleet.stop()


async def wait_all_final(fleet: Fleet, ids: list[str], within: float = 60) -> None:
    async def done() -> bool:
        return await finished(fleet.stack, ids) == len(ids)

    await wait_until(done, within=within, interval=0.5)


async def wait_settled(fleet: Fleet) -> None:
    async def settled() -> bool:
        return await outbox_pending(fleet.stack) == 0 and not any(
            (await consumer_lag(fleet.stack.kafka.admin)).values()
        )

    await wait_until(settled, within=60, interval=0.5)


async def test_kill_after_database_commit_before_offset_commit(fleet: Fleet) -> None:
    fleet.start(*(name for name in PROCESSES if name != "credit"))
    fleet.start("credit", fault="after_commit_before_ack:3")
    forms = sample_applications(60, datetime.now(UTC).date(), sample_licences(), seed=1)
    ids = await submit(fleet.url("documents"), forms)

    await wait_until(lambda: fleet.exit_code("credit") is not None, within=60)
    assert fleet.exit_code("credit") == -9  # the fault hook killed it
    fleet.start("credit")

    await wait_all_final(fleet, ids)
    assert await exactly_once_problems(fleet.stack, ids, TOLD) == []
    await wait_settled(fleet)


async def unmarked_rows(fleet: Fleet) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(fleet.stack.database_url("documents"))
    try:
        return list(
            await conn.fetch(
                "SELECT event_id::text AS id, topic FROM outbox WHERE published_at IS NULL"
            )
        )
    finally:
        await conn.close()


async def on_the_wire(fleet: Fleet, topics: set[str]) -> Counter[str]:
    seen: Counter[str] = Counter()
    for topic in topics:
        seen.update(await wire_event_ids(fleet.stack.kafka.admin, topic))
    return seen


async def test_kill_after_publish_before_outbox_mark(fleet: Fleet) -> None:
    fleet.start(*(name for name in PROCESSES if name != "documents"))
    fleet.start("documents", fault="after_publish_before_mark:1")
    forms = sample_applications(60, datetime.now(UTC).date(), sample_licences(), seed=2)
    # Submitting stops when documents dies; the rest goes in after its restart.
    first, rest = forms[:10], forms[10:]
    # Documents kills itself at its first relay publish, possibly with some of these
    # still in flight; what it stored is read back from its database below.
    with contextlib.suppress(httpx.HTTPError):
        await submit(fleet.url("documents"), first)

    await wait_until(lambda: fleet.exit_code("documents") is not None, within=60)
    assert fleet.exit_code("documents") == -9  # the fault hook killed it
    # The crash left rows the broker had acknowledged but the outbox had not marked.
    unmarked = await unmarked_rows(fleet)
    topics = {row["topic"] for row in unmarked}
    before = await on_the_wire(fleet, topics)
    crashed_batch = [row["id"] for row in unmarked if before[row["id"]]]
    assert crashed_batch, "no published-but-unmarked row: the crash point was not reached"

    fleet.start("documents")
    await submit(fleet.url("documents"), rest)
    ids = sorted(await application_ids(fleet.stack))
    assert len(ids) >= len(rest)
    await wait_all_final(fleet, ids)
    assert await exactly_once_problems(fleet.stack, ids, TOLD) == []
    # They went out again after the restart, and every consumer made the copy a no-op.
    after = await on_the_wire(fleet, topics)
    assert all(after[event_id] == 2 for event_id in crashed_batch)
    await wait_settled(fleet)
