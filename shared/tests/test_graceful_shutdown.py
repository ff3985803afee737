"""SIGTERM to a real service process: it stops fetching, finishes what it holds, flushes
the outbox relay, commits, and exits 0 with nothing left unpublished."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from sentra_local.processes import free_port
from sentra_local.services import ServiceProcess
from sentra_local.stack import Stack, database_name
from sentra_local.testing import fresh_stack
from sentra_shared.envelope import encode, headers_for
from sentra_shared.events import CreditOutcome, CreditScreened


async def _write_outbox_rows(dsn: str, count: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        # Credit's own event: the service signs in as `credit`, which may write only its
        # own topics.
        events = [
            CreditScreened(
                application_id=uuid.uuid4(),
                occurred_at=datetime.now(UTC),
                outcome=CreditOutcome.REJECTED,
                amount_idr=10_000_000,
            )
            for _ in range(count)
        ]
        await conn.executemany(
            """INSERT INTO outbox (event_id, topic, key, headers, payload)
               VALUES ($1, $2, $3, $4, $5)""",
            [(e.event_id, e.topic, e.key, json.dumps(headers_for(e)), encode(e)) for e in events],
        )
    finally:
        await conn.close()


async def _unpublished(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
    finally:
        await conn.close()


@contextlib.contextmanager
def running_credit(stack: Stack, home: Path, *env: tuple[str, str]) -> Iterator[ServiceProcess]:
    """The credit service as its own process; killed if a test leaves it running."""
    service = ServiceProcess("credit", home, http_port=free_port(), extra_env=env)
    service.start(stack)
    pid = int(service.pid_file.read_text())
    try:
        service.wait_healthy(timeout=60)
        yield service
    finally:
        with contextlib.suppress(ChildProcessError):  # reaped by `sigterm` already
            if os.waitpid(pid, os.WNOHANG) == (0, 0):  # still our child: nobody else's pid
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


def sigterm(service: ServiceProcess, within: float) -> int:
    """Send SIGTERM and wait for the process to end; its exit code."""
    pid = int(service.pid_file.read_text())
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    raise AssertionError(f"the service did not exit within {within:.0f}s of SIGTERM")


@pytest.fixture(scope="module")
def shutdown_stack() -> Iterator[Stack]:
    # A stack of its own: the events published here must not become other tests' backlog.
    with fresh_stack("shutdown") as stack:
        yield stack


def test_sigterm_drains_the_outbox_and_exits_zero(shutdown_stack: Stack, tmp_path: Path) -> None:
    local_stack = shutdown_stack
    asyncio.run(local_stack.postgres.recreate_databases([database_name("credit", "_test")]))
    dsn = local_stack.database_url("credit")
    # A poll interval longer than the test: only the shutdown flush can publish the rows
    # that the relay has not picked up by then.
    with running_credit(
        local_stack, tmp_path, ("SENTRA_CREDIT_OUTBOX_POLL_INTERVAL_S", "600")
    ) as service:
        asyncio.run(_write_outbox_rows(dsn, 500))
        code = sigterm(service, within=40)
    log = service.log_file.read_text(errors="replace")
    assert code == 0, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    assert asyncio.run(_unpublished(dsn)) == 0


def test_sigterm_with_the_broker_gone_still_ends_the_process_and_keeps_the_rows(
    shutdown_stack: Stack, tmp_path: Path
) -> None:
    local_stack = shutdown_stack
    asyncio.run(local_stack.postgres.recreate_databases([database_name("credit", "_test")]))
    dsn = local_stack.database_url("credit")
    with running_credit(
        local_stack,
        tmp_path,
        ("SENTRA_CREDIT_OUTBOX_POLL_INTERVAL_S", "600"),
        ("SENTRA_CREDIT_STOP_STEP_TIMEOUT_S", "3"),
    ) as service:
        assert local_stack.down(["kafka"]) == ["kafka"]
        asyncio.run(_write_outbox_rows(dsn, 20))  # nowhere to publish them now
        # The database goes too: every step of the shutdown would wait on one or the other.
        assert local_stack.down(["postgres"]) == ["postgres"]
        code = sigterm(service, within=60)
    log = service.log_file.read_text(errors="replace")
    assert code == 0, log[-3000:]
    assert "what it held is left for the next start" in log, log[-3000:]
    # Nothing lost: the rows wait in the outbox for the next start.
    local_stack.postgres.start()
    assert asyncio.run(_unpublished(dsn)) == 20
