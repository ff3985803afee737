"""The five services as real processes on free ports, for fault tests and the benchmark
(the checks that prove a run kept its promises: `sentra_local.outcomes`).

Only processes started here are signalled, by the pid recorded when they were started.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import time
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sentra_shared.clock import Clock, ScaledClock, SystemClock

from sentra_local.licences import load_sample_licences
from sentra_local.processes import free_port, is_alive, running_pid, stop_pid
from sentra_local.services import PROCESSES, ServiceProcess
from sentra_local.sinks import DEVELOPMENT_SMS_KEY
from sentra_local.stack import Stack


class Fleet:
    """`speedup`: run every process on one accelerated clock (as the demo does), so that
    working-day deadlines fall due within the test; the test process must install the same
    clock (`self.clock`) when it reads the time."""

    def __init__(
        self,
        stack: Stack,
        home: Path,
        speedup: float | None = None,
        instances: dict[str, int] | None = None,
    ) -> None:
        """`instances`: several processes of a service (`{"documents": 2}`), in one
        consumer group, each on its own port; the second is named `documents-2`."""
        self.stack = stack
        self.home = home
        common: tuple[tuple[str, str], ...] = (("SENTRA_LOG_LEVEL", "WARNING"),)
        self.clock: Clock = SystemClock()
        if speedup is not None:
            epoch = datetime.now(UTC)
            self.clock = ScaledClock(epoch, speedup)
            common += (
                ("SENTRA_CLOCK_SPEEDUP", str(speedup)),
                ("SENTRA_CLOCK_EPOCH", epoch.isoformat()),
                *((f"SENTRA_{n.upper()}_DEADLINE_POLL_INTERVAL_S", "0.2") for n in PROCESSES),
            )
        counts = instances or {}
        labels = {
            (name if n == 1 else f"{name}-{n}"): (name, n)
            for name in PROCESSES
            for n in range(1, counts.get(name, 1) + 1)
        }
        ports = {label: free_port() for label in labels}
        # notifications sends to this fleet's sinks (SMTP + SMS gateway), on ports of its own.
        smtp_port = free_port()
        delivery = {
            "sinks": (("SENTRA_SINKS_SMTP_PORT", str(smtp_port)),),
            "notifications": (
                ("SENTRA_NOTIFICATIONS_SMTP_HOST", "127.0.0.1"),
                ("SENTRA_NOTIFICATIONS_SMTP_PORT", str(smtp_port)),
                ("SENTRA_NOTIFICATIONS_SMS_URL", f"http://127.0.0.1:{ports['sinks']}"),
                ("SENTRA_NOTIFICATIONS_SMS_KEY", DEVELOPMENT_SMS_KEY),
                ("SENTRA_NOTIFICATIONS_DELIVERY_POLL_INTERVAL_S", "0.2"),
            ),
        }
        self.processes = {
            label: ServiceProcess(
                name,
                home,
                http_port=ports[label],
                extra_env=(
                    *common,
                    (f"SENTRA_{name.upper()}_OUTBOX_POLL_INTERVAL_S", "0.5"),
                    *delivery.get(name, ()),
                ),
                instance=n,
            )
            for label, (name, n) in labels.items()
        }
        self._faults: dict[str, str] = {}
        self._exits: dict[int, int] = {}
        self._licences_loaded = False

    def url(self, name: str) -> str:
        return self.processes[name].url

    def _process(self, name: str) -> ServiceProcess:
        process = self.processes[name]
        if fault := self._faults.get(name):
            process = dataclasses.replace(
                process, extra_env=(*process.extra_env, ("SENTRA_FAULT", fault))
            )
        return process

    def start(self, *names: str, fault: str | None = None) -> None:
        """Start processes by label (`documents`, `documents-2`); all by default."""
        names = names or tuple(self.processes)
        for name in names:
            if fault is None:
                self._faults.pop(name, None)
            else:
                self._faults[name] = fault
            self._process(name).start(self.stack)
        for name in names:
            self._process(name).wait_healthy(timeout=60)
        if "documents" in names and not self._licences_loaded:
            # The recruiter licence registry the sample placements name.
            load_sample_licences(self.stack)
            self._licences_loaded = True

    def pid(self, name: str) -> int | None:
        return running_pid(self.processes[name].pid_file)

    def kill(self, name: str) -> None:
        """kill -9: no shutdown, no flush, no commit."""
        pid = self.pid(name)
        if pid is None:
            return
        os.kill(pid, signal.SIGKILL)
        while is_alive(pid):
            time.sleep(0.01)

    def pids(self, service: str) -> dict[str, int]:
        """The running processes of one service, by label."""
        return {
            label: pid
            for label, process in self.processes.items()
            if process.name == service and (pid := self.pid(label)) is not None
        }

    def kill_pid(self, pid: int) -> str:
        """kill -9 one process of this fleet by its pid; return its label. Refuses a pid
        the fleet did not start."""
        for label in self.processes:
            if self.pid(label) == pid:
                self.kill(label)
                return label
        raise ValueError(f"pid {pid} is not a process of this fleet")

    async def crash_and_restart(self, name: str) -> None:
        """kill -9, then start it again and wait until it is healthy (its consumer back in
        its group), without blocking the event loop: the caller goes on meanwhile."""
        self.kill(name)
        await asyncio.to_thread(self.start, name)

    def exit_code(self, name: str) -> int | None:
        """The child's exit status once it has ended (negative: killed by that signal)."""
        pid = int(self.processes[name].pid_file.read_text().strip())
        if pid not in self._exits:
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere: the status is gone
                return None
            if done == 0:
                return None
            self._exits[pid] = os.waitstatus_to_exitcode(status)
        return self._exits[pid]

    def stop(self, *names: str) -> None:
        for name in names or tuple(self.processes):
            pid = self.pid(name)
            if pid is not None:
                stop_pid(pid, timeout=30)
            self.processes[name].pid_file.unlink(missing_ok=True)

    def log(self, name: str) -> str:
        return self.processes[name].log_file.read_text(errors="replace")


