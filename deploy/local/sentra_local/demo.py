"""`make demo`: bring everything up, send a batch of applications along every path, and
the journeys of packages 2 and 4 (businesses taken to the award, consultations to the
desks), act as the officer, watch them, report, tidy up.

Deadlines are counted in working days, so the demo runs every process on one accelerated
clock (`SENTRA_CLOCK_SPEEDUP`, from the demo's start): an agency's working day passes in
seconds, and missed deadlines, escalations and late answers show within a minute or two.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import httpx
from sentra_shared import clock
from sentra_shared.calendar import WIB
from sentra_shared.clock import ScaledClock

from sentra_local.empowerment_samples import EmpowermentSample, empowerment_cases, open_journeys
from sentra_local.licences import load_sample_licences, sample_licences
from sentra_local.officer import OfficerDesk
from sentra_local.paths import state_dir
from sentra_local.processes import running_pid
from sentra_local.samples import Path, Sample, family_loan_form, sample_cases
from sentra_local.services import PROCESSES, ServiceProcess, start_services, stop_services
from sentra_local.stack import local_stack

# One working day in about 2 s of real time; the insurer's 14 + 14 days in under a minute.
DEMO_SPEEDUP = 50_000
OFFICER = "demo-officer"
# Statuses on the way that the outcome table shows beside the final one.
NOTEWORTHY = {"under_review": "flagged", "review_cleared": "cleared", "delayed": "overdue",
              "escalated": "escalated"}  # fmt: skip


@dataclass
class Tracked:
    application_id: str  # or a business's or a consultation's id: followed the same way
    sample: Sample | EmpowermentSample
    tracking_code: str
    status: str = "submitted"
    final: bool = False
    seen: set[str] = field(default_factory=set)

    @property
    def route(self) -> str:
        return " ".join(label for status, label in NOTEWORTHY.items() if status in self.seen)


@dataclass
class DemoResult:
    submitted: int
    completed: int
    tracked: list[Tracked] = field(default_factory=list)
    officer_actions: Counter[str] = field(default_factory=Counter)
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


FAMILY_LOANS = 2  # follow-up family loans, each naming one verified worker


def follow(
    client: httpx.Client,
    desk: OfficerDesk,
    tracked: list[Tracked],
    notifications_url: str,
    timeout: float,
) -> None:
    """Read every unfinished case's timeline (acting as the officer meanwhile) until all
    are final or `timeout` seconds have passed, showing the progress."""
    interactive = sys.stdout.isatty()
    started = time.monotonic()
    last_report = -1.0
    while True:
        desk.work_the_queue()
        for item in (t for t in tracked if not t.final):
            answer = client.get(f"{notifications_url}/applications/{item.application_id}/timeline")
            if answer.status_code == 200:
                body = answer.json()
                item.status, item.final = body["status"], body["final"]
                item.seen |= {entry["status"] for entry in body["entries"]}
        done = sum(t.final for t in tracked)
        elapsed = time.monotonic() - started
        if interactive or elapsed - last_report >= 5.0 or done == len(tracked):
            _progress(done, len(tracked), elapsed, interactive)
            last_report = elapsed
        if done == len(tracked) or elapsed > timeout:
            break
        time.sleep(0.5)
    if interactive:
        print()


def submit_family_loans(
    client: httpx.Client, documents_url: str, tracked: list[Tracked]
) -> list[Tracked]:
    """A family member's loan for each of the first few workers whose placement was
    verified, naming the worker by the placement's tracking code and birth date."""
    workers = [
        t
        for t in tracked
        if isinstance(t.sample, Sample)
        and t.sample.kind == "placement"
        and t.status == "documents_verified"
    ][:FAMILY_LOANS]
    family: list[Tracked] = []
    for worker in workers:
        applicant = worker.sample.form["applicant"]
        form = family_loan_form(
            random.Random(worker.application_id),
            clock.now().astimezone(WIB).date(),
            worker.tracking_code,
            date.fromisoformat(applicant["date_of_birth"]),
            applicant["nik"][:4],
        )
        response = client.post(f"{documents_url}/applications", json=form)
        response.raise_for_status()
        accepted = response.json()
        sample = Sample(form, Path.KUR_FAMILY)
        family.append(Tracked(accepted["application_id"], sample, accepted["tracking_code"]))
    return family


