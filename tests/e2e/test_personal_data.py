"""Canary values: personal data goes only where the contract carries it for the party
that needs it, and into no log and no span.

A placement, a KUR loan and an EPS refund run to their end through all four services and
the built-in agencies, each with distinctive values (NIK, name, phone, email, passport
number and name, payee name, account numbers) that nothing else can contain by chance.
Then every log record (at DEBUG, stricter than production's INFO), every span and every
record of every declared topic (and its dead-letter topic) with one of these applications'
keys is searched. A canary may appear on a topic only if an event of that topic has, in
its published JSON Schema (shared/contracts/schemas/), a field of that canary's kind that
is not deprecated. Sentra exports no metrics yet, so there is no metric label to search.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
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
from sentra_local.samples import nik_for, sample_cases
from sentra_local.sinks import Sinks
from sentra_local.stack import SERVICES, Stack, database_name
from sentra_local.testing import serving, wait_until
from sentra_notifications.app import create_app as create_notifications
from sentra_notifications.config import NotificationsSettings
from sentra_shared.contract import SCHEMAS_DIR
from sentra_shared.envelope import UndecodableEvent, decode, decode_headers
from sentra_shared.events import NOTIFICATIONS_TOPIC, ApplicantNotified
from sentra_shared.topics import DLQ_SUFFIX, declared_topics

# Each kind of personal data, and the contract fields that hold it.
FIELDS_OF_KIND: dict[str, frozenset[str]] = {
    "nik": frozenset({"nik"}),
    "name": frozenset({"full_name"}),
    "phone": frozenset({"phone"}),
    "email": frozenset({"email"}),
    "passport_number": frozenset({"passport_number"}),
    "passport_name": frozenset({"passport_name"}),
    "payee_name": frozenset({"payee_account_name"}),
    "account": frozenset({"bank_account", "payee_account", "payee_account_number"}),
}


@dataclass(frozen=True)
class Canary:
    kind: str
    value: str  # as submitted

    def forms(self) -> set[str]:
        """What to look for (lower case): the value, and its digits and letters alone
        (a number may be stored or printed without its separators)."""
        bare = "".join(ch for ch in self.value if ch.isalnum())
        forms = {self.value.lower()}
        if self.kind in ("nik", "phone", "account", "passport_number"):
            forms.add(bare.lower())
        if self.kind == "phone":
            forms.add(bare.removeprefix("62"))  # the national number, without +62 or 0
        return forms


def _born(form: dict[str, Any]) -> date:
    return date.fromisoformat(form["applicant"]["date_of_birth"])


def _with_canaries(
    form: dict[str, Any], serial: int, name: str, extra: dict[str, str]
) -> list[Canary]:
    """Replace the sample applicant's personal data with canaries (in place); `extra`
    names the canaries the form's own section already holds."""
    applicant = form["applicant"]
    applicant["nik"] = nik_for(applicant["nik"][:4], _born(form), applicant["sex"], serial)
    applicant["full_name"] = name
    applicant["phone"] = f"+628129999{serial}"
    applicant["email"] = f"{name.split()[0].lower()}.{serial}@canary.example.id"
    applicant["channels"] = ["sms", "email"]
    canaries = [
        Canary("nik", applicant["nik"]),
        Canary("name", name),
        Canary("phone", applicant["phone"]),
        Canary("email", applicant["email"]),
    ]
    return canaries + [Canary(kind, value) for kind, value in extra.items()]


