"""Prometheus metrics of one service process, served as text at `/metrics`.

Each `ServiceRuntime` owns a `ServiceMetrics` with a registry of its own (not the
process-wide default): tests run several services in one process, and each must show its
own figures. Counters and histograms are fed by the plumbing as work is done, always after
the transaction that did it committed; gauges that describe the database (outbox backlog,
deadlines due) or the broker (consumer lag) are read at scrape time (`refresh`).

Every label value comes from a closed set: service names, topic names from topics.toml,
event class names from the catalogue, the domain's decision codes, deadline steps and
notification channels (`closed_label_values`). No label ever carries an application id,
a tracking code or anything an applicant typed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from opentelemetry.instrumentation.utils import suppress_instrumentation
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from sentra_shared import audit, clock
from sentra_shared.dead_letters import ORIGINAL_TOPIC, DeadLetter
from sentra_shared.events import CATALOGUE, DeadlineStep, EmpowermentStep, Event
from sentra_shared.topics import DLQ_SUFFIX, declared_topics

log = logging.getLogger(__name__)

SERVICES = ("documents", "credit", "insurance", "notifications", "empowerment")
# The deadline steps each service may owe answers for (its deadline events' step type).
STEPS: dict[str, tuple[str, ...]] = {
    **{service: tuple(DeadlineStep) for service in ("documents", "credit", "insurance")},
    "notifications": (),
    "empowerment": tuple(EmpowermentStep),
}
CHANNELS = ("sms", "email")
STAGES = ("overdue", "escalated")
UNKNOWN = "unknown"  # a decision code this version does not know (an older row)
# The scrape-time queries must answer quickly: a scrape that hangs shows nothing at all.
QUERY_TIMEOUT_S = 2.0

# Handlers run in milliseconds; a journey's hops include agencies, so the end-to-end
# buckets reach minutes.
HANDLER_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
END_TO_END_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)

LagSource = Callable[[], Awaitable[Mapping[str, int]]]
Batch = Mapping[TopicPartition, Sequence[ConsumerRecord[bytes, bytes]]]


@dataclass(frozen=True)
class Handled:
    """One event a consumer applied (or found already applied), for the latency figures."""

    topic: str
    event_type: str
    seconds: float  # the handler's run time
    occurred_at: datetime  # the event's creation time, from its envelope
    handled_at: datetime  # by the process clock

    @classmethod
    def since(cls, started: float, topic: str, event: Event) -> Handled:
        """Handled now; the handler started at `started` (`time.perf_counter()`)."""
        seconds = time.perf_counter() - started
        return cls(topic, type(event).__name__, seconds, event.occurred_at, clock.now())


async def consumer_lag(
    consumer: AIOKafkaConsumer | None, topics: Iterable[str], in_hand: Batch
) -> dict[str, int]:
    """Records not yet applied on the partitions this process owns, per topic: the
    highwater of the last fetch minus the position, plus the batch in hand (fetched, not
    committed yet). Not the group's committed offsets: after a rebalance those may be
    another member's, and asking the coordinator per partition at every scrape costs more.
    A partition not fetched from yet counts nothing until its first fetch."""
    lag = dict.fromkeys(topics, 0)
    if consumer is None:
        return lag
    for partition in consumer.assignment():
        end = consumer.highwater(partition)
        if end is None:
            continue
        position = await consumer.position(partition)
        lag[partition.topic] += max(end - position, 0) + len(in_hand.get(partition, ()))
    return lag


def decision_labels(code: str) -> tuple[str, str]:
    """(kind, outcome) of a decision code: `credit.approved` -> (`credit`, `approved`)."""
    if code not in {d.value for d in audit.Decision}:
        return UNKNOWN, UNKNOWN
    kind, _, outcome = code.partition(".")
    return kind, outcome


def closed_label_values() -> dict[str, frozenset[str]]:
    """Every value each label may take; anything else would be a leak or a bug."""
    topics = {spec.name for spec in declared_topics()}
    decisions = [decision_labels(d.value) for d in audit.Decision] + [(UNKNOWN, UNKNOWN)]
    return {
        "service": frozenset(SERVICES),
        "topic": frozenset(topics | {t + DLQ_SUFFIX for t in topics}),
        "event_type": frozenset(cls.__name__ for cls in CATALOGUE),
        "kind": frozenset(kind for kind, _ in decisions),
        "outcome": frozenset(outcome for _, outcome in decisions),
        "step": frozenset(step for steps in STEPS.values() for step in steps),
        "stage": frozenset(STAGES),
        "channel": frozenset(CHANNELS),
    }


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self._steps = STEPS.get(service, ())
        self.registry = CollectorRegistry()
        r = self.registry
        self._consumed = Counter(
            "sentra_consumer_records",
            "Records fetched and committed by this process's consumer, per topic.",
            ["service", "topic"],
            registry=r,
        )
        self._lag = Gauge(
            "sentra_consumer_lag_records",
            "Records not yet applied on the partitions this process owns (highwater minus "
            "position, plus the batch in hand), per topic; read at scrape time.",
            ["service", "topic"],
            registry=r,
        )
        self._dead = Counter(
            "sentra_dead_letters",
            "Records written to the dead-letter topic, per source topic.",
            ["service", "topic"],
            registry=r,
        )
        self._handler = Histogram(
            "sentra_handler_duration_seconds",
            "Run time of one event's handler (inbox check included), per topic and event type.",
            ["service", "topic", "event_type"],
            buckets=HANDLER_BUCKETS,
            registry=r,
        )
        self._end_to_end = Histogram(
            "sentra_end_to_end_latency_seconds",
            "From the event's creation (its envelope's time) to its handling here, per topic.",
            ["service", "topic"],
            buckets=END_TO_END_BUCKETS,
            registry=r,
        )
        self._outbox_depth = Gauge(
            "sentra_outbox_unpublished_rows",
            "Outbox rows not yet published; read at scrape time.",
            ["service"],
            registry=r,
        )
        self._outbox_age = Gauge(
            "sentra_outbox_oldest_unpublished_age_seconds",
            "Age of the oldest unpublished outbox row (0 when none); read at scrape time.",
            ["service"],
            registry=r,
        )
        self._decisions = Counter(
            "sentra_decisions",
            "Decisions in the service's audit log, by kind and outcome (chained rows).",
            ["service", "kind", "outcome"],
            registry=r,
        )
        self._overdue = Gauge(
            "sentra_deadlines_overdue",
            "Deadline stages due by the process clock and not fired yet, per step; read at "
            "scrape time.",
            ["service", "step"],
            registry=r,
        )
        self._fired = Counter(
            "sentra_deadlines_fired",
            "Deadline stages fired by this process's scheduler, per step and stage.",
            ["service", "step", "stage"],
            registry=r,
        )
        self._sent = Counter(
            "sentra_notifications_sent",
            "Notices delivered to the applicant's gateway, per channel.",
            ["service", "channel"],
            registry=r,
        )
        self._failed = Counter(
            "sentra_notifications_failed",
            "Notices given up on (permanent failure or attempts used up), per channel.",
            ["service", "channel"],
            registry=r,
        )
        self._queries_ok = Gauge(
            "sentra_metrics_queries_ok",
            "1 when the scrape-time queries answered within their timeout, else 0 (the "
            "database gauges then keep their last values).",
            ["service"],
            registry=r,
        )
        self._audit_position = 0  # the last audit-log position counted in `_decisions`

    # --- fed by the plumbing, after the work committed -------------------------------------

    def committed(
        self, batch: Batch, handled: Iterable[Handled], dead: Iterable[DeadLetter]
    ) -> None:
        """A consumer batch committed: its records, its handlers' times, its dead letters."""
        for partition, records in batch.items():
            self._consumed.labels(self.service, partition.topic).inc(len(records))
        for letter in dead:
            self._dead.labels(self.service, letter.headers[ORIGINAL_TOPIC]).inc()
        real_seconds = clock.current().real_seconds
        for h in handled:
            self._handler.labels(self.service, h.topic, h.event_type).observe(h.seconds)
            # Clock differences between processes can make it slightly negative.
            waited = max(real_seconds(h.handled_at - h.occurred_at), 0.0)
            self._end_to_end.labels(self.service, h.topic).observe(waited)

    def deadline_fired(self, step: str, stage: str) -> None:
        self._fired.labels(self.service, step, stage).inc()

    def notification_sent(self, channel: str) -> None:
        self._sent.labels(self.service, channel).inc()

    def notification_failed(self, channel: str) -> None:
        self._failed.labels(self.service, channel).inc()

    # --- read at scrape time ---------------------------------------------------------------

    async def refresh(self, pool: asyncpg.Pool | None, lag: LagSource | None) -> None:
        """Read the gauges that describe the database and the broker, each bounded."""
        if lag is not None:
            try:
                async with asyncio.timeout(QUERY_TIMEOUT_S):
                    for topic, records in (await lag()).items():
                        self._lag.labels(self.service, topic).set(records)
            except Exception as error:
                log.warning("%s: consumer lag not read (%r)", self.service, error)
        if pool is None:
            return
        try:
            # Scrapes come every few seconds: their queries are not part of any trace.
            with suppress_instrumentation():
                async with asyncio.timeout(QUERY_TIMEOUT_S), pool.acquire() as conn:
                    await self._read_database(conn)
            self._queries_ok.labels(self.service).set(1)
        except Exception as error:
            log.warning("%s: metrics queries failed (%r)", self.service, error)
            self._queries_ok.labels(self.service).set(0)

    async def _read_database(self, conn: asyncpg.Connection) -> None:
        now = clock.now()
        depth, oldest = await conn.fetchrow(
            # The envelope's time is the process clock's at writing (`created_at` is the
            # database's, which the demo's faster clock does not share).
            """SELECT count(*), min((headers->>'ce_time')::timestamptz)
               FROM outbox WHERE published_at IS NULL"""
        )
        self._outbox_depth.labels(self.service).set(depth)
        age = 0.0 if oldest is None else max(clock.current().real_seconds(now - oldest), 0.0)
        self._outbox_age.labels(self.service).set(age)

        rows = await conn.fetch(
            "SELECT step, count(*) AS n FROM deadlines WHERE next_fire_at <= $1 GROUP BY step",
            now,
        )
        due = {row["step"]: row["n"] for row in rows}
        for step in self._steps:
            self._overdue.labels(self.service, step).set(due.get(step, 0))

        counts, self._audit_position = await audit.decisions_after(conn, self._audit_position)
        for code, count in counts.items():
            self._decisions.labels(self.service, *decision_labels(code)).inc(count)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
