"""The public dashboard after a demo-sized run: 30 sample applications through the real
services (documents, credit, insurance, notifications and the built-in agencies, over
real Kafka and PostgreSQL), then the page in a real Chromium, its figures checked against
figures computed here, independently, from the events recorded on the streams.

The samples are the paths that finish on real time without an officer. Their applicants
are moved to two sending regencies (Sragen and Cilacap), so that some cells are large
enough to publish and others small enough to be suppressed.
"""

from __future__ import annotations

import contextlib
import math
import statistics
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from playwright.async_api import Browser
from sentra_agencies.app import AgenciesSettings
from sentra_agencies.app import create_app as create_agencies
from sentra_credit.app import create_app as create_credit
from sentra_credit.config import CreditSettings
from sentra_documents.app import create_app as create_documents
from sentra_documents.config import DocumentsSettings
from sentra_documents.licences import SAMPLE_FILE, load_licences
from sentra_insurance.app import create_app as create_insurance
from sentra_insurance.config import InsuranceSettings
from sentra_local.browser import screenshots_dir
from sentra_local.fleet import submit
from sentra_local.licences import sample_licences
from sentra_local.outcomes import finished
from sentra_local.samples import sample_applications
from sentra_local.stack import SERVICES, Stack, database_name
from sentra_local.testing import EventRecorder, group_of, serving, start_at_the_end, wait_until
from sentra_notifications.app import create_app as create_notifications
from sentra_notifications.config import NotificationsSettings
from sentra_shared.calendar import WIB, indonesian_calendar
from sentra_shared.events import (
    CREDIT_TOPIC,
    DOCUMENTS_TOPIC,
    INSURANCE_TOPIC,
    AnswerClosed,
    AnswerRequested,
    ApplicationFlagged,
    ApplicationKind,
    ApplicationReviewed,
    ApplicationSubmitted,
    ClaimOutcome,
    CreditOutcome,
    CreditScreened,
    DocumentsRejected,
    DocumentsVerified,
    DormantClaimReferred,
    Event,
    LoanDecided,
    LoanOutcome,
    RefundClaimAssessed,
    RefundPaid,
    ReviewDecision,
)

COUNT = 30
REGENCIES = ("3314", "3314", "3301")  # two of every three to Sragen, one to Cilacap
GROUPS = ("documents", "credit", "insurance", "notifications", "agencies")
CALENDAR = indonesian_calendar()


@dataclass
class Run:
    notifications: str
    ids: list[str]
    events: list[Event]  # every event of these applications, each once


def forms(today: date) -> list[dict[str, Any]]:
    samples = sample_applications(COUNT, today, sample_licences(today))
    for i, form in enumerate(samples):
        nik = form["applicant"]["nik"]
        form["applicant"]["nik"] = REGENCIES[i % len(REGENCIES)] + nik[4:]
    assert len({f["applicant"]["nik"] for f in samples}) == COUNT  # no accidental sharing
    return samples


@pytest.fixture(scope="module")
async def run(local_stack: Stack) -> AsyncIterator[Run]:
    began = time.monotonic()
    kafka = local_stack.kafka.admin
    await local_stack.postgres.recreate_databases(
        [database_name(s, local_stack.database_suffix) for s in SERVICES]
    )
    suffix = uuid.uuid4().hex[:8]
    group = {name: group_of(name, f"dashboard-{suffix}") for name in GROUPS}
    for name in GROUPS:
        await start_at_the_end(kafka, group[name])
    common: dict[str, Any] = {"http_port": 0}
    login = local_stack.kafka_settings
    db = local_stack.database_url
    apps = {
        "documents": create_documents(
            DocumentsSettings(
                database_url=db("documents"),
                consumer_group=group["documents"],
                **login("documents"),
                **common,
            )
        ),
        "credit": create_credit(
            CreditSettings(
                database_url=db("credit"),
                consumer_group=group["credit"],
                **login("credit"),
                **common,
            )
        ),
        "insurance": create_insurance(
            InsuranceSettings(
                database_url=db("insurance"),
                consumer_group=group["insurance"],
                **login("insurance"),
                **common,
            )
        ),
        "notifications": create_notifications(
            NotificationsSettings(
                database_url=db("notifications"),
                consumer_group=group["notifications"],
                **login("notifications"),
                **common,
            )
        ),
        "agencies": create_agencies(
            AgenciesSettings(**login("responders"), http_port=0, group_id=group["agencies"])
        ),
    }
    async with AsyncExitStack() as running:
        urls = {name: await running.enter_async_context(serving(app)) for name, app in apps.items()}
        conn = await asyncpg.connect(db("documents"))
        try:
            await load_licences(conn, SAMPLE_FILE)
        finally:
            await conn.close()
        recorder = await running.enter_async_context(
            EventRecorder(kafka, DOCUMENTS_TOPIC, CREDIT_TOPIC, INSURANCE_TOPIC)
        )
        ids = await submit(urls["documents"], forms(datetime.now(WIB).date()))

        async def all_final() -> bool:  # on the applicants' timelines
            return await finished(local_stack, ids) == len(ids)

        await wait_until(all_final, within=150, interval=1.0)
        # The run is over once the last event is on the streams; wait for it to be read.
        await wait_until(lambda: ids_final_in(recorder.events, set(ids)), within=30)
        wanted, seen = set(ids), set()
        events = []
        for event in recorder.events:
            if str(event.application_id) in wanted and event.event_id not in seen:
                seen.add(event.event_id)
                events.append(event)
        print(f"\n{COUNT} applications through the services in {time.monotonic() - began:.0f}s")
        yield Run(urls["notifications"], ids, events)


