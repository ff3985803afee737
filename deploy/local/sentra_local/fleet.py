"""The four services as real processes on free ports, for fault tests and the benchmark,
plus the checks that prove a run kept its promises (nothing lost, nothing applied twice).

Only processes started here are signalled, by the pid recorded when they were started.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import time
from collections import Counter, deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sentra_shared.clock import Clock, ScaledClock, SystemClock
from sentra_shared.dead_letters import ATTEMPTS, ERROR_CLASS, ERROR_MESSAGE
from sentra_shared.events import Agency, results_topic
from sentra_shared.kafka_login import KafkaLogin
from sentra_shared.topics import DLQ_SUFFIX, declared_agencies, declared_topics

from sentra_local.licences import load_sample_licences
from sentra_local.processes import free_port, is_alive, running_pid, stop_pid
from sentra_local.services import PROCESSES, ServiceProcess
from sentra_local.sinks import DEVELOPMENT_SMS_KEY
from sentra_local.stack import SERVICES, Stack

# Which topics each service's consumer group reads.
CONSUMED_TOPICS = {
    "documents": ["sentra.documents.events.v1"],
    "credit": ["sentra.documents.events.v1", results_topic(Agency.BANK)],
    "insurance": ["sentra.documents.refund-payees.v1", results_topic(Agency.INSURER)],
    "notifications": [
        "sentra.credit.events.v1",
        "sentra.documents.events.v1",
        "sentra.insurance.events.v1",
        "sentra.oversight.escalations.v1",
    ],
}


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


async def fetch_rows(stack: Stack, service: str, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(stack.database_url(service))
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def finished(stack: Stack, ids: list[str]) -> int:
    """How many of these applications the notifications timeline shows as final."""
    rows = await fetch_rows(
        stack,
        "notifications",
        "SELECT count(DISTINCT application_id) AS n FROM timeline "
        "WHERE final AND application_id = ANY($1::uuid[])",
        ids,
    )
    return int(rows[0]["n"])


async def exactly_once_problems(
    stack: Stack, ids: list[str], applicant_facing: set[str]
) -> list[str]:
    """Every effect of these applications, counted: an empty list means exactly once.

    `applicant_facing`: the CloudEvents types notifications tells the applicant about;
    each must have exactly one timeline entry and one ApplicantNotified.
    """
    problems: list[str] = []
    emitted: Counter[str] = Counter()  # applicant-facing events each application caused
    wanted = set(ids)
    for service in ("documents", "credit", "insurance"):
        rows = await fetch_rows(
            stack,
            service,
            "SELECT convert_from(key, 'UTF8') AS app, headers->>'ce_type' AS type, "
            "convert_from(payload, 'UTF8') AS payload FROM outbox",
        )
        mine = [r for r in rows if r["app"] in wanted and r["type"] in applicant_facing]
        # One event per type, except a missed deadline: one per request that missed it.
        per_effect = Counter((r["app"], r["type"], _subject(r["payload"])) for r in mine)
        problems += [
            f"{service} emitted {t} {n}x for {a}" for (a, t, _), n in per_effect.items() if n > 1
        ]
        emitted.update(r["app"] for r in mine if _told(r["type"], r["payload"]))
    verified = await fetch_rows(
        stack,
        "documents",
        "SELECT application_id::text AS app, kind, status FROM applications "
        "WHERE application_id = ANY($1::uuid[])",
        ids,
    )
    if len(verified) != len(ids):
        problems.append(f"documents holds {len(verified)} of {len(ids)} applications")
    problems += [f"{r['app']} still {r['status']}" for r in verified if r["status"] == "submitted"]
    for service, table, kind in (
        ("credit", "screenings", "kur_loan"),
        ("insurance", "claims", "insurance_refund"),
    ):
        decided = {
            str(r["application_id"])
            for r in await fetch_rows(stack, service, f"SELECT application_id FROM {table}")
        }
        expected = {r["app"] for r in verified if r["kind"] == kind and r["status"] == "verified"}
        if expected - decided:
            problems.append(f"{service}: {len(expected - decided)} verified applications undecided")
    told = await _told_per_application(stack, ids)
    for app in ids:
        notices, counter, delivered = told.get(app, (0, 0, 0))
        if not emitted[app] == notices == counter + delivered:
            problems.append(
                f"{app}: {emitted[app]} events, {notices} timeline entries, told "
                f"{counter} at the counter and {delivered} by SMS or email"
            )
    problems += await _delivery_problems(stack, ids)
    return problems


async def _told_per_application(stack: Stack, ids: list[str]) -> dict[str, tuple[int, int, int]]:
    """Per application: timeline notices (not counting delivery failures), notices told at
    the counter only, and notices owed by SMS or email (one delivery row per channel)."""
    rows = await fetch_rows(
        stack,
        "notifications",
        """SELECT a.app,
                  (SELECT count(*) FROM timeline t WHERE t.application_id = a.app::uuid
                     AND t.event_type NOT LIKE '%.ApplicantNotificationFailed.%') AS notices,
                  (SELECT count(*) FROM outbox o WHERE convert_from(o.key, 'UTF8') = a.app
                     AND o.headers->>'ce_type' LIKE '%.ApplicantNotified.%'
                     AND convert_from(o.payload, 'UTF8')::jsonb->>'channel' = 'counter')
                    AS counter,
                  (SELECT count(DISTINCT d.event_id) FROM deliveries d
                     WHERE d.application_id = a.app::uuid) AS delivered
           FROM unnest($1::text[]) AS a(app)""",
        ids,
    )
    return {r["app"]: (int(r["notices"]), int(r["counter"]), int(r["delivered"])) for r in rows}


async def _delivery_problems(stack: Stack, ids: list[str]) -> list[str]:
    """Each sent message announced once (ApplicantNotified), each failed one once
    (ApplicantNotificationFailed), read in one snapshot (a result and its event commit
    together)."""
    conn = await asyncpg.connect(stack.database_url("notifications"))
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            deliveries = Counter(
                (str(r["application_id"]), r["channel"], r["status"])
                for r in await conn.fetch(
                    "SELECT application_id, channel, status FROM deliveries "
                    "WHERE application_id = ANY($1::uuid[])",
                    ids,
                )
            )
            announced: Counter[tuple[str, str, str]] = Counter()
            for r in await conn.fetch(
                """SELECT convert_from(key, 'UTF8') AS app, headers->>'ce_type' AS type,
                          convert_from(payload, 'UTF8')::jsonb->>'channel' AS channel
                   FROM outbox WHERE convert_from(key, 'UTF8') = ANY($1::text[])
                   AND (headers->>'ce_type' LIKE '%.ApplicantNotified.%'
                        OR headers->>'ce_type' LIKE '%.ApplicantNotificationFailed.%')""",
                ids,
            ):
                if r["channel"] != "counter":
                    status = "sent" if ".ApplicantNotified." in r["type"] else "failed"
                    announced[(r["app"], r["channel"], status)] += 1
    finally:
        await conn.close()
    return [
        f"{app}: {n} {channel} deliveries {status}, {announced[(app, channel, status)]} announced"
        for (app, channel, status), n in deliveries.items()
        if status != "pending" and n != announced[(app, channel, status)]
    ] + [
        f"{app}: {channel} announced {status} {n}x without such a delivery"
        for (app, channel, status), n in announced.items()
        if (app, channel, status) not in deliveries
    ]


def _subject(payload: str) -> str:
    """What a deadline event is about (its request); empty for other events."""
    return str(json.loads(payload).get("request_id", ""))


def _told(ce_type: str, payload: str) -> bool:
    """An officer's confirmation of a red flag is not told (the rejection is)."""
    return not (".ApplicationReviewed." in ce_type and '"decision":"confirmed"' in payload)