def journeys() -> list[tuple[str, dict[str, Any], list[Canary], str]]:
    """(kind, form, canaries, the status it must end in) for one journey of each kind."""
    today = date.today()
    licences = sample_licences(today)
    paths = [SamplePath.PLACEMENT_ELIGIBLE, SamplePath.KUR_DISBURSED, SamplePath.REFUND_PAID]
    placement, kur, refund = (s.form for s in sample_cases(0, today, licences, 11, paths))

    placement["placement"]["passport_number"] = "CNRY7731Q"
    placement["placement"]["bank_account"] = "7731-0099-4412"
    placement_canaries = _with_canaries(
        placement,
        7731,
        "Canarya Wulandari",
        {"passport_number": "CNRY7731Q", "account": "7731-0099-4412"},
    )

    kur_canaries = _with_canaries(kur, 7732, "Canaryo Prasetyo", {})

    # The payee must be the passport holder: the same words, in the bank's order.
    refund["refund"].update(
        claim_type="return_cost",
        passport_name="CANARITA DEWI RAHMAWATI",
        payee_account_name="RAHMAWATI CANARITA DEWI",
        payee_account_number="110-7733-995501",
    )
    refund_canaries = _with_canaries(
        refund,
        7733,
        "Canarita Rahmawati",
        {
            "passport_name": "CANARITA DEWI RAHMAWATI",
            "payee_name": "RAHMAWATI CANARITA DEWI",
            "account": "110-7733-995501",
        },
    )
    return [
        ("placement", placement, placement_canaries, "documents_verified"),
        ("kur_loan", kur, kur_canaries, "loan_disbursed"),
        ("insurance_refund", refund, refund_canaries, "refund_paid"),
    ]


# --- where each field may travel: the published schemas ----------------------------------


def _fields(node: Any, root: dict[str, Any]) -> set[str]:
    """Every property name a schema can carry, through `$ref`s, skipping deprecated ones
    (a retired field is always absent: it carries nothing)."""
    if isinstance(node, list):
        return {name for item in node for name in _fields(item, root)}
    if not isinstance(node, dict):
        return set()
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return _fields(root["$defs"][ref.removeprefix("#/$defs/")], root)
    names: set[str] = set()
    for name, prop in node.get("properties", {}).items():
        if isinstance(prop, dict) and prop.get("deprecated"):
            continue
        names |= {name} | _fields(prop, root)
    for key in ("anyOf", "oneOf", "allOf", "items", "prefixItems", "additionalProperties"):
        names |= _fields(node.get(key), root)
    return names


def fields_by_topic() -> dict[str, set[str]]:
    """For each topic, the fields its events' published schemas carry; a dead-letter
    topic carries what its topic does."""
    carried: dict[str, set[str]] = {}
    for path in sorted(SCHEMAS_DIR.glob("*.json")):
        schema = json.loads(path.read_text())
        topic = schema["x-sentra"]["topic"]
        carried.setdefault(topic, set()).update(_fields(schema, schema))
    return {**carried, **{f"{t}{DLQ_SUFFIX}": f for t, f in carried.items()}}


def test_the_schema_walk_skips_deprecated_fields_and_follows_references() -> None:
    schema = {
        "properties": {
            "kept": {"anyOf": [{"$ref": "#/$defs/Inner"}, {"type": "null"}]},
            "retired": {"$ref": "#/$defs/Secret", "deprecated": True},
        },
        "$defs": {
            "Inner": {"properties": {"nik": {"type": "string"}}},
            "Secret": {"properties": {"payee_account_name": {"type": "string"}}},
        },
    }
    assert _fields(schema, schema) == {"kept", "nik"}


def test_the_refund_payee_travels_only_on_the_topic_insurance_reads() -> None:
    carried = fields_by_topic()
    payee = {t for t, f in carried.items() if "payee_account_name" in f}
    assert payee == {
        "sentra.documents.refund-payees.v1",
        "sentra.documents.refund-payees.v1.dlq",
        "sentra.agency.insurer.requests.v1",
        "sentra.agency.insurer.requests.v1.dlq",
    }
    assert "passport_name" not in carried["sentra.documents.events.v1"]


# --- the run --------------------------------------------------------------------------------

_RECORD_FIELDS = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
}