FINAL = (DocumentsRejected, LoanDecided, RefundPaid, DormantClaimReferred)


def outcome_of(event: Event) -> str | None:
    """The final outcome, written from the program's rules rather than from the code."""
    if isinstance(event, DocumentsRejected):
        return "rejected"
    if isinstance(event, DocumentsVerified) and event.kind is ApplicationKind.PLACEMENT:
        return "approved"
    if isinstance(event, CreditScreened) and event.outcome is CreditOutcome.REJECTED:
        return "rejected"
    if isinstance(event, LoanDecided):
        return "approved" if event.outcome is LoanOutcome.DISBURSED else "rejected"
    if isinstance(event, RefundClaimAssessed) and event.outcome is not ClaimOutcome.ACCEPTED:
        return "rejected" if event.outcome is ClaimOutcome.REJECTED else "referred"
    if isinstance(event, RefundPaid):
        return "approved"
    if isinstance(event, DormantClaimReferred):
        return "referred"
    return None


def ids_final_in(events: list[Event], ids: set[str]) -> bool:
    return {str(e.application_id) for e in events if outcome_of(e)} >= ids


# --- figures computed here, from the recorded events ------------------------------------


def shown(n: float, digits: int = 1) -> str:
    """A number as the Indonesian page writes it."""
    return str(int(n)) if float(n).is_integer() else f"{n:.{digits}f}".replace(".", ",")


def count_text(n: int) -> str:
    return "<5" if 0 < n < 5 else str(n)


def working_days(start: datetime, end: datetime) -> int:
    first, last = start.astimezone(WIB).date(), end.astimezone(WIB).date()
    return sum(
        CALENDAR.is_working_day(first + timedelta(days=d))
        for d in range(1, (last - first).days + 1)
    )


OUTCOMES = {
    "placement": ("approved", "rejected", "in_progress"),
    "kur_loan": ("approved", "rejected", "in_progress"),
    "insurance_refund": ("approved", "referred", "rejected", "in_progress"),
}


def expected_regencies(events: list[Event]) -> dict[str, dict[str, str]]:
    submitted = {e.application_id: e for e in events if isinstance(e, ApplicationSubmitted)}
    decided: dict[uuid.UUID, tuple[str, datetime]] = {}
    for e in sorted(events, key=lambda e: e.occurred_at):
        if (outcome := outcome_of(e)) and e.application_id not in decided:
            decided[e.application_id] = (outcome, e.occurred_at)
    cells: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    days: dict[str, list[int]] = defaultdict(list)
    for app, sub in submitted.items():
        outcome, at = decided.get(app, ("in_progress", sub.occurred_at))
        cells[sub.regency_code][sub.kind.value, outcome] += 1
        cells["all"][sub.kind.value, outcome] += 1
        if app in decided:
            for where in (sub.regency_code, "all"):
                days[where].append(working_days(sub.occurred_at, at))
    rows: dict[str, dict[str, str]] = {}
    for code in ("3314", "3301", "all"):
        row: dict[str, str] = {}
        every: list[int] = []
        for kind, outcomes in OUTCOMES.items():
            counts = [cells[code][kind, o] for o in outcomes]
            for outcome, n in zip(outcomes, counts, strict=True):
                row[f"{kind}/{outcome}"] = count_text(n)
            # A total is shown only where none of its parts is suppressed.
            row[f"{kind}/all"] = "\u2013" if any(0 < n < 5 for n in counts) else str(sum(counts))
            every += counts
        if code == "all":  # a column total: none of the regencies' cells suppressed either
            for key in list(row):
                if any(rows[r][key] in ("<5", "\u2013") for r in ("3314", "3301")):
                    row[key] = "\u2013"
        row["total"] = (
            "\u2013" if "<5" in row.values() or "\u2013" in row.values() else str(sum(every))
        )
        row["median_working_days"] = (
            shown(round(statistics.median(days[code]), 1)) if len(days[code]) >= 5 else "<5"
        )
        rows[code] = row
    return rows


