"""The audit trail end to end: documents, credit and insurance record their decisions
(automatic ones, an officer's, the bank's and the insurer's as applied, an escalation) in
their own chains; `sentra-audit show` tells them in both languages; the heads go out
through the outbox once the interval has passed on the process clock."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path as FilePath
from typing import Any

import asyncpg
import httpx
import pytest
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
from sentra_local.samples import Path, sample_cases
from sentra_local.stack import Stack, database_name
from sentra_local.testing import EventRecorder, group_of, serving, start_at_the_end, wait_until
from sentra_local.tokens import OfficerKeys
from sentra_shared import audit, clock
from sentra_shared.audit_command import main as sentra_audit
from sentra_shared.clock import ManualClock
from sentra_shared.events import AUDIT_HEADS_TOPIC, AuditChainHead
from sentra_shared.kafka_login import KafkaLogin

DECIDING = ("documents", "credit", "insurance")
HEX_TRACE = re.compile(r"^[0-9a-f]{32}$")
OFFICER = "officer-ayu"
HEAD_INTERVAL = timedelta(hours=1)


@dataclass
class Centre:
    documents: str
    databases: dict[str, str]
    keys: OfficerKeys
    clock: ManualClock
    spans: InMemorySpanExporter
    heads: EventRecorder
    witness: KafkaLogin  # how the witness (KPK) reads the heads

    def officer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys.issue(OFFICER, ['officer'], ttl_s=900)}"}

    async def rows(self, service: str, application_id: str) -> list[audit.AuditRow]:
        conn = await asyncpg.connect(self.databases[service])
        try:
            return await audit.read_application(conn, uuid.UUID(application_id))
        finally:
            await conn.close()

    async def decisions(
        self, service: str, application_id: str, until: str, within: float = 30
    ) -> list[audit.AuditRow]:
        """The application's rows in `service` once `until` is among them."""
        found: list[audit.AuditRow] = []

        async def recorded() -> bool:
            nonlocal found
            found = await self.rows(service, application_id)
            return until in [r.decision for r in found]

        await wait_until(recorded, within=within)
        return found


@pytest.fixture(scope="module")
async def centre(
    local_stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Centre]:
    await local_stack.postgres.recreate_databases(
        [database_name(s, local_stack.database_suffix) for s in DECIDING]
    )
    admin = local_stack.kafka.admin
    keys = OfficerKeys(FilePath(tmp_path_factory.mktemp("identity-provider")))
    spans = InMemorySpanExporter()
    groups = {name: group_of(name, "audit-trail") for name in (*DECIDING, "agencies")}
    for group in groups.values():
        await start_at_the_end(admin, group)  # only this module's applications
    common: dict[str, Any] = {
        "http_port": 0,
        "deadline_poll_interval_s": 0.2,
        "outbox_poll_interval_s": 0.2,
        # Far beyond the real time this module takes: heads go out only when it moves it.
        "audit_head_interval_s": HEAD_INTERVAL.total_seconds(),
    }
    databases = {s: local_stack.database_url(s) for s in DECIDING}
    with clock.installed(ManualClock()) as manual:
        assert isinstance(manual, ManualClock)
        apps = [
            create_documents(
                DocumentsSettings(
                    database_url=databases["documents"],
                    consumer_group=groups["documents"],
                    officer_jwks_file=keys.ensure(),
                    **local_stack.kafka_settings("documents"),
                    **common,
                ),
                span_exporter=spans,
            ),
            create_credit(
                CreditSettings(
                    database_url=databases["credit"],
                    consumer_group=groups["credit"],
                    **local_stack.kafka_settings("credit"),
                    **common,
                ),
                span_exporter=spans,
            ),
            create_insurance(
                InsuranceSettings(
                    database_url=databases["insurance"],
                    consumer_group=groups["insurance"],
                    **local_stack.kafka_settings("insurance"),
                    **common,
                ),
                span_exporter=spans,
            ),
            # Every agency by the sandbox conventions the sample paths are written for.
            create_agencies(
                AgenciesSettings(
                    **local_stack.kafka_settings("responders"),
                    http_port=0,
                    group_id=groups["agencies"],
                )
            ),
        ]
        async with AsyncExitStack() as running:
            urls = [await running.enter_async_context(serving(app)) for app in apps]
            conn = await asyncpg.connect(databases["documents"])
            try:
                await load_licences(conn, SAMPLE_FILE)
            finally:
                await conn.close()
            heads = await running.enter_async_context(EventRecorder(admin, AUDIT_HEADS_TOPIC))
            witness = local_stack.kafka.login("witness")
            yield Centre(urls[0], databases, keys, manual, spans, heads, witness)


