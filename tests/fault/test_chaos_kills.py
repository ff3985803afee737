"""kill -9 at random: while 1,000+ applications of every kind flow, service processes are
killed at random moments and restarted, each of them several times. The applications take
every path the program knows (each placement rule, red flags decided by an officer acting
through the review API, the bank's and the insurer's exchanges, agencies that answer late
and a bank and an insurer that never do), and beside them businesses go through their
programmes to the award and consultations to the desks (one desk never answering), on
one clock 50,000 times faster than real time, so that deadlines fall due, escalate and
meet late answers while processes die.
Afterwards every application is final, every effect happened exactly once (a missed
deadline once per request), nothing was dead-lettered, every outbox is drained and no
consumer group lags.

The kills follow a seeded plan; the seed is printed (and named in every failure), and
`SENTRA_CHAOS_SEED=<seed>` replays the same plan (the moments the kills land on still
depend on timing).

The second test pins down, deterministically, what an agency killed between sending its
reply and committing the request does (it answers again after its restart) and that
Sentra takes that as a duplicate: the chaos run found it dead-lettered.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sentra_local.empowerment_samples import (
    ALL_EMPOWERMENT_PATHS,
    empowerment_cases,
    open_journeys_through_faults,
)
from sentra_local.fleet import Fleet, submit, submit_through_faults
from sentra_local.licences import sample_licences
from sentra_local.officer import OfficerDesk
from sentra_local.on_kafka import dead_letters, topic_records
from sentra_local.outcomes import (
    application_ids,
    case_ids,
    exactly_once_problems,
    fetch_rows,
    not_final,
    wait_final_or_report,
    wait_settled_or_report,
)
from sentra_local.samples import ALL_PATHS, sample_applications, sample_cases
from sentra_local.stack import SERVICES, Stack
from sentra_local.testing import fresh_stack
from sentra_notifications.handlers import APPLICANT_FACING
from sentra_shared import clock
from sentra_shared.envelope import decode, decode_headers, encode, headers_for
from sentra_shared.events import DukcapilCheckCompleted
from sentra_shared.kafka_login import KafkaLogin

# A backstop only: every phase has its own bound and failure message (the kill plan is
# ~1 min, each restart must be healthy within 60 s, then FINAL_WITHIN_S and SETTLED_WITHIN_S).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(480)]

TOLD = {event_type.ce_type() for event_type in APPLICANT_FACING}
APPLICATIONS = 1_000
KILLS_PER_SERVICE = 2  # at least; agencies are killed too
EXTRA_KILLS = 3  # any process, the agencies included
GAP_S = (1.5, 4.5)  # between two kills
SUBMIT_PER_S = 20.0  # ~50 s of steady intake, while the kills go on
JOURNEYS = 120  # businesses and consultations, beside the applications
JOURNEYS_PER_S = 3.0
SUBMIT_WITHIN_S = 180.0
FINAL_WITHIN_S = 120.0  # after the last restart
SETTLED_WITHIN_S = 60.0
# Every process runs on one clock this much faster than real time, so that the paths
# through missed deadlines (an agency's day, the bank's 5 working days, the insurer's
# 14 days, each escalated as long again) finish within the run: a day is ~1.7 s.
SPEEDUP = 50_000


@dataclass(frozen=True)
class Kill:
    victim: str
    after_s: float  # pause before this kill


def kill_plan(rng: random.Random) -> list[Kill]:
    victims = [name for name in SERVICES for _ in range(KILLS_PER_SERVICE)]
    victims += ["agencies"] + [rng.choice([*SERVICES, "agencies"]) for _ in range(EXTRA_KILLS)]
    rng.shuffle(victims)
    return [Kill(victim, round(rng.uniform(*GAP_S), 2)) for victim in victims]


@pytest.fixture(scope="module")
def chaos_stack() -> Iterator[Stack]:
    with fresh_stack("chaos") as stack:
        yield stack


@pytest.fixture
async def fleet(chaos_stack: Stack, tmp_path: Path) -> AsyncIterator[Fleet]:
    fleet = Fleet(chaos_stack, tmp_path, speedup=SPEEDUP)
    try:
        with clock.installed(fleet.clock):
            yield fleet
    finally:
        fleet.stop()


async def officer_on_duty(desk: OfficerDesk, until: asyncio.Event) -> None:
    """Every flagged case gets its human decision, also while documents is being killed."""
    while not until.is_set():
        # documents may be down or restarting: the desk tries again in a moment
        with contextlib.suppress(httpx.HTTPError, OSError):
            await asyncio.to_thread(desk.work_the_queue)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(until.wait(), 0.5)


async def finished_count(fleet: Fleet, before: set[str]) -> int:
    ids = sorted((await application_ids(fleet.stack)) - before)
    return len(ids) - len(await not_final(fleet.stack, ids))


async def test_random_kill_9_during_a_thousand_applications(fleet: Fleet) -> None:
    seed = int(os.environ.get("SENTRA_CHAOS_SEED") or random.randrange(2**32))
    print(f"chaos seed {seed} (replay: SENTRA_CHAOS_SEED={seed})")
    rng = random.Random(seed)
    plan = kill_plan(rng)
    # Every path: red flags for the officer, missed deadlines, escalations, late answers.
    samples = sample_cases(
        APPLICATIONS, clock.now().date(), sample_licences(), seed=seed % 10_000, paths=ALL_PATHS
    )
    forms = [sample.form for sample in samples]
    assert {sample.path for sample in samples} == set(ALL_PATHS)
    journeys = empowerment_cases(JOURNEYS, clock.now().date(), seed=seed % 10_000)
    assert {journey.path for journey in journeys} == set(ALL_EMPOWERMENT_PATHS)

    fleet.start()
    before = await application_ids(fleet.stack)
    cases_before = await case_ids(fleet.stack)
    started = time.monotonic()
    desk = OfficerDesk(
        fleet.url("documents"),
        lambda app: app not in before,
    )
    off_duty = asyncio.Event()
    on_duty = asyncio.create_task(officer_on_duty(desk, off_duty))

    def log(what: str) -> None:
        print(f"  {time.monotonic() - started:6.1f}s {what}")

    async def submit() -> list[str]:
        ids = await submit_through_faults(
            fleet.url("documents"), forms, per_second=SUBMIT_PER_S, within=SUBMIT_WITHIN_S
        )
        log(f"all {len(ids)} submitted")
        opened = await opening
        return ids + opened

    async def open_cases() -> list[str]:
        ids = await open_journeys_through_faults(
            fleet.url("empowerment"), journeys, per_second=JOURNEYS_PER_S, within=SUBMIT_WITHIN_S
        )
        log(f"all {len(ids)} businesses and consultations opened")
        return ids

    async def restart(name: str) -> None:
        await fleet.crash_and_restart(name)
        log(f"{name} healthy again, {await finished_count(fleet, before)} final so far")

    # Each kill waits for its victim's previous restart (it kills a working process), not
    # for the others': several services may be down at once.
    opening = asyncio.create_task(open_cases())
    submitting = asyncio.create_task(submit())
    restarting: dict[str, asyncio.Task[None]] = {}
    killed: list[str] = []
    for kill in plan:
        await asyncio.sleep(kill.after_s)
        if submitting.done() and submitting.exception() is not None:
            break  # surfaced below
        if (previous := restarting.get(kill.victim)) is not None:
            await previous
        log(f"kill -9 {kill.victim}")
        killed.append(kill.victim)
        restarting[kill.victim] = asyncio.create_task(restart(kill.victim))
    await asyncio.gather(*restarting.values())
    submitted = await submitting
    assert len(killed) == len(plan), f"seed {seed}: the kill plan was cut short"
    assert min(Counter(killed)[name] for name in SERVICES) >= KILLS_PER_SERVICE
    log(f"every restart done; {await finished_count(fleet, before)} final so far")

    # Every application documents stored counts, also one whose POST answer a kill lost;
    # so does every business and consultation.
    cases = sorted((await case_ids(fleet.stack)) - cases_before)
    ids = sorted((await application_ids(fleet.stack)) - before) + cases
    assert set(submitted) <= set(ids)
    assert len(cases) == len(journeys), f"seed {seed}: a retried POST opened a second case"
    try:
        await wait_final_or_report(
            fleet, ids, FINAL_WITHIN_S, f"after the last restart (seed {seed})"
        )
    finally:
        off_duty.set()
        await on_duty
    log(f"all {len(ids)} final ({len(ids) - len(set(submitted))} stored twice by a retried POST)")
    log(f"the officer cleared {desk.actions['clear']} and confirmed {desk.actions['confirm']}")
    assert desk.actions["confirm"] > 0 and desk.actions["clear"] > 0
    assert await deadline_paths_seen(fleet.stack, ids), f"seed {seed}: no deadline fired"

    assert await exactly_once_problems(fleet.stack, ids, TOLD) == [], f"seed {seed}"
    await wait_settled_or_report(fleet, SETTLED_WITHIN_S, f"(seed {seed})")
    assert await dead_letters(fleet.stack.kafka.admin) == [], f"seed {seed}"
    for name in (*SERVICES, "agencies"):
        assert fleet.pid(name) is not None, f"seed {seed}: {name} died after its restart"


async def first_reply(kafka: KafkaLogin) -> tuple[DukcapilCheckCompleted, dict[str, str]]:
    """One answer the built-in Dukcapil responder sent, as it is on the wire."""
    records = await topic_records(kafka, DukcapilCheckCompleted.topic)
    assert records, f"no reply on {DukcapilCheckCompleted.topic}"
    headers = decode_headers(records[0].headers)
    reply = decode(headers, records[0].value)
    assert isinstance(reply, DukcapilCheckCompleted)
    return reply, headers


async def test_an_agency_answering_again_later_is_a_duplicate_not_a_dead_letter(
    fleet: Fleet,
) -> None:
    """An agency killed between sending its reply and committing the request answers it
    again after its restart: the same `event_id` and content, a later `occurred_at` (the
    agency guide and the conformance check allow that). Sentra must drop it as a
    duplicate; it must not dead-letter it as "the same id with another payload"."""
    fleet.start()
    kafka = fleet.stack.kafka.admin
    forms = sample_applications(6, clock.now().date(), sample_licences(), seed=7)
    ids = await submit(fleet.url("documents"), forms)
    await wait_final_or_report(fleet, ids, 60, "after the re-answer")
    letters_before = await dead_letters(kafka)

    reply, headers = await first_reply(kafka)
    answered = await check_row(fleet, reply)
    again = reply.model_copy(update={"occurred_at": reply.occurred_at + timedelta(minutes=3)})
    producer = AIOKafkaProducer(**kafka.aiokafka(), enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(
            again.topic,
            encode(again),
            key=again.key,
            headers=[(k, v.encode()) for k, v in {**headers, **headers_for(again)}.items()],
        )
    finally:
        await producer.stop()

    await wait_settled_or_report(fleet, SETTLED_WITHIN_S, "after the re-answer")  # consumed
    assert await dead_letters(kafka) == letters_before
    assert await check_row(fleet, reply) == answered  # the first answer stands
    assert await exactly_once_problems(fleet.stack, ids, TOLD) == []


async def deadline_paths_seen(stack: Stack, ids: list[str]) -> bool:
    """Overdue and escalated deadlines fired, and a late answer still decided its case."""
    told = await fetch_rows(
        stack,
        "notifications",
        "SELECT DISTINCT status FROM timeline WHERE application_id = ANY($1::uuid[])",
        ids,
    )
    statuses = {r["status"] for r in told}
    return {"delayed", "escalated", "under_review", "review_cleared"} <= statuses


async def check_row(fleet: Fleet, reply: DukcapilCheckCompleted) -> tuple[object, ...]:
    conn = await asyncpg.connect(fleet.stack.database_url("documents"))
    try:
        row = await conn.fetchrow(
            "SELECT outcome, reasons, valid_until, completed_at FROM agency_checks "
            "WHERE request_id = $1",
            reply.request_id,
        )
    finally:
        await conn.close()
    assert row is not None and row["completed_at"] is not None
    return tuple(row.values())