class _EverythingFormatter(logging.Formatter):
    """The message, its traceback, and every extra attribute a caller attached."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extras = {k: v for k, v in record.__dict__.items() if k not in _RECORD_FIELDS}
        return f"{text} {extras!r}" if extras else text


@contextlib.contextmanager
def logging_everything_to(path: Path) -> Iterator[None]:
    """Every logger at DEBUG into one file: the root and uvicorn's own (which do not
    propagate). Call after the servers started: uvicorn sets its levels when it starts."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(_EverythingFormatter("%(name)s %(levelname)s %(message)s"))
    loggers = [logging.getLogger(n) for n in ("", "uvicorn", "uvicorn.access")]
    loggers.append(logging.getLogger("uvicorn.error"))
    levels = [lg.level for lg in loggers]
    for logger in loggers[:3]:
        logger.addHandler(handler)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
        for logger in loggers[:3]:
            logger.removeHandler(handler)
        handler.close()


@dataclass
class Run:
    outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)  # kind -> timeline
    canaries: dict[str, list[Canary]] = field(default_factory=dict)  # application id -> ...
    log_text: str = ""
    spans: list[str] = field(default_factory=list)
    records: list[tuple[str, str, str]] = field(default_factory=list)  # topic, type, text
    metrics: dict[str, str] = field(default_factory=dict)  # service -> its /metrics text
    tracking_codes: list[str] = field(default_factory=list)


