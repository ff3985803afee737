"""The metrics a service exports: closed label sets, and the scrape-time figures read from
real PostgreSQL (outbox backlog and age, deadlines due, decisions) on a manual clock."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
import yaml
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import CollectorRegistry, Counter
from sentra_local.stack import Stack
from sentra_shared import audit, clock
from sentra_shared.clock import ManualClock
from sentra_shared.database import create_pool, migrate
from sentra_shared.deadlines import announce_missed, open_deadline
from sentra_shared.events import DOCUMENTS_DEADLINES
from sentra_shared.metrics import ServiceMetrics, closed_label_values, decision_labels
from sentra_shared.scheduler import DeadlineScheduler

METRICS_DB = "sentra_metrics_test"
TRACER = TracerProvider().get_tracer("test")


def foreign_labels(registry: CollectorRegistry) -> list[str]:
    """Every label value of every sample that is outside its label's closed set."""
    allowed = closed_label_values()
    found = []
    for family in registry.collect():
        for sample in family.samples:
            for label, value in sample.labels.items():
                if label == "le":  # a histogram bucket's bound: a number we chose
                    float(value)
                    continue
                if value not in allowed.get(label, frozenset()):
                    found.append(f"{sample.name}{{{label}={value!r}}}")
    return found


def test_every_decision_code_has_closed_labels() -> None:
    allowed = closed_label_values()
    for decision in audit.Decision:
        kind, outcome = decision_labels(decision.value)
        assert f"{kind}.{outcome}" == decision.value
        assert kind in allowed["kind"] and outcome in allowed["outcome"]
    assert decision_labels("credit.something_else") == ("unknown", "unknown")
    assert decision_labels("3314015403960007") == ("unknown", "unknown")


def test_the_label_walk_finds_a_value_outside_the_closed_sets() -> None:
    metrics = ServiceMetrics("credit")
    metrics.notification_sent("sms")
    metrics.deadline_fired("bank_check", "overdue")
    assert foreign_labels(metrics.registry) == []
    leaky = Counter("sentra_leaky", "a label with an id", ["topic"], registry=metrics.registry)
    application_id = str(uuid.uuid4())
    leaky.labels(application_id).inc()
    leaks = foreign_labels(metrics.registry)
    assert f"sentra_leaky_total{{topic={application_id!r}}}" in leaks
    assert all(application_id in leak for leak in leaks)


@pytest.fixture
async def pool(local_stack: Stack, tmp_path: Path) -> AsyncIterator[asyncpg.Pool]:
    await local_stack.postgres.recreate_databases([METRICS_DB])
    pool = await create_pool(local_stack.postgres.dsn(METRICS_DB))
    await migrate(pool, tmp_path)  # the shared plumbing only
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
def manual_clock() -> Iterator[ManualClock]:
    with clock.installed(ManualClock()) as installed:
        yield installed  # type: ignore[misc]


def value(metrics: ServiceMetrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, {"service": metrics.service, **labels})


async def open_agency_check(pool: asyncpg.Pool, due_in: timedelta) -> None:
    at = clock.now()
    async with pool.acquire() as conn, conn.transaction():
        assert await open_deadline(
            conn,
            DOCUMENTS_DEADLINES,
            application_id=uuid.uuid4(),
            step="agency_check",
            request_id=uuid.uuid4(),
            party="polri",
            supervisor="Polda Jawa Tengah",
            requested_at=at,
            due_at=at + due_in,
            escalate_at=at + due_in + timedelta(days=1),
        )


async def test_outbox_backlog_and_its_age_by_the_process_clock(
    pool: asyncpg.Pool, manual_clock: ManualClock
) -> None:
    metrics = ServiceMetrics("documents")
    await metrics.refresh(pool, None)
    assert value(metrics, "sentra_outbox_unpublished_rows") == 0
    assert value(metrics, "sentra_outbox_oldest_unpublished_age_seconds") == 0
    assert value(metrics, "sentra_metrics_queries_ok") == 1

    await open_agency_check(pool, timedelta(days=1))  # writes AnswerRequested to the outbox
    manual_clock.advance(timedelta(minutes=2))
    await open_agency_check(pool, timedelta(days=1))
    await metrics.refresh(pool, None)
    assert value(metrics, "sentra_outbox_unpublished_rows") == 2
    age = value(metrics, "sentra_outbox_oldest_unpublished_age_seconds")
    assert age is not None and 120 <= age < 130  # the older row's, not the newer one's

    await pool.execute("UPDATE outbox SET published_at = now()")
    await metrics.refresh(pool, None)
    assert value(metrics, "sentra_outbox_unpublished_rows") == 0
    assert value(metrics, "sentra_outbox_oldest_unpublished_age_seconds") == 0


