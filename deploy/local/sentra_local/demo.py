"""`make demo`: bring everything up, send a batch of applications, watch them, report, tidy up."""

from __future__ import annotations

import random
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
    # One applicant's timeline, to show what people are actually told.
    example: tuple[Tracked | None, list[dict[str, str]]] = (None, [])

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


def run_batch(count: int, timeout: float, seed: int) -> DemoResult:
    documents = ServiceProcess("documents", state_dir() / "services")
    notifications = ServiceProcess("notifications", state_dir() / "services")
    forms = sample_applications(count, today=datetime.now(UTC).date(), seed=seed)
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
        example = next((t for t in tracked if t.final and t.kind == "kur_loan"), None)
        told: list[dict[str, str]] = []
        if example is not None:
            url = f"{notifications.url}/applications/{example.application_id}/timeline"
            told = client.get(url).json()["entries"]
    completed = sum(t.final for t in tracked)
    return DemoResult(
        submitted=len(tracked), completed=completed, tracked=tracked, example=(example, told)
    )


def print_summary(result: DemoResult) -> None:
    by_kind: Counter[tuple[str, str]] = Counter((t.kind, t.status) for t in result.tracked)
    print("\nOutcome by kind")
    print(f"  {'kind':<18} {'status':<22} {'count':>5}")
    for (kind, status), n in sorted(by_kind.items()):
        print(f"  {kind:<18} {status:<22} {n:>5}")
    by_regency = Counter(t.regency for t in result.tracked)
    print("\nApplications by sending regency")
    print("  " + "  ".join(f"{name} {n}" for name, n in sorted(by_regency.items())))
    example, told = result.example
    if example is not None:
        print(f"\nWhat one applicant from {example.regency} was told ({example.application_id})")
        for entry in told:
            print(f"  {entry['status']:<20} {entry['message_id']}")
            print(f"  {'':<20} {entry['message_en']}")
    not_final = [t for t in result.tracked if not t.final]
    if not_final:
        print("\nNot final (lost):")
        for t in not_final:
            print(f"  {t.application_id} {t.kind} last status {t.status}")


def main(count: int = 30, timeout: float = 120.0, seed: int | None = None) -> int:
    # A new batch of applicants each run: the same worker claiming the same refund twice
    # is (rightly) refused, so a fixed seed would show only refusals from the second run on.
    seed = random.randrange(1_000_000) if seed is None else seed
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
        print(f"Sample seed {seed} (repeat this batch with --seed {seed})")
        result = run_batch(count, timeout, seed)
        print_summary(result)
    finally:
        stopped = stop_services(services_home, services_started)
        stack.down(stack_started)
        if stopped or stack_started:
            print(f"\nStopped what the demo started: {', '.join(stopped + stack_started)}")
    print(f"submitted={result.submitted} completed={result.completed} lost={result.lost}")
    return 0 if result.lost == 0 and result.submitted > 0 else 1