async def outbox_pending(stack: Stack) -> int:
    total = 0
    for service in SERVICES:
        rows = await fetch_rows(
            stack, service, "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL"
        )
        total += int(rows[0]["n"])
    return total


async def consumer_lag(kafka: KafkaLogin) -> dict[str, int]:
    """Per service group: end offsets minus committed offsets over every topic it reads
    (the known event topics plus any other topic the group has committed on)."""
    admin = AIOKafkaAdminClient(**kafka.aiokafka())
    reader = AIOKafkaConsumer(**kafka.aiokafka(), group_id=None)
    await admin.start()
    await reader.start()
    try:
        lag: dict[str, int] = {}
        for service, known in CONSUMED_TOPICS.items():
            committed = await admin.list_consumer_group_offsets(f"sentra-{service}")
            topics = set(known) | {tp.topic for tp in committed}
            partitions = [
                TopicPartition(topic, p)
                for topic in topics
                for p in await _partitions(admin, topic)
            ]
            ends = await reader.end_offsets(partitions)
            lag[service] = sum(
                ends[tp] - (committed[tp].offset if tp in committed else 0) for tp in partitions
            )
        return lag
    finally:
        await reader.stop()
        await admin.close()


async def _partitions(admin: AIOKafkaAdminClient, topic: str) -> list[int]:
    (described,) = await admin.describe_topics([topic])
    partitions = [int(p["partition"]) for p in described["partitions"]]
    if not partitions:
        raise AssertionError(f"topic {topic} has no partitions (does it exist?)")
    return partitions