_seeds = iter(range(500, 10_000))


async def submit(centre: Centre, path: Path) -> str:
    today = clock.now().date()
    (sample,) = sample_cases(0, today, sample_licences(today), next(_seeds), [path])
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{centre.documents}/applications", json=sample.form)
    assert response.status_code == 202, response.text
    return str(response.json()["application_id"])


def assert_traced(centre: Centre, rows: list[audit.AuditRow]) -> None:
    traces = {format(s.context.trace_id, "032x") for s in centre.spans.get_finished_spans()}
    for row in rows:
        assert row.trace_id is not None and HEX_TRACE.match(row.trace_id), row
        assert row.trace_id in traces, row  # a trace the viewer has


async def test_a_kur_loan_leaves_documents_and_credit_decisions(centre: Centre) -> None:
    app = await submit(centre, Path.KUR_DISBURSED)
    credit = await centre.decisions("credit", app, "credit.loan_disbursed")
    # Each service chains its decisions within a second of their commit.
    documents = await centre.decisions("documents", app, "documents.verified")
    assert [(r.decision, r.actor) for r in documents] == [
        ("documents.verified", "system:documents")
    ]
    assert [(r.decision, r.actor, r.reasons) for r in credit] == [
        ("credit.approved", "system:credit", ()),
        ("credit.loan_disbursed", "system:credit", ()),
    ]
    assert documents[0].rules_version.startswith("placement:")
    assert {r.rules_version for r in credit} == {credit[0].rules_version}
    assert credit[0].rules_version.startswith("kur:")
    assert_traced(centre, documents + credit)
    # One application, one trace: its decisions in both services are found together.
    assert {r.trace_id for r in documents + credit} == {documents[0].trace_id}


async def test_a_refund_claim_leaves_the_assessment_and_the_payment(centre: Centre) -> None:
    app = await submit(centre, Path.REFUND_PAID)
    rows = await centre.decisions("insurance", app, "insurance.payout_paid")
    assert [(r.decision, r.actor) for r in rows] == [
        ("insurance.claim_accepted", "system:insurance"),
        ("insurance.payout_paid", "system:insurance"),
    ]
    assert rows[0].rules_version.startswith("eps:")
    assert_traced(centre, rows)