def run_batch(
    samples: list[Sample], timeout: float, journeys: list[EmpowermentSample] | None = None
) -> DemoResult:
    documents = ServiceProcess("documents", state_dir() / "services")
    empowerment = ServiceProcess("empowerment", state_dir() / "services")
    notifications = ServiceProcess("notifications", state_dir() / "services")
    tracked: list[Tracked] = []
    with httpx.Client(timeout=10.0) as client:
        print(f"Submitting {len(samples)} applications to {documents.url}/applications")
        for sample in samples:
            response = client.post(f"{documents.url}/applications", json=sample.form)
            response.raise_for_status()
            accepted = response.json()
            tracked.append(Tracked(accepted["application_id"], sample, accepted["tracking_code"]))
        if journeys:
            print(
                f"Registering businesses and asking questions ({len(journeys)} journeys) at "
                f"{empowerment.url}"
            )
            for journey, case in zip(
                journeys, open_journeys(client, empowerment.url, journeys), strict=True
            ):
                tracked.append(Tracked(case.case_id, journey, case.tracking_code))
        by_id = {t.application_id: t for t in tracked}
        desk = OfficerDesk(
            documents.url,
            by_id.__contains__,
            officer=OFFICER,
            client=client,
        )
        print("Waiting for every application to reach a final state (acting as the officer)")
        started = time.monotonic()
        follow(client, desk, tracked, notifications.url, timeout)
        # Family loans name a worker whose placement is verified: they come after.
        family = submit_family_loans(client, documents.url, tracked)
        if family:
            print(f"Submitting {len(family)} family loans naming verified workers")
            tracked += family
            by_id.update((t.application_id, t) for t in family)
            follow(client, desk, tracked, notifications.url, timeout - (time.monotonic() - started))
        # The one to show: a loan whose bank missed its deadline twice over.
        example = next(
            (
                t
                for t in tracked
                if t.final and t.sample.kind == "kur_loan" and "escalated" in t.seen
            ),
            next((t for t in tracked if t.final and "escalated" in t.seen), None),
        )
        told: list[dict[str, str]] = []
        if example is not None:
            url = f"{notifications.url}/applications/{example.application_id}/timeline"
            told = client.get(url).json()["entries"]
    return DemoResult(
        submitted=len(tracked),
        completed=sum(t.final for t in tracked),
        tracked=tracked,
        officer_actions=desk.actions,
        example=(example, told),
    )


def print_summary(result: DemoResult) -> None:
    by_path: Counter[tuple[str, str, str]] = Counter(
        (t.sample.path.value, t.status, t.route) for t in result.tracked
    )
    print("\nOutcome by path")
    print(f"  {'path':<74} {'final status':<20} {'on the way':<28} {'count':>5}")
    for (path, status, route), n in sorted(by_path.items()):
        print(f"  {path:<74} {status:<20} {route:<28} {n:>5}")
    seen = Counter(label for t in result.tracked for label in t.route.split())
    print(
        f"\nOn the way: {seen['flagged']} flagged for review, "
        f"{result.officer_actions['clear']} cleared and {result.officer_actions['confirm']} "
        f"confirmed by the officer, {seen['overdue']} with a missed deadline, "
        f"{seen['escalated']} escalated to a supervisor"
    )
    by_regency = Counter(t.sample.regency for t in result.tracked if t.sample.regency)
    print("\nApplications and businesses by sending regency")
    print("  " + "  ".join(f"{name} {n}" for name, n in sorted(by_regency.items())))
    example, told = result.example
    if example is not None:
        where = example.sample.regency
        who = f"applicant from {where}" if where else "person who asked"
        print(f"\nWhat one {who} was told ({example.application_id})")
        for entry in told:
            print(f"  {entry['status']:<20} {entry['message_id']}")
            print(f"  {'':<20} {entry['message_en']}")
    if example is not None:
        print_public_pages(example)
    not_final = [t for t in result.tracked if not t.final]
    if not_final:
        print("\nNot final (lost):")
        for t in not_final:
            print(f"  {t.application_id} {t.sample.path.value} last status {t.status}")