async def wire_event_ids(kafka: KafkaLogin, topic: str) -> Counter[str]:
    """How often each event id (`ce_id`) is on `topic` now; > 1 means republished."""
    return Counter(
        dict(record.headers).get("ce_id", b"").decode()
        for record in await topic_records(kafka, topic)
    )


# --- for the chaos and infrastructure-restart tests ---------------------------------------

# The consumer group of the built-in agency responders (deploy/agencies).
AGENCIES_GROUP = "sentra-builtin-agencies"


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


async def application_ids(stack: Stack) -> set[str]:
    """Every application documents has stored."""
    rows = await fetch_rows(
        stack, "documents", "SELECT application_id::text AS app FROM applications"
    )
    return {r["app"] for r in rows}


async def not_final(stack: Stack, ids: list[str]) -> list[str]:
    """The applications among `ids` whose timeline is not final yet."""
    rows = await fetch_rows(
        stack,
        "notifications",
        "SELECT DISTINCT application_id::text AS app FROM timeline "
        "WHERE final AND application_id = ANY($1::uuid[])",
        ids,
    )
    done = {r["app"] for r in rows}
    return [app for app in ids if app not in done]


async def where_stopped(stack: Stack, ids: list[str]) -> dict[str, str]:
    """For each application, how far it got: documents' status and the agencies it still
    waits for, credit's or insurance's decision, and the statuses on its timeline."""
    apps = await fetch_rows(
        stack,
        "documents",
        "SELECT application_id::text AS app, kind, status FROM applications "
        "WHERE application_id = ANY($1::uuid[])",
        ids,
    )
    checks = await fetch_rows(
        stack,
        "documents",
        "SELECT application_id::text AS app, agency, outcome FROM agency_checks "
        "WHERE application_id = ANY($1::uuid[])",
        ids,
    )
    decided: dict[str, str] = {}
    for service, table in (("credit", "screenings"), ("insurance", "claims")):
        for r in await fetch_rows(
            stack,
            service,
            f"SELECT application_id::text AS app, outcome FROM {table} "
            "WHERE application_id = ANY($1::uuid[])",
            ids,
        ):
            decided[r["app"]] = f"{service}={r['outcome']}"
    timeline: dict[str, list[str]] = {}
    for r in await fetch_rows(
        stack,
        "notifications",
        "SELECT application_id::text AS app, status FROM timeline "
        "WHERE application_id = ANY($1::uuid[]) ORDER BY occurred_at, recorded_at",
        ids,
    ):
        timeline.setdefault(r["app"], []).append(r["status"])
    waiting: dict[str, list[str]] = {}
    asked: Counter[str] = Counter()
    for r in checks:
        asked[r["app"]] += 1
        if r["outcome"] is None:
            waiting.setdefault(r["app"], []).append(r["agency"])
    by_id = {r["app"]: r for r in apps}
    report: dict[str, str] = {}
    for app in ids:
        row = by_id.get(app)
        if row is None:
            report[app] = "unknown to documents"
            continue
        parts = [f"{row['kind']}: documents={row['status']}"]
        if asked[app]:
            pending = waiting.get(app, [])
            parts.append(
                f"agencies {asked[app] - len(pending)}/{asked[app]} answered"
                + (f" (waiting for {', '.join(sorted(pending))})" if pending else "")
            )
        if app in decided:
            parts.append(decided[app])
        parts.append(f"timeline={timeline.get(app, [])}")
        report[app] = ", ".join(parts)
    return report