def expected_parties(events: list[Event]) -> dict[str, dict[str, str]]:
    waits: dict[uuid.UUID, AnswerRequested] = {}
    for e in events:
        if isinstance(e, AnswerClosed) or (
            isinstance(e, AnswerRequested) and e.request_id not in waits
        ):
            waits[e.request_id] = e
    parties: dict[str, dict[str, str]] = {}
    for party in sorted({w.party for w in waits.values()}):
        answered = [
            w
            for w in waits.values()
            if w.party == party and isinstance(w, AnswerClosed) and w.answered_at is not None
        ]
        hours = sorted((w.answered_at - w.requested_at).total_seconds() / 3600 for w in answered)  # type: ignore[operator]
        enough = len(answered) >= 5
        on_time = sum(bool(w.on_time) for w in answered)
        parties[party] = {
            "answered": count_text(len(answered)),
            "on_time_share": f"{round(round(on_time / len(answered), 3) * 100)}%"
            if enough
            else "<5",
            "median_hours": shown(round(statistics.median(hours), 1)) if enough else "<5",
            "p90_hours": shown(round(hours[math.ceil(0.9 * len(hours)) - 1], 1))
            if enough
            else "<5",
        }
    return parties


def expected_flags(events: list[Event]) -> dict[str, str]:
    raised = {e.application_id for e in events if isinstance(e, ApplicationFlagged)}
    confirmed = {
        e.application_id
        for e in events
        if isinstance(e, ApplicationReviewed) and e.decision is ReviewDecision.CONFIRMED
    }
    return {"flags_raised": count_text(len(raised)), "flags_confirmed": count_text(len(confirmed))}


# --- what the page shows ------------------------------------------------------------------

READ_PAGE = """() => {
  const text = (el) => el.textContent.trim();
  const regencies = {}, parties = {}, flags = {}, order = [];
  for (const tr of document.querySelectorAll("tr[data-regency]")) {
    const row = {};
    for (const td of tr.querySelectorAll("td[data-kind]"))
      row[td.dataset.kind + "/" + td.dataset.outcome] = text(td);
    for (const td of tr.querySelectorAll("td[data-metric]")) row[td.dataset.metric] = text(td);
    regencies[tr.dataset.regency] = row;
    order.push(tr.dataset.regency);
  }
  for (const tr of document.querySelectorAll("tr[data-party]")) {
    const row = {};
    for (const td of tr.querySelectorAll("td[data-metric]")) row[td.dataset.metric] = text(td);
    parties[tr.dataset.party] = row;
  }
  for (const el of document.querySelectorAll(".flags [data-metric]"))
    flags[el.dataset.metric] = text(el);
  return {regencies, parties, flags, order};
}"""


@pytest.mark.timeout(300)
async def test_the_dashboard_shows_the_runs_figures_with_small_numbers_suppressed(
    run: Run, browser: Browser
) -> None:
    regencies = expected_regencies(run.events)
    parties = expected_parties(run.events)
    flags = expected_flags(run.events)
    tab = await browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    tab.on("request", lambda request: requests.append(request.url))
    page: dict[str, Any] = {}
    weight = 0

    async def shows_the_run() -> bool:
        # The read model catches up with the streams; reload until it has (bounded).
        nonlocal page, weight
        requests.clear()
        response = await tab.goto(f"{run.notifications}/transparency")
        assert response is not None and response.ok
        weight = len(await response.body())
        page = await tab.evaluate(READ_PAGE)
        return (
            all(page["regencies"].get(code) == regencies[code] for code in regencies)
            and all(
                {k: v for k, v in page["parties"].get(party, {}).items() if k in figures} == figures
                for party, figures in parties.items()
            )
            and page["flags"] == flags
        )

    with contextlib.suppress(AssertionError):  # the assertions below say what differs
        await wait_until(shows_the_run, within=60, interval=0.5)
    shot = screenshots_dir() / "dashboard.png"
    await tab.screenshot(path=str(shot), full_page=False)
    await tab.screenshot(path=str(screenshots_dir() / "dashboard-full.png"), full_page=True)
    fetched = list(requests)
    await tab.goto(f"{run.notifications}/transparency?lang=en")
    english = await tab.inner_text("h1")
    await tab.close()
    print(f"dashboard page weight: {weight} bytes in {len(fetched)} request(s); {shot}")

    # Everything the page needs is in the one response: no script, font or CDN.
    assert fetched == [f"{run.notifications}/transparency"]
    assert weight < 60_000
    assert english == "One-Roof PMI Service Transparency"
    for code in ("3314", "3301", "all"):
        assert page["regencies"][code] == regencies[code], code
    # The other seven sending regencies are listed (JavaScript objects sort keys that
    # look like numbers, hence `order`), with nothing to show.
    listed = page["order"]
    assert listed == ["3314", "3301", "3302", "3307", "3329", "3327", "3324", "3318", "3315", "all"]
    assert page["regencies"]["3302"]["total"] == "0"
    for party, figures in parties.items():
        assert {k: v for k, v in page["parties"][party].items() if k in figures} == figures, party
        # Every wait of a finished run is closed: nothing overdue now.
        assert page["parties"][party]["overdue_now"] == "0"
    assert page["flags"] == flags
    # The run shows both sides of suppression: numbers published, and numbers withheld.
    cells = [v for row in page["regencies"].values() for v in row.values()]
    assert "<5" in cells and any(v.isdigit() and int(v) >= 5 for v in cells)
    assert shot.read_bytes().startswith(b"\x89PNG")