async def submit(url: str, forms: list[dict[str, Any]], concurrency: int = 8) -> list[str]:
    """POST every form to documents; return the application ids in order."""
    ids: list[str] = [""] * len(forms)
    queue = list(enumerate(forms))
    async with httpx.AsyncClient(timeout=30) as client:

        async def worker() -> None:
            while queue:
                index, form = queue.pop()
                response = await client.post(f"{url}/applications", json=form)
                response.raise_for_status()
                ids[index] = response.json()["application_id"]

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ids


async def submit_through_faults(
    url: str,
    forms: list[dict[str, Any]],
    *,
    concurrency: int = 16,
    per_second: float | None = None,
    within: float = 180.0,
) -> list[str]:
    """POST every form, retrying while documents cannot answer (killed, restarting, its
    database or broker away); return the application ids in order. `per_second` spreads
    the submissions over time, so that faults meet a steady flow rather than its tail.

    A POST that failed after documents had committed it (the answer lost with the
    process) stored an application we never heard of; the retry stores another. Callers
    find every stored one with `application_ids`, so none of them escapes the checks.
    """
    ids: list[str] = [""] * len(forms)
    queue = deque(enumerate(forms))
    began = time.monotonic()
    deadline = began + within
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=10, limits=limits) as client:

        async def post(form: dict[str, Any]) -> str:
            delay = 0.1
            while True:
                try:
                    response = await client.post(f"{url}/applications", json=form)
                    if response.status_code < 500:
                        response.raise_for_status()  # a 4xx is our bug: fail at once
                        return str(response.json()["application_id"])
                    failure = f"HTTP {response.status_code}"
                except httpx.TransportError as error:
                    failure = repr(error)
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"documents did not accept an application within {within:.0f}s "
                        f"(last: {failure})"
                    )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)

        async def worker() -> None:
            while queue:
                index, form = queue.popleft()
                if per_second:
                    await asyncio.sleep(began + index / per_second - time.monotonic())
                ids[index] = await post(form)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ids