async def group_lag(kafka: KafkaLogin, group: str, topics: list[str]) -> int:
    """End offsets minus `group`'s committed offsets over `topics`."""
    admin = AIOKafkaAdminClient(**kafka.aiokafka())
    reader = AIOKafkaConsumer(**kafka.aiokafka(), group_id=None)
    await admin.start()
    await reader.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        partitions = [
            TopicPartition(topic, p) for topic in topics for p in await _partitions(admin, topic)
        ]
        ends = await reader.end_offsets(partitions)
        return sum(ends[tp] - (committed[tp].offset if tp in committed else 0) for tp in partitions)
    finally:
        await reader.stop()
        await admin.close()


async def dead_letters(kafka: KafkaLogin) -> list[str]:
    """Every message on a dead-letter topic, as "topic: error class: reason (attempts)"."""
    dlq_topics = [spec.name for spec in declared_topics() if spec.name.endswith(DLQ_SUFFIX)]
    admin = AIOKafkaAdminClient(**kafka.aiokafka())
    await admin.start()
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in dlq_topics
            for p in await _partitions(admin, topic)
        ]
    finally:
        await admin.close()
    reader = AIOKafkaConsumer(**kafka.aiokafka(), group_id=None)
    await reader.start()
    try:
        reader.assign(partitions)
        starts = await reader.beginning_offsets(partitions)
        ends = await reader.end_offsets(partitions)
        held = [tp for tp in partitions if ends[tp] > starts[tp]]
        for tp in partitions:
            reader.seek(tp, starts[tp])
        found: list[str] = []
        while [tp for tp in held if await reader.position(tp) < ends[tp]]:
            for records in (await reader.getmany(*held, timeout_ms=500)).values():
                for record in records:
                    h = {k: (v or b"").decode(errors="replace") for k, v in record.headers}
                    found.append(
                        f"{record.topic}: {h.get(ERROR_CLASS)}: {h.get(ERROR_MESSAGE)} "
                        f"({h.get(ATTEMPTS)} attempts)"
                    )
        return found
    finally:
        await reader.stop()


async def topic_records(kafka: KafkaLogin, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record on `topic` now, partition by partition (no consumer group)."""
    admin = AIOKafkaAdminClient(**kafka.aiokafka())
    await admin.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await _partitions(admin, topic)]
    finally:
        await admin.close()
    reader = AIOKafkaConsumer(**kafka.aiokafka(), group_id=None)
    await reader.start()
    try:
        reader.assign(partitions)
        starts = await reader.beginning_offsets(partitions)
        ends = await reader.end_offsets(partitions)
        for tp in partitions:
            reader.seek(tp, starts[tp])
        found: list[ConsumerRecord[bytes, bytes]] = []
        while [tp for tp in partitions if await reader.position(tp) < ends[tp]]:
            for records in (await reader.getmany(timeout_ms=500)).values():
                found += records
        return found
    finally:
        await reader.stop()


async def all_lag(fleet: Fleet) -> dict[str, int]:
    """Consumer lag of the four services and of the built-in agency responders."""
    kafka = fleet.stack.kafka.admin
    lag = await consumer_lag(kafka)
    lag["agencies"] = await group_lag(
        kafka, AGENCIES_GROUP, [spec.requests_topic for spec in declared_agencies().values()]
    )
    return lag


async def wait_final_or_report(fleet: Fleet, ids: list[str], within: float, when: str) -> None:
    """Wait until every application is final; else fail saying where the first 20 stopped.

    `when` completes the message, e.g. "after the last restart (seed 7)".
    """
    deadline = time.monotonic() + within
    pending = ids
    while pending := await not_final(fleet.stack, pending):
        if time.monotonic() > deadline:
            report = await where_stopped(fleet.stack, pending[:20])
            lines = "\n".join(f"  {app}: {where}" for app, where in report.items())
            raise AssertionError(
                f"{len(pending)} of {len(ids)} applications not final {within:.0f}s {when}; "
                f"where they stopped (first 20):\n{lines}\nservice logs: {fleet.home}"
            )
        await asyncio.sleep(1.0)


async def wait_settled_or_report(fleet: Fleet, within: float, when: str) -> None:
    """Wait until every outbox is drained and every consumer group has caught up."""
    deadline = time.monotonic() + within
    while True:
        pending, lag = await outbox_pending(fleet.stack), await all_lag(fleet)
        if pending == 0 and not any(lag.values()):
            return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"not settled within {within:.0f}s {when}: {pending} outbox rows unpublished, "
                f"consumer lag {lag}"
            )
        await asyncio.sleep(0.5)
