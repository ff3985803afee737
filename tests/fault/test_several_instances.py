"""Two processes of documents and of notifications (one of credit and insurance), 1,000
applications of the demo's mix, one documents and one notifications process killed with
kill -9 mid-run and not restarted: the survivors take over their partitions and their
outbox. Afterwards every application is final, every effect happened exactly once, and
per application and topic the events are on Kafka in the order their rows were written
(outbox id order; the first copy of each event counts, a re-published copy is dropped by
the consumers' inbox).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sentra_local.fleet import Fleet, submit_through_faults
from sentra_local.licences import sample_licences
from sentra_local.officer import OfficerDesk
from sentra_local.on_kafka import dead_letters, topic_records
from sentra_local.outcomes import (
    application_ids,
    exactly_once_problems,
    fetch_rows,
    wait_final_or_report,
    wait_settled_or_report,
)
from sentra_local.samples import sample_cases
from sentra_local.stack import SERVICES, Stack
from sentra_local.testing import fresh_stack
from sentra_notifications.handlers import APPLICANT_FACING
from sentra_shared import clock

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

TOLD = {event_type.ce_type() for event_type in APPLICANT_FACING}
APPLICATIONS = 1_000
INSTANCES = {"documents": 2, "notifications": 2}
SUBMIT_PER_S = 25.0  # ~40 s of intake; the kills land in it
KILLS = (("documents-2", 12.0), ("notifications", 22.0))  # label, seconds after the start
FINAL_WITHIN_S = 120.0
SETTLED_WITHIN_S = 60.0
SPEEDUP = 50_000  # as the demo: deadlines fall due within the run


@pytest.fixture(scope="module")
def instances_stack() -> Iterator[Stack]:
    with fresh_stack("instances") as stack:
        yield stack


@pytest.fixture
async def fleet(instances_stack: Stack, tmp_path: Path) -> AsyncIterator[Fleet]:
    fleet = Fleet(instances_stack, tmp_path, speedup=SPEEDUP, instances=INSTANCES)
    try:
        with clock.installed(fleet.clock):
            yield fleet
    finally:
        fleet.stop()


async def officer_on_duty(desk: OfficerDesk, until: asyncio.Event) -> None:
    while not until.is_set():
        with contextlib.suppress(httpx.HTTPError, OSError):
            await asyncio.to_thread(desk.work_the_queue)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(until.wait(), 0.5)


async def test_two_instances_each_one_killed_keep_every_promise(fleet: Fleet) -> None:
    samples = sample_cases(APPLICATIONS, clock.now().date(), sample_licences(), seed=12)
    fleet.start()
    assert set(fleet.pids("documents")) == {"documents", "documents-2"}
    assert set(fleet.pids("notifications")) == {"notifications", "notifications-2"}
    before = await application_ids(fleet.stack)
    started = time.monotonic()
    # The intake and the officer use the documents process that is not killed.
    desk = OfficerDesk(fleet.url("documents"), lambda app: app not in before)
    off_duty = asyncio.Event()
    on_duty = asyncio.create_task(officer_on_duty(desk, off_duty))
    submitting = asyncio.create_task(
        submit_through_faults(
            fleet.url("documents"), [s.form for s in samples], per_second=SUBMIT_PER_S
        )
    )
    for label, at in KILLS:
        await asyncio.sleep(max(0.0, started + at - time.monotonic()))
        pid = fleet.pid(label)
        assert pid is not None, f"{label} is not running"
        fleet.kill_pid(pid)
        print(f"  {time.monotonic() - started:6.1f}s kill -9 {label} (pid {pid})")
    submitted = await submitting
    ids = sorted((await application_ids(fleet.stack)) - before)
    assert set(submitted) <= set(ids)
    try:
        await wait_final_or_report(fleet, ids, FINAL_WITHIN_S, "after the kills")
    finally:
        off_duty.set()
        await on_duty
    duration = time.monotonic() - started

    assert await exactly_once_problems(fleet.stack, ids, TOLD) == []
    await wait_settled_or_report(fleet, SETTLED_WITHIN_S, "after the kills")
    assert await dead_letters(fleet.stack.kafka.admin) == []
    assert fleet.pid("documents-2") is None and fleet.pid("notifications") is None
    assert fleet.pid("documents") is not None and fleet.pid("notifications-2") is not None

    events, republished, out_of_order = await wire_order(fleet.stack, set(ids))
    assert out_of_order == [], "\n".join(out_of_order[:10])
    print(
        f"several instances: {len(ids)} applications final in {duration:.1f}s, "
        f"{events} events on Kafka, {republished} re-published copies (dropped by the "
        f"inboxes), officer cleared {desk.actions['clear']} / confirmed "
        f"{desk.actions['confirm']}"
    )


async def wire_order(stack: Stack, apps: set[str]) -> tuple[int, int, list[str]]:
    """Per service, topic and application: the first copy of each event on the topic, in
    offset order, against the service's outbox rows in id order. Returns the events
    compared, the extra copies seen, and every (topic, application) whose order differs."""
    events = republished = 0
    problems: list[str] = []
    wire: dict[str, list[tuple[str, str]]] = {}
    for service in SERVICES:
        rows = await fetch_rows(
            stack,
            service,
            "SELECT topic, convert_from(key, 'UTF8') AS app, event_id::text AS event, "
            "split_part(headers->>'ce_type', '.', 4) AS type FROM outbox ORDER BY id",
        )
        name = {r["event"]: r["type"] for r in rows}
        written: dict[tuple[str, str], list[str]] = defaultdict(list)
        for r in rows:
            if r["app"] in apps:
                written[(r["topic"], r["app"])].append(r["event"])
        mine = {event for sequence in written.values() for event in sequence}
        for topic in sorted({topic for topic, _ in written}):
            if topic not in wire:
                wire[topic] = [
                    (
                        (record.key or b"").decode(),
                        dict(record.headers).get("ce_id", b"").decode(),
                    )
                    for record in sorted(
                        await topic_records(stack.kafka.admin, topic),
                        key=lambda r: (r.partition, r.offset),
                    )
                ]
            seen: dict[str, list[str]] = defaultdict(list)
            copies = Counter(event for _, event in wire[topic] if event in mine)
            republished += sum(n - 1 for n in copies.values())
            for app, event in wire[topic]:
                if event in mine and event not in seen[app]:
                    seen[app].append(event)
            for (t, app), sequence in written.items():
                if t != topic:
                    continue
                events += len(sequence)
                if seen[app] != sequence:
                    problems.append(
                        f"{service} {topic} {app}: on the wire "
                        f"{[name[e] for e in seen[app]]}, written {[name[e] for e in sequence]}"
                    )
    return events, republished, problems
