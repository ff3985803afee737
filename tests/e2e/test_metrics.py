"""Each service's `/metrics` after real work: four applications along four paths and one
poison record, over the real broker and database, scraped over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from sentra_agencies.app import AgenciesSettings
from sentra_agencies.app import create_app as create_agencies
from sentra_credit.app import create_app as create_credit
from sentra_credit.config import CreditSettings
from sentra_documents.app import create_app as create_documents
from sentra_documents.config import DocumentsSettings
from sentra_documents.licences import SAMPLE_FILE, load_licences
from sentra_insurance.app import create_app as create_insurance
from sentra_insurance.config import InsuranceSettings
from sentra_local.licences import sample_licences
from sentra_local.processes import free_port
from sentra_local.samples import Path as SamplePath
from sentra_local.samples import sample_cases
from sentra_local.sinks import Sinks
from sentra_local.stack import SERVICES, Stack, database_name
from sentra_local.testing import serving, start_at_the_end, wait_until
from sentra_notifications.app import create_app as create_notifications
from sentra_notifications.config import NotificationsSettings
from sentra_shared.events import AGENCY_EVENTS, Agency, results_topic
from sentra_shared.metrics import closed_label_values

# The path of each application and the status its timeline must end in.
PATHS = {
    SamplePath.PLACEMENT_ELIGIBLE: "documents_verified",
    SamplePath.KUR_DISBURSED: "loan_disbursed",
    SamplePath.KUR_SLIK_REJECTED: "credit_rejected",
    SamplePath.REFUND_PAID: "refund_paid",
}
# Four files verified, two loans screened (one rejected), one paid out, one refund
# accepted and paid.
EXPECTED_DECISIONS = 9
POISONED = results_topic(Agency.DUKCAPIL)  # read by documents alone

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def get(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """Summed over every series of `name` that has `labels` (and any others)."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


@dataclass
class Run:
    urls: dict[str, str]
    registries: dict[str, CollectorRegistry]
    statuses: dict[SamplePath, str] = field(default_factory=dict)
    identifiers: set[str] = field(default_factory=set)  # application ids, tracking codes
    scraped: dict[str, Samples] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    texted: int = 0  # applicants who chose SMS (alone or with email)


