"""A whole journey exported over OTLP/HTTP to a real receiver: every span arrives.

The services run with `OTEL_TRACES_EXPORTER=otlp`, as in a deployment, and export to an
OTLP/HTTP endpoint started here that decodes each `ExportTraceServiceRequest`. Each
service also hands its spans to an in-memory exporter, so the test knows exactly which
spans were made and can check that each one was received, and that no exporter failed.
"""

from __future__ import annotations

import gzip
import logging
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sentra_agencies.app import AgenciesSettings
from sentra_agencies.app import create_app as create_agencies
from sentra_credit.app import create_app as create_credit
from sentra_credit.config import CreditSettings
from sentra_documents.app import create_app as create_documents
from sentra_documents.config import DocumentsSettings
from sentra_insurance.app import create_app as create_insurance
from sentra_insurance.config import InsuranceSettings
from sentra_local.processes import free_port
from sentra_local.samples import nik_for
from sentra_local.sinks import Sinks
from sentra_local.stack import SERVICES, Stack, database_name
from sentra_local.testing import serving, wait_until
from sentra_notifications.app import create_app as create_notifications
from sentra_notifications.config import NotificationsSettings
from sentra_shared.telemetry import KAFKA_KEY


class Receiver:
    """An OTLP/HTTP trace endpoint (protobuf, optionally gzip) that keeps what it gets."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, Span]] = []  # (service.name, span)
        self.requests = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                request = ExportTraceServiceRequest.FromString(body)
                receiver.keep(request)
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/traces"

    def keep(self, request: ExportTraceServiceRequest) -> None:
        with self._lock:
            self.requests += 1
            for resource_spans in request.resource_spans:
                service = next(
                    a.value.string_value
                    for a in resource_spans.resource.attributes
                    if a.key == "service.name"
                )
                for scope_spans in resource_spans.scope_spans:
                    self.spans.extend((service, span) for span in scope_spans.spans)

    @contextmanager
    def running(self) -> Iterator[Receiver]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
            thread.join()


def attribute(span: Span, key: str) -> AnyValue | None:
    return next((a.value for a in span.attributes if a.key == key), None)


def kur_application() -> dict[str, Any]:
    born = date(1995, 8, 17)
    return {
        "kind": "kur_loan",
        "applicant": {
            "full_name": "Dewi Lestari",
            "nik": nik_for("3301", born, "F", 21),
            "date_of_birth": born.isoformat(),
            "sex": "F",
            "phone": "+6281298765432",
        },
        "credit": {
            "product": "placement",
            "amount_idr": 40_000_000,
            "tenor_months": 24,
            "contract_months": 36,
            "has_npwp": False,
        },
    }


@pytest.fixture
def otlp_export(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """The standard variables a deployment sets, pointed at the receiver; asyncpg's
    process-wide instrumentation goes to the first provider built here (every service
    runs in this one process), and is undone afterwards for the tests that follow."""
    with Receiver().running() as receiver:
        monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
        monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_always_on")  # every journey
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", receiver.url)
        monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "200")
        monkeypatch.setenv("OTEL_BSP_MAX_QUEUE_SIZE", "100000")
        instrumentor = AsyncPGInstrumentor()  # type: ignore[no-untyped-call]
        instrumentor.uninstrument()
        try:
            yield receiver
        finally:
            instrumentor.uninstrument()


async def test_a_journey_exports_every_span_to_an_otlp_receiver(
    local_stack: Stack, otlp_export: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="opentelemetry")
    await local_stack.postgres.recreate_databases(
        [database_name(s, local_stack.database_suffix) for s in SERVICES]
    )
    made = {service: InMemorySpanExporter() for service in SERVICES}

    def common(service: str) -> dict[str, Any]:
        return {
            **local_stack.kafka_settings(service),
            "database_url": local_stack.database_url(service),
            "http_port": 0,
        }

    sinks = Sinks(smtp_port=free_port(), http_port=free_port())
    apps = {
        "documents": create_documents(
            DocumentsSettings(**common("documents")), span_exporter=made["documents"]
        ),
        "credit": create_credit(CreditSettings(**common("credit")), span_exporter=made["credit"]),
        "insurance": create_insurance(
            InsuranceSettings(**common("insurance")), span_exporter=made["insurance"]
        ),
        "notifications": create_notifications(
            NotificationsSettings(
                **common("notifications"),
                smtp_host=sinks.host,
                smtp_port=sinks.smtp_port,
                sms_url=sinks.url,
                sms_key=sinks.sms_key,
                delivery_poll_interval_s=0.2,
            ),
            span_exporter=made["notifications"],
        ),
        # Every agency, the bank included, is the built-in responder.
        "agencies": create_agencies(
            AgenciesSettings(
                **local_stack.kafka_settings("responders"),
                http_port=0,
                group_id="sentra-builtin-agencies.trace-export",
            )
        ),
    }
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(sinks)
        urls = {name: await stack.enter_async_context(serving(app)) for name, app in apps.items()}
        async with httpx.AsyncClient(timeout=10) as client:
            submitted = await client.post(
                f"{urls['documents']}/applications", json=kur_application()
            )
            assert submitted.status_code == 202, submitted.text
            application_id = submitted.json()["application_id"]
            timeline: dict[str, Any] = {}

            async def final() -> bool:
                nonlocal timeline
                url = f"{urls['notifications']}/applications/{application_id}/timeline"
                response = await client.get(url)
                timeline = response.json() if response.status_code == 200 else {}
                return bool(timeline.get("final"))

            await wait_until(final, within=60)
        assert [e["status"] for e in timeline["entries"]] == [
            "submitted",
            "documents_verified",
            "credit_approved",
            "loan_disbursed",
        ]
        # The final notice is the last event published; wait until notifications sent it.
        await wait_until(
            lambda: any(
                "sentra.notifications.events.v1 publish" in s.name
                for s in made["notifications"].get_finished_spans()
            ),
            within=15,
        )
    # Every app has stopped, and each provider flushed its batch exporter on the way out.

    received = Counter(service for service, _ in otlp_export.spans)
    created = Counter(
        {f"sentra-{name}": len(exporter.get_finished_spans()) for name, exporter in made.items()}
    )
    print(f"OTLP: {otlp_export.requests} requests; spans received per service: {dict(received)}")
    # Nothing failed to export, and every span made was received, once.
    failures = [r.getMessage() for r in caplog.records if r.name.startswith("opentelemetry")]
    assert failures == []
    assert +received == +created
    made_ids = {
        s.context.span_id.to_bytes(8, "big")
        for exporter in made.values()
        for s in exporter.get_finished_spans()
    }
    assert {span.span_id for _, span in otlp_export.spans} == made_ids

    # The journey's trace holds every kind of span, each service's own.
    journey = [
        (service, span)
        for service, span in otlp_export.spans
        if (conversation := attribute(span, "messaging.message.conversation_id"))
        and conversation.string_value == application_id
    ]
    (trace_id,) = {span.trace_id for _, span in journey}
    in_trace = [(service, span) for service, span in otlp_export.spans if span.trace_id == trace_id]
    kinds = Counter((service, Span.SpanKind.Name(span.kind)) for service, span in in_trace)
    for service in ("sentra-documents", "sentra-credit", "sentra-notifications"):
        assert kinds[service, "SPAN_KIND_CONSUMER"] >= 1, kinds
        assert kinds[service, "SPAN_KIND_PRODUCER"] >= 1, kinds
    assert kinds["sentra-documents", "SPAN_KIND_SERVER"] == 1  # POST /applications
    relays = [s for _, s in in_trace if s.name == "outbox relay"]
    assert len(relays) >= 5
    statements = [s for _, s in in_trace if attribute(s, "db.system") is not None]
    assert statements, "no SQL span in the journey's trace"
    # The key arrives as the application id, as text.
    keys = {
        attribute(s, KAFKA_KEY).string_value  # type: ignore[union-attr]
        for _, s in journey
        if Span.SpanKind.Name(s.kind) == "SPAN_KIND_PRODUCER"
    }
    assert keys == {application_id}
    print(f"the journey's trace: {len(in_trace)} spans; {dict(kinds)}")