async def test_deadlines_overdue_until_the_scheduler_fires_them(
    pool: asyncpg.Pool, manual_clock: ManualClock
) -> None:
    metrics = ServiceMetrics("documents")
    await open_agency_check(pool, timedelta(hours=1))
    await open_agency_check(pool, timedelta(hours=3))
    await metrics.refresh(pool, None)
    assert value(metrics, "sentra_deadlines_overdue", step="agency_check") == 0
    assert value(metrics, "sentra_deadlines_overdue", step="bank_check") == 0

    manual_clock.advance(timedelta(hours=2))  # the first is due, its overdue not fired yet
    await metrics.refresh(pool, None)
    assert value(metrics, "sentra_deadlines_overdue", step="agency_check") == 1

    scheduler = DeadlineScheduler(
        lambda: pool, announce_missed(DOCUMENTS_DEADLINES), TRACER, metrics=metrics
    )
    assert await scheduler.fire_due() == 1
    await metrics.refresh(pool, None)
    assert value(metrics, "sentra_deadlines_overdue", step="agency_check") == 0
    fired = {"step": "agency_check"}
    assert value(metrics, "sentra_deadlines_fired_total", **fired, stage="overdue") == 1
    assert value(metrics, "sentra_deadlines_fired_total", **fired, stage="escalated") is None

    # Long past every threshold (the service was down): each stage still fires once.
    manual_clock.advance(timedelta(days=2))
    await metrics.refresh(pool, None)
    assert value(metrics, "sentra_deadlines_overdue", step="agency_check") == 2
    assert await scheduler.fire_due() == 2
    assert value(metrics, "sentra_deadlines_fired_total", **fired, stage="overdue") == 2
    assert value(metrics, "sentra_deadlines_fired_total", **fired, stage="escalated") == 2
    await metrics.refresh(pool, None)
    assert value(metrics, "sentra_deadlines_overdue", step="agency_check") == 0
    assert foreign_labels(metrics.registry) == []


async def decide(pool: asyncpg.Pool, decision: audit.Decision, *, commit: bool = True) -> None:
    class RolledBack(Exception):
        pass

    try:
        async with pool.acquire() as conn, conn.transaction():
            await audit.record(
                conn,
                application_id=uuid.uuid4(),
                decision=decision,
                rules_version="test:1",
                actor=audit.system("credit"),
            )
            if not commit:
                raise RolledBack
    except RolledBack:
        pass


async def test_decisions_are_counted_once_each_once_chained(pool: asyncpg.Pool) -> None:
    metrics = ServiceMetrics("credit")
    for decision in (audit.Decision.CREDIT_APPROVED,) * 3 + (audit.Decision.CREDIT_REJECTED,):
        await decide(pool, decision)
    await decide(pool, audit.Decision.CREDIT_REFERRED, commit=False)  # never happened
    await metrics.refresh(pool, None)
    # Not chained yet: not counted yet (the chainer links committed rows within a second).
    assert value(metrics, "sentra_decisions_total", kind="credit", outcome="approved") is None

    async with pool.acquire() as conn:
        assert await audit.chain(conn) == 4
    await metrics.refresh(pool, None)
    await metrics.refresh(pool, None)  # a second scrape counts nothing twice
    approved = {"kind": "credit", "outcome": "approved"}
    assert value(metrics, "sentra_decisions_total", **approved) == 3
    assert value(metrics, "sentra_decisions_total", kind="credit", outcome="rejected") == 1
    assert value(metrics, "sentra_decisions_total", kind="credit", outcome="referred") is None

    await decide(pool, audit.Decision.CREDIT_APPROVED)
    async with pool.acquire() as conn:
        assert await audit.chain(conn) == 1
    await metrics.refresh(pool, None)
    assert value(metrics, "sentra_decisions_total", **approved) == 4
    # A process started later counts the whole log from its first scrape.
    restarted = ServiceMetrics("credit")
    await restarted.refresh(pool, None)
    assert value(restarted, "sentra_decisions_total", **approved) == 4
    assert foreign_labels(metrics.registry) == []


async def test_a_database_that_does_not_answer_marks_the_queries_failed() -> None:
    metrics = ServiceMetrics("credit")

    class Gone:
        def acquire(self) -> object:
            raise OSError("connection refused")

    await metrics.refresh(Gone(), None)  # type: ignore[arg-type]
    assert value(metrics, "sentra_metrics_queries_ok") == 0


# --- the alert rules and the dashboard name only what the services export ------------------

OBSERVABILITY = Path(__file__).parents[2] / "deploy/kubernetes/base/observability"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def exported() -> dict[str, str]:
    """Every series name a service exports -> the family it belongs to."""
    names = {}
    for family in ServiceMetrics("documents").registry.collect():
        for suffix in SUFFIXES[family.type]:
            names[family.name + suffix] = family.name
    return names


def metrics_in(expr: str) -> set[str]:
    return set(re.findall(r"\bsentra_[a-z0-9_]+", expr))


def test_every_alert_rule_is_complete_and_names_exported_metrics() -> None:
    groups = yaml.safe_load((OBSERVABILITY / "alerts.yml").read_text())["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    names = exported()
    watched = set()
    for rule in rules:
        assert re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        used = metrics_in(rule["expr"])
        assert used and used <= names.keys(), (rule["alert"], used - names.keys())
        watched |= {names[n] for n in used}
    assert len({rule["alert"] for rule in rules}) == len(rules)
    # What the issue asks to be alerted on: lag, outbox age, dead letters, overdue deadlines.
    assert {
        "sentra_consumer_lag_records",
        "sentra_outbox_oldest_unpublished_age_seconds",
        "sentra_dead_letters",
        "sentra_deadlines_overdue",
    } <= watched


def test_the_dashboard_has_a_panel_per_metric_family() -> None:
    dashboard = json.loads((OBSERVABILITY / "sentra-dashboard.json").read_text())
    names = exported()
    shown = set()
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            used = metrics_in(target["expr"])
            assert used and used <= names.keys(), (panel["title"], used - names.keys())
            shown |= {names[n] for n in used}
    assert shown == set(names.values())
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