async def scrape(client: httpx.AsyncClient, url: str) -> str:
    response = await client.get(f"{url}/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


@pytest.fixture(scope="module")
async def run(local_stack: Stack) -> AsyncIterator[Run]:
    await local_stack.postgres.recreate_databases(
        [database_name(s, local_stack.database_suffix) for s in SERVICES]
    )
    sinks = Sinks(smtp_port=free_port(), http_port=free_port())
    # Only this module's records: the session's other tests share the topics, and their
    # events would be counted too (and decided again on these fresh databases).
    for group in (*(f"sentra-{s}.metrics" for s in SERVICES), "sentra-builtin-agencies.metrics"):
        await start_at_the_end(local_stack.kafka.admin, group)

    def common(service: str) -> dict[str, Any]:
        return {
            "database_url": local_stack.database_url(service),
            "consumer_group": f"sentra-{service}.metrics",
            **local_stack.kafka_settings(service),
            "http_port": 0,
        }

    delivery: dict[str, Any] = {"smtp_host": sinks.host, "smtp_port": sinks.smtp_port,
                                "sms_url": sinks.url, "sms_key": sinks.sms_key,
                                "delivery_poll_interval_s": 0.2}  # fmt: skip
    apps: dict[str, FastAPI] = {
        "documents": create_documents(DocumentsSettings(**common("documents"))),
        "credit": create_credit(CreditSettings(**common("credit"))),
        "insurance": create_insurance(InsuranceSettings(**common("insurance"))),
        "notifications": create_notifications(
            NotificationsSettings(**common("notifications"), **delivery)
        ),
    }
    responders = create_agencies(
        AgenciesSettings(
            **local_stack.kafka_settings("responders"),
            http_port=0,
            group_id="sentra-builtin-agencies.metrics",
        )
    )
    today = date.today()
    cases = sample_cases(0, today, sample_licences(today), 12, list(PATHS))
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(sinks)
        urls = {name: await stack.enter_async_context(serving(app)) for name, app in apps.items()}
        await stack.enter_async_context(serving(responders))
        result = Run(urls, {n: app.state.runtime.metrics.registry for n, app in apps.items()})
        result.texted = sum("sms" in case.form["applicant"]["channels"] for case in cases)
        conn = await asyncpg.connect(local_stack.database_url("documents"))
        try:
            await load_licences(conn, SAMPLE_FILE)
        finally:
            await conn.close()

        # A record no one can read, on a topic documents consumes: one dead letter.
        producer = AIOKafkaProducer(**local_stack.kafka.admin.aiokafka())
        await producer.start()
        try:
            await producer.send_and_wait(POISONED, b"not an event", key=uuid.uuid4().bytes)
        finally:
            await producer.stop()

        async with httpx.AsyncClient(timeout=10) as client:
            submitted: dict[SamplePath, str] = {}
            for case in cases:
                response = await client.post(f"{urls['documents']}/applications", json=case.form)
                assert response.status_code == 202, response.text
                answer = response.json()
                submitted[case.path] = answer["application_id"]
                result.identifiers |= {answer["application_id"], answer["tracking_code"]}
            for path, application_id in submitted.items():
                timeline_url = f"{urls['notifications']}/applications/{application_id}/timeline"

                async def final(url: str = timeline_url, path: SamplePath = path) -> bool:
                    timeline = (await client.get(url)).json()
                    result.statuses[path] = timeline.get("status", "")
                    return bool(timeline.get("final"))

                await wait_until(final, within=60)

            # Every effect settled: nothing left to consume or publish anywhere, every
            # final notice sent, every decision chained (within a second of its commit).
            async def settled() -> bool:
                for name, url in urls.items():
                    result.texts[name] = await scrape(client, url)
                    result.scraped[name] = parse(result.texts[name])
                figures = result.scraped
                quiet = all(
                    total(s, "sentra_consumer_lag_records") == 0
                    and get(s, "sentra_outbox_unpublished_rows", service=name) == 0
                    for name, s in figures.items()
                )
                # Wait for what the test then asserts: two SMS or more for each applicant
                # who chose SMS (an email may be recorded before the last SMS).
                notices = get(
                    figures["notifications"],
                    "sentra_notifications_sent_total",
                    service="notifications",
                    channel="sms",
                )
                decided = sum(total(s, "sentra_decisions_total") for s in figures.values())
                return quiet and notices >= 2 * result.texted and decided >= EXPECTED_DECISIONS

            await wait_until(settled, within=60)
        yield result


def test_every_application_reached_its_end(run: Run) -> None:
    assert run.statuses == PATHS


def test_work_done_shows_in_the_counters(run: Run) -> None:
    documents, credit = run.scraped["documents"], run.scraped["credit"]
    insurance, notifications = run.scraped["insurance"], run.scraped["notifications"]
    # Decisions by outcome: three files verified (the KUR loans and the refund need Dukcapil
    # and, for the placement, every agency), one loan disbursed, one rejected on SLIK, one
    # refund accepted and paid.
    decided = {
        (name, dict(labels)["kind"], dict(labels)["outcome"]): value
        for name, s in run.scraped.items()
        for (metric, labels), value in s.items()
        if metric == "sentra_decisions_total"
    }
    assert decided == {
        ("documents", "documents", "verified"): 4,
        ("credit", "credit", "approved"): 1,
        ("credit", "credit", "rejected"): 1,
        ("credit", "credit", "loan_disbursed"): 1,
        ("insurance", "insurance", "claim_accepted"): 1,
        ("insurance", "insurance", "payout_paid"): 1,
    }
    # Records consumed, per topic: documents read the answers of every agency it asks.
    for agency, (request, _) in AGENCY_EVENTS.items():
        if request.owner != "documents":
            continue
        topic = results_topic(agency)
        assert get(documents, "sentra_consumer_records_total", service="documents", topic=topic)
    assert total(credit, "sentra_consumer_records_total", topic=results_topic(Agency.BANK)) >= 3
    assert total(insurance, "sentra_consumer_records_total") >= 2
    assert total(notifications, "sentra_consumer_records_total") >= 10
    # Latency histograms counted what was handled.
    for name, s in run.scraped.items():
        handled = total(s, "sentra_handler_duration_seconds_count")
        assert handled > 0, name
        assert total(s, "sentra_end_to_end_latency_seconds_count") == handled, name
    assert (
        get(
            credit,
            "sentra_handler_duration_seconds_count",
            service="credit",
            topic="sentra.documents.events.v1",
            event_type="DocumentsVerified",
        )
        == 4
    )  # every verified file: credit's handler itself passes over what is no loan
    # Two notices or more by SMS for each applicant who chose SMS (most samples do).
    assert run.texted >= 1
    assert get(notifications, "sentra_notifications_sent_total", service="notifications",
               channel="sms") >= 2 * run.texted  # fmt: skip
    assert total(notifications, "sentra_notifications_failed_total") == 0


def test_the_poison_record_is_counted_as_a_dead_letter(run: Run) -> None:
    documents = run.scraped["documents"]
    assert get(documents, "sentra_dead_letters_total", service="documents", topic=POISONED) == 1
    for name in ("credit", "insurance", "notifications"):
        assert total(run.scraped[name], "sentra_dead_letters_total") == 0, name


def test_lag_and_outbox_return_to_zero(run: Run) -> None:
    for name, s in run.scraped.items():
        lag = {
            dict(ls)["topic"]: v for (n, ls), v in s.items() if n == "sentra_consumer_lag_records"
        }
        assert lag and set(lag.values()) == {0}, (name, lag)
        assert get(s, "sentra_outbox_unpublished_rows", service=name) == 0
        assert get(s, "sentra_outbox_oldest_unpublished_age_seconds", service=name) == 0
        assert get(s, "sentra_metrics_queries_ok", service=name) == 1
        # Nothing is waiting past its due time: every party answered.
        assert total(s, "sentra_deadlines_overdue") == 0
    assert total(run.scraped["documents"], "sentra_deadlines_fired_total") == 0


def test_every_label_value_is_from_a_closed_set(run: Run) -> None:
    allowed = closed_label_values()
    for name, registry in run.registries.items():
        for family in registry.collect():
            for sample in family.samples:
                for label, value in sample.labels.items():
                    if label == "le":
                        float(value)  # a bucket bound
                    else:
                        assert value in allowed[label], (name, sample.name, label, value)
    for name, text in run.texts.items():
        leaked = [i for i in run.identifiers if i in text]
        assert not leaked, (name, leaked)