async def _final_timeline(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    timeline: dict[str, Any] = {}

    async def final() -> bool:
        nonlocal timeline
        response = await client.get(url)
        timeline = response.json() if response.status_code == 200 else {}
        return bool(timeline.get("final"))

    await wait_until(final, within=60)
    return timeline


class TopicReader:
    """Every record of every declared topic and its dead-letter topic, from the start,
    read as the broker's super user."""

    def __init__(self, login: dict[str, Any]) -> None:
        self._consumer = AIOKafkaConsumer(**login, group_id=None, enable_auto_commit=False)
        self.records: list[tuple[str, bytes | None, bytes, list[tuple[str, bytes]]]] = []
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        existing = await self._consumer.topics()
        specs = declared_topics()
        assert {spec.name for spec in specs} <= existing
        # A dead-letter topic has its topic's settings; it exists once a service started.
        partitions = [
            TopicPartition(name, p)
            for spec in specs
            for name in (spec.name, f"{spec.name}{DLQ_SUFFIX}")
            if name in existing
            for p in range(spec.partitions)
        ]
        self._consumer.assign(partitions)
        await self._consumer.seek_to_beginning(*partitions)
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for r in self._consumer:
            self.records.append((r.topic, r.key, r.value or b"", list(r.headers)))

    async def caught_up(self) -> bool:
        """Whether every partition is read to its current end."""
        assignment = self._consumer.assignment()
        ends = await self._consumer.end_offsets(list(assignment))
        positions = {tp: await self._consumer.position(tp) for tp in assignment}
        return all(positions[tp] >= end for tp, end in ends.items())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.stop()


def span_text(span: ReadableSpan) -> str:
    """Everything a span exports that a person could read: its name, status, attributes,
    events, links and resource (some attribute values are bytes: `repr` shows them)."""
    parts: list[object] = [span.name, span.status.description, dict(span.attributes or {})]
    parts += [(e.name, dict(e.attributes or {})) for e in span.events]
    parts += [dict(link.attributes or {}) for link in span.links]
    parts.append(dict(span.resource.attributes))
    return repr(parts)


def _final_notice_published(reader: TopicReader, application_id: str) -> bool:
    for topic, key, value, headers in reader.records:
        if topic != NOTIFICATIONS_TOPIC or key != application_id.encode():
            continue
        try:
            event = decode(decode_headers(headers), value)
        except UndecodableEvent:
            continue
        if isinstance(event, ApplicantNotified) and event.final:
            return True
    return False


# As the exposition writes it (labels in name order).
VERIFIED_SERIES = 'sentra_decisions_total{kind="documents",outcome="verified",service="documents"}'


@pytest.fixture(scope="module")
async def run(local_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Run]:
    await local_stack.postgres.recreate_databases(
        [database_name(s, local_stack.database_suffix) for s in SERVICES]
    )
    log_file = tmp_path_factory.mktemp("personal-data") / "services.log"
    spans = InMemorySpanExporter()
    sinks = Sinks(smtp_port=free_port(), http_port=free_port())

    def common(service: str) -> dict[str, Any]:
        return {
            "database_url": local_stack.database_url(service),
            "consumer_group": f"sentra-{service}.personal-data",
            **local_stack.kafka_settings(service),
            "http_port": 0,
        }

    delivery: dict[str, Any] = {"smtp_host": sinks.host, "smtp_port": sinks.smtp_port,
                                "sms_url": sinks.url, "sms_key": sinks.sms_key,
                                "delivery_poll_interval_s": 0.2}  # fmt: skip
    apps = {
        "documents": create_documents(DocumentsSettings(**common("documents")), spans),
        "credit": create_credit(CreditSettings(**common("credit")), spans),
        "insurance": create_insurance(InsuranceSettings(**common("insurance")), spans),
        "notifications": create_notifications(
            NotificationsSettings(**common("notifications"), **delivery), spans
        ),
        # Every agency, the bank and the insurer included: their sandbox rules pass
        # these applicants (no sandbox serial, no sandbox word in the passport name).
        "agencies": create_agencies(
            AgenciesSettings(
                **local_stack.kafka_settings("responders"),
                http_port=0,
                group_id="sentra-builtin-agencies.personal-data",
            )
        ),
    }
    result = Run()
    reader = TopicReader(local_stack.kafka.admin.aiokafka())
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(sinks)
        urls = {name: await stack.enter_async_context(serving(app)) for name, app in apps.items()}
        conn = await asyncpg.connect(local_stack.database_url("documents"))
        try:
            await load_licences(conn, SAMPLE_FILE)
        finally:
            await conn.close()
        stack.enter_context(logging_everything_to(log_file))
        await reader.start()
        stack.push_async_callback(reader.stop)

        async with httpx.AsyncClient(timeout=10) as client:
            submitted: dict[str, str] = {}
            for kind, form, canaries, _ in journeys():
                response = await client.post(f"{urls['documents']}/applications", json=form)
                assert response.status_code == 202, response.text
                submitted[kind] = response.json()["application_id"]
                result.tracking_codes.append(response.json()["tracking_code"])
                result.canaries[submitted[kind]] = canaries
            for kind, application_id in submitted.items():
                result.outcomes[kind] = await _final_timeline(
                    client, f"{urls['notifications']}/applications/{application_id}/timeline"
                )

        def every_final_notice_published() -> bool:
            return all(_final_notice_published(reader, a) for a in submitted.values())

        await wait_until(every_final_notice_published, within=30)
        await wait_until(reader.caught_up, within=30)
        async with httpx.AsyncClient(timeout=10) as client:

            async def scraped_with_every_decision() -> bool:
                for name in ("documents", "credit", "insurance", "notifications"):
                    scraped = await client.get(f"{urls[name]}/metrics")
                    assert scraped.status_code == 200, scraped.text
                    result.metrics[name] = scraped.text
                # Decisions count once chained (within a second of their commit).
                return VERIFIED_SERIES in result.metrics["documents"]

            await wait_until(scraped_with_every_decision, within=15)

    keys = {a.encode() for a in result.canaries}
    for topic, key, value, headers in reader.records:
        if key not in keys:
            continue  # the session broker is shared: other tests' applications
        header_text = " ".join(f"{k}={v.decode(errors='replace')}" for k, v in headers)
        ce_type = dict(headers).get("ce_type", b"?").decode(errors="replace")
        result.records.append((topic, ce_type, f"{value.decode(errors='replace')} {header_text}"))
    result.spans = [span_text(s) for s in spans.get_finished_spans()]
    result.log_text = log_file.read_text(encoding="utf-8")
    yield result


def _all_canaries(run: Run) -> list[Canary]:
    return [c for canaries in run.canaries.values() for c in canaries]


def _found(text: str, canary: Canary) -> bool:
    lowered = text.lower()
    return any(form in lowered for form in canary.forms())


# --- the assertions --------------------------------------------------------------------------


def test_every_journey_reaches_its_end(run: Run) -> None:
    statuses = {kind: timeline["status"] for kind, timeline in run.outcomes.items()}
    assert statuses == {
        "placement": "documents_verified",
        "kur_loan": "loan_disbursed",
        "insurance_refund": "refund_paid",
    }
    refund = [e["status"] for e in run.outcomes["insurance_refund"]["entries"]]
    assert refund == ["submitted", "documents_verified", "claim_accepted", "refund_paid"]


# Loggers of the stand-ins the test runs for outside parties, which receive personal data
# by design: aiosmtpd is the mail server the test's sinks run in place of the provider's,
# and it logs the addresses it is given.
OUTSIDE_PARTIES_LOGGERS = ("mail.log",)


def _ours(line: str) -> bool:
    return not line.startswith(tuple(f"{name} " for name in OUTSIDE_PARTIES_LOGGERS))


def test_no_canary_in_any_log_record(run: Run) -> None:
    # The services did log (the broker clients at DEBUG, at least): the file is not empty.
    assert len(run.log_text.splitlines()) > 100
    leaks = sorted(
        {
            f"{c.kind}: {line[:160]}"
            for c in _all_canaries(run)
            for line in run.log_text.splitlines()
            if _ours(line) and _found(line, c)
        }
    )
    assert not leaks, "personal data in the log:\n" + "\n".join(leaks)


def test_no_canary_in_any_span(run: Run) -> None:
    # Every service's spans: names, attributes, events, links and resource.
    assert len(run.spans) > 50
    leaks = sorted(
        {f"{c.kind}: {s[:160]}" for c in _all_canaries(run) for s in run.spans if _found(s, c)}
    )
    assert not leaks, "personal data in a span:\n" + "\n".join(leaks)


def test_canaries_travel_only_on_topics_whose_schema_carries_them(run: Run) -> None:
    carried = fields_by_topic()
    seen: dict[str, set[str]] = {}
    leaks: list[tuple[str, str, str]] = []
    for topic, ce_type, text in run.records:
        for canary in _all_canaries(run):
            if not _found(text, canary):
                continue
            seen.setdefault(canary.kind, set()).add(topic)
            # Another canary of the same value (the refund's names) may be what is there.
            kinds = {c.kind for c in _all_canaries(run) if c.value.lower() == canary.value.lower()}
            allowed = frozenset().union(*(FIELDS_OF_KIND[k] for k in kinds))
            if not allowed & carried.get(topic, set()):
                leaks.append((topic, ce_type, canary.kind))
    assert not leaks, "personal data on a topic whose schema does not carry it:\n" + "\n".join(
        f"{kind} on {topic} ({ce_type})" for topic, ce_type, kind in sorted(set(leaks))
    )
    # The search sees what must be there: the identity to Dukcapil, the loan's borrower to
    # the bank, the refund's payee to insurance and to the insurer, and nothing else.
    assert {"sentra.agency.dukcapil.requests.v1", "sentra.agency.bank.requests.v1"} <= seen["nik"]
    assert seen["payee_name"] == {
        "sentra.documents.refund-payees.v1",
        "sentra.agency.insurer.requests.v1",
    }
    assert "sentra.documents.refund-payees.v1" in seen["account"]
    # Held in documents for its red-flag checks only: no event carries it.
    assert "passport_number" not in seen


def test_no_canary_and_no_application_id_in_the_metrics(run: Run) -> None:
    # The services did count this run's work (the scrape is not empty of it).
    for name, text in run.metrics.items():
        assert "sentra_consumer_records_total{" in text, name
    assert f"{VERIFIED_SERIES} 3.0" in run.metrics["documents"]
    identifiers = [*run.canaries, *run.tracking_codes]
    assert len(identifiers) == 6
    leaks = sorted(
        {f"{name}: {i}" for name, text in run.metrics.items() for i in identifiers if i in text}
        | {
            f"{name}: {c.kind}"
            for name, text in run.metrics.items()
            for c in _all_canaries(run)
            if _found(text, c)
        }
    )
    assert not leaks, "personal data or an identifier in the metrics:\n" + "\n".join(leaks)