def print_public_pages(example: Tracked) -> None:
    """Where the applicant and the public look. The demo's data stays in the local
    PostgreSQL, so the pages show it whenever the services run (`make up`)."""
    notifications = ServiceProcess("notifications", state_dir() / "services")
    form = example.sample.form
    # An applicant, a business owner or an asker: whoever opened the case.
    person = form.get("applicant") or form.get("owner") or form["asker"]
    born = person["date_of_birth"]
    print("\nThe applicant's status page and the public dashboard (served while `make up` runs)")
    print(f"  status page   {notifications.url}/status")
    print(f"                tracking code {example.tracking_code}, date of birth {born}")
    print(f"  dashboard     {notifications.url}/transparency  (also .json and .csv)")
    empowerment = ServiceProcess("empowerment", state_dir() / "services")
    print(f"  catalogue     {empowerment.url}/catalogue.html  (also /catalogue as JSON)")
    print(f"  shortlist     {empowerment.url}/awards/shortlist  (the award, explained)")


def sink_counts(url: str) -> dict[str, int]:
    """What the SMTP server and the SMS gateway sink have received, read from them."""
    counts: dict[str, int] = httpx.get(f"{url}/received", timeout=10.0).json()["counts"]
    return counts


def settled_sink_counts(url: str, within: float = 10.0) -> dict[str, int]:
    """The sinks' counts once the last notices have gone out (unchanged for a second)."""
    deadline = time.monotonic() + within
    counts = sink_counts(url)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        latest = sink_counts(url)
        if latest == counts:
            break
        counts = latest
    return counts


def main(
    count: int = 30, timeout: float = 180.0, seed: int | None = None, journeys: int = 10
) -> int:
    # A new batch of applicants each run: the same worker claiming the same refund twice
    # is (rightly) refused, so a fixed seed would show only refusals from the second run on.
    seed = random.randrange(1_000_000) if seed is None else seed
    services_home = state_dir() / "services"
    already = [
        name
        for name in PROCESSES
        if running_pid(ServiceProcess(name, services_home).pid_file) is not None
    ]
    if already:
        print(
            f"The demo runs the services on its own accelerated clock, but these already run: "
            f"{', '.join(already)}. Stop them first with `make down`."
        )
        return 2
    stack = local_stack()
    print("Starting Kafka and PostgreSQL (already running parts are reused)")
    stack_started = stack.up()
    print(f"  kafka {stack.kafka.bootstrap}   postgres {stack.postgres.host}:{stack.postgres.port}")
    epoch = datetime.now(UTC)
    demo_clock = ScaledClock(epoch, DEMO_SPEEDUP)
    clock.install(demo_clock)
    # Every process reads the same clock, and notices deadlines quickly.
    os.environ.update(
        {
            "SENTRA_CLOCK_SPEEDUP": str(DEMO_SPEEDUP),
            "SENTRA_CLOCK_EPOCH": epoch.isoformat(),
            **{f"SENTRA_{s.upper()}_DEADLINE_POLL_INTERVAL_S": "0.2" for s in PROCESSES},
        }
    )
    services_started: list[str] = []
    result = DemoResult(submitted=0, completed=0)
    try:
        print(f"Starting the services (clock {DEMO_SPEEDUP:,}x: a working day in ~2 s)")
        services_started = start_services(stack, services_home)
        loaded = load_sample_licences(stack)
        print(f"Recruiter licence registry: {loaded}")
        print(f"Sample seed {seed} (repeat this batch with --seed {seed})")
        samples = sample_cases(count, demo_clock.now().date(), sample_licences(), seed)
        cases = empowerment_cases(journeys, demo_clock.now().date(), seed) if journeys else []
        sinks = ServiceProcess("sinks", services_home)
        before = sink_counts(sinks.url)
        result = run_batch(samples, timeout, cases)
        print_summary(result)
        after = settled_sink_counts(sinks.url)
        print(
            f"\nWhat the applicants received (counted by the sinks, {sinks.url}/received): "
            f"sinks: emails={after['emails'] - before['emails']} sms={after['sms'] - before['sms']}"
        )
    finally:
        stopped = stop_services(services_home, services_started)
        stack.down(stack_started)
        if stopped or stack_started:
            print(f"\nStopped what the demo started: {', '.join(stopped + stack_started)}")
    print(f"submitted={result.submitted} completed={result.completed} lost={result.lost}")
    return 0 if result.lost == 0 and result.submitted > 0 else 1
