"""`make demo`: bring everything up, send a batch of applications, watch them, report, tidy up."""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from sentra_local.paths import state_dir
from sentra_local.samples import SENDING_REGENCIES, sample_applications
from sentra_local.services import ServiceProcess, start_services, stop_services
from sentra_local.stack import local_stack


@dataclass
class Tracked:
    application_id: str
    kind: str
    regency: str
    status: str = "submitted"
    final: bool = False


@dataclass
class DemoResult:
    submitted: int
    completed: int
    tracked: list[Tracked] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.submitted - self.completed


def _progress(done: int, total: int, elapsed: float, interactive: bool) -> None:
    width = 30
    filled = width * done // max(total, 1)
    line = f"  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} final  {elapsed:5.1f}s"
    if interactive:
        print("\r" + line, end="", flush=True)
    else:
        print(line, flush=True)


def run_batch(count: int, timeout: float) -> DemoResult:
    documents = ServiceProcess("documents", state_dir() / "services")
    notifications = ServiceProcess("notifications", state_dir() / "services")
    forms = sample_applications(count, today=datetime.now(UTC).date())
    tracked: list[Tracked] = []
    with httpx.Client(timeout=10.0) as client:
        print(f"Submitting {count} applications to {documents.url}/applications")
        for form in forms:
            response = client.post(f"{documents.url}/applications", json=form)
            response.raise_for_status()
            tracked.append(
                Tracked(
                    application_id=response.json()["application_id"],
                    kind=form["kind"],
                    regency=SENDING_REGENCIES[form["applicant"]["nik"][:4]],
                )
            )
        print("Waiting for every application to reach a final state")
        interactive = sys.stdout.isatty()
        started = time.monotonic()
        last_report = -1.0
        while True:
            for item in (t for t in tracked if not t.final):
                url = f"{notifications.url}/applications/{item.application_id}/timeline"
                answer = client.get(url)
                if answer.status_code == 200:
                    body = answer.json()
                    item.status, item.final = body["status"], body["final"]
            done = sum(t.final for t in tracked)
            elapsed = time.monotonic() - started
            if interactive or elapsed - last_report >= 2.0 or done == len(tracked):
                _progress(done, len(tracked), elapsed, interactive)
                last_report = elapsed
            if done == len(tracked) or elapsed > timeout:
                break
            time.sleep(0.5)
        if interactive:
            print()
    completed = sum(t.final for t in tracked)
    return DemoResult(submitted=len(tracked), completed=completed, tracked=tracked)


def print_summary(result: DemoResult) -> None:
    by_kind: Counter[tuple[str, str]] = Counter((t.kind, t.status) for t in result.tracked)
    print("\nOutcome by kind")
    print(f"  {'kind':<18} {'status':<22} {'count':>5}")
    for (kind, status), n in sorted(by_kind.items()):
        print(f"  {kind:<18} {status:<22} {n:>5}")
    by_regency = Counter(t.regency for t in result.tracked)
    print("\nApplications by sending regency")
    print("  " + "  ".join(f"{name} {n}" for name, n in sorted(by_regency.items())))
    not_final = [t for t in result.tracked if not t.final]
    if not_final:
        print("\nNot final (lost):")
        for t in not_final:
            print(f"  {t.application_id} {t.kind} last status {t.status}")


def main(count: int = 30, timeout: float = 120.0) -> int:
    stack = local_stack()
    services_home = state_dir() / "services"
    print("Starting Kafka and PostgreSQL (already running parts are reused)")
    stack_started = stack.up()
    print(f"  kafka {stack.kafka.bootstrap}   postgres {stack.postgres.host}:{stack.postgres.port}")
    services_started: list[str] = []
    result = DemoResult(submitted=0, completed=0)
    try:
        print("Starting the services")
        services_started = start_services(stack, services_home)
        result = run_batch(count, timeout)
        print_summary(result)
    finally:
        stopped = stop_services(services_home, services_started)
        stack.down(stack_started)
        if stopped or stack_started:
            print(f"\nStopped what the demo started: {', '.join(stopped + stack_started)}")
    print(f"submitted={result.submitted} completed={result.completed} lost={result.lost}")
    return 0 if result.lost == 0 and result.submitted > 0 else 1