async def test_an_officers_confirmation_is_recorded_and_shown_in_both_languages(
    centre: Centre, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = await submit(centre, Path.PLACEMENT_UNDER_AGE_CONFIRMED)
    flagged = await centre.decisions("documents", app, "documents.flagged")
    assert flagged[0].actor == "system:documents"
    assert "FLAG_UNDER_AGE" in [r.code for r in flagged[0].reasons_as()]

    async with httpx.AsyncClient(timeout=10) as client:
        cases = await client.get(f"{centre.documents}/reviews", headers=centre.officer())
        case = next(c for c in cases.json() if c["application_id"] == app)
        because = (
            "Enam belas tahun; paspor ditahan sponsor. Sixteen; the sponsor kept her passport."
        )
        response = await client.post(
            f"{centre.documents}/reviews/{case['case_id']}/confirm",
            json={"reason": because},
            headers=centre.officer(),
        )
    assert response.status_code == 200, response.text
    rows = await centre.decisions("documents", app, "documents.rejected")
    assert [(r.decision, r.actor) for r in rows] == [
        ("documents.flagged", "system:documents"),
        ("documents.review_confirmed", f"officer:{OFFICER}"),
        ("documents.rejected", f"officer:{OFFICER}"),
    ]
    confirmed = rows[1].reasons_as()
    assert confirmed[0].code == "OFFICER_CONFIRMED" and because in confirmed[0].text.en
    assert "FLAG_UNDER_AGE" in [r.code for r in confirmed[1:]]
    assert [r.code for r in rows[2].reasons_as()] == ["REVIEW_CONFIRMED_RED_FLAGS"]
    assert_traced(centre, rows)

    for service, url in centre.databases.items():
        monkeypatch.setenv(f"SENTRA_{service.upper()}_DATABASE_URL", url)
    for name, value in centre.witness.environment().items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    assert await asyncio.to_thread(sentra_audit, ["show", app]) == 0
    shown = capsys.readouterr().out
    assert f"application {app}: 3 decision(s)" in shown
    rejected = rows[2].reasons_as()[0]
    assert f"id: {rejected.text.id}" in shown and f"en: {rejected.text.en}" in shown
    assert f"actor:    officer:{OFFICER}" in shown
    assert f"trace id: {rows[2].trace_id}" in shown
    assert f"rules:    {rows[2].rules_version}" in shown
    order = [shown.index(d) for d in ("documents.flagged", "review_confirmed", "documents.rej")]
    assert order == sorted(order)


async def test_heads_go_out_through_the_outbox_after_the_interval(
    centre: Centre, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every service has decided something by now (the tests above ran first); wait until
    # each has chained all of it, so that its head stays where it is read here.
    async def all_chained() -> bool:
        for url in centre.databases.values():
            conn = await asyncpg.connect(url)
            try:
                if await audit.unchained(conn):
                    return False
            finally:
                await conn.close()
        return True

    await wait_until(all_chained, within=30)
    current: dict[str, audit.AuditRow | None] = {}
    for service, url in centre.databases.items():
        conn = await asyncpg.connect(url)
        try:
            current[service] = await audit.chain_head(conn)
        finally:
            await conn.close()

    def published(service: str) -> list[AuditChainHead]:
        head = current[service]
        assert head is not None
        return [
            e
            for e in centre.heads.events
            if isinstance(e, AuditChainHead)
            and e.service == service
            and (e.position, e.hash) == (head.position, head.hash)
        ]

    # Not before the interval has passed on the process clock ...
    assert not any(published(s) for s in DECIDING)
    centre.clock.advance(HEAD_INTERVAL + timedelta(seconds=1))
    # ... and then each service's head, from its outbox.
    await wait_until(lambda: all(published(s) for s in DECIDING), within=30)
    head, documents = published("documents")[0], current["documents"]
    assert documents is not None
    assert head.owner == "documents" and head.recorded_at == documents.recorded_at

    for service, url in centre.databases.items():
        monkeypatch.setenv(f"SENTRA_{service.upper()}_DATABASE_URL", url)
    for name, value in centre.witness.environment().items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    verified = await asyncio.to_thread(
        sentra_audit, ["verify", "--heads-from-kafka", "--bootstrap", centre.witness.bootstrap]
    )
    out = capsys.readouterr().out
    assert verified == 0, out
    for service in DECIDING:
        assert f"{service}: ok, " in out and "reaches the published head" in out


async def test_an_escalation_is_recorded_by_the_scheduler(centre: Centre) -> None:
    app = await submit(centre, Path.KUR_BANK_SILENT)  # the bank never decides the loan
    await centre.decisions("credit", app, "credit.approved")
    # Past the bank's 5 working days and as long again, holidays or not.
    centre.clock.advance(timedelta(days=30))
    rows = await centre.decisions("credit", app, "deadline.escalated")
    assert [(r.decision, r.actor) for r in rows] == [
        ("credit.approved", "system:credit"),
        ("deadline.escalated", "scheduler"),
    ]
    (why,) = rows[1].reasons_as()
    assert why.code == "DEADLINE_ESCALATED"
    assert "bank_decision" in why.text.en and "OJK" in why.text.en
    assert "diteruskan ke OJK" in why.text.id
    assert rows[1].rules_version.startswith("deadlines:")
    assert_traced(centre, rows)
