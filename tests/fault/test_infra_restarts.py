"""PostgreSQL, then the Kafka broker, stopped and started again while applications flow.
The services are left alone: they must notice and recover by themselves (pool reconnect,
relay LISTEN reconnect, consumer and producer retries). Afterwards every application is
final, every effect happened exactly once, nothing was dead-lettered, every outbox is
drained, no consumer group lags, and every service still runs as the same process and
answers healthy."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sentra_local.fleet import Fleet, submit_through_faults
from sentra_local.licences import sample_licences
from sentra_local.on_kafka import dead_letters
from sentra_local.outcomes import (
    application_ids,
    exactly_once_problems,
    wait_final_or_report,
    wait_settled_or_report,
)
from sentra_local.samples import sample_applications
from sentra_local.services import PROCESSES
from sentra_local.stack import Stack
from sentra_local.testing import fresh_stack
from sentra_notifications.handlers import APPLICANT_FACING

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

TOLD = {event_type.ce_type() for event_type in APPLICANT_FACING}
APPLICATIONS = 300
SUBMIT_PER_S = 15.0  # ~20 s of intake, with the outage in the middle of it
FLOWING_S = 6.0  # before the stop
DOWN_S = 6.0  # long enough for every service to hit the outage
FINAL_WITHIN_S = 120.0  # after the restart
SETTLED_WITHIN_S = 60.0


@pytest.fixture(scope="module")
def infra_stack() -> Iterator[Stack]:
    with fresh_stack("infra") as stack:
        yield stack


@pytest.fixture
async def fleet(infra_stack: Stack, tmp_path: Path) -> AsyncIterator[Fleet]:
    fleet = Fleet(infra_stack, tmp_path)
    try:
        yield fleet
    finally:
        fleet.stop()


async def unhealthy(fleet: Fleet) -> dict[str, str]:
    found: dict[str, str] = {}
    async with httpx.AsyncClient(timeout=5) as client:
        for name in PROCESSES:
            try:
                response = await client.get(f"{fleet.url(name)}/health")
                if response.status_code != 200:
                    found[name] = f"HTTP {response.status_code}: {response.text}"
            except httpx.HTTPError as error:
                found[name] = repr(error)
    return found


@pytest.mark.parametrize("part", ["postgres", "kafka"])
async def test_services_recover_by_themselves_from_a_restart_of(fleet: Fleet, part: str) -> None:
    stack = fleet.stack
    fleet.start()
    pids = {name: fleet.pid(name) for name in PROCESSES}
    before = await application_ids(stack)
    forms = sample_applications(
        APPLICATIONS, datetime.now(UTC).date(), sample_licences(), seed=len(part)
    )
    started = time.monotonic()

    def log(what: str) -> None:
        print(f"  {time.monotonic() - started:6.1f}s {what}")

    submitting = asyncio.create_task(
        submit_through_faults(fleet.url("documents"), forms, per_second=SUBMIT_PER_S, within=120)
    )
    await asyncio.sleep(FLOWING_S)
    server = stack.postgres if part == "postgres" else stack.kafka
    log(f"stopping {part}")
    assert await asyncio.to_thread(server.stop), f"{part} was not running"
    log(f"{part} stopped")
    await asyncio.sleep(DOWN_S)
    # The same ports and data directory: the same server comes back.
    assert await asyncio.to_thread(server.start), f"{part} did not start again"
    log(f"{part} running again")
    submitted = await submitting
    log(f"all {len(submitted)} submitted")

    # Every application documents stored counts, also one whose POST answer the outage
    # lost (a commit whose acknowledgement never reached documents).
    ids = sorted((await application_ids(stack)) - before)
    assert set(submitted) <= set(ids)
    await wait_final_or_report(fleet, ids, FINAL_WITHIN_S, f"after {part} came back")
    log(f"all {len(ids)} final")

    assert await exactly_once_problems(stack, ids, TOLD) == []
    await wait_settled_or_report(fleet, SETTLED_WITHIN_S, f"after {part} came back")
    assert await dead_letters(stack.kafka.admin) == []
    # Nobody restarted a service: each is the process it was, and healthy again.
    assert {name: fleet.pid(name) for name in PROCESSES} == pids
    assert await unhealthy(fleet) == {}
