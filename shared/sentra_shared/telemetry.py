"""OpenTelemetry wiring.

Exporters follow the standard `OTEL_TRACES_EXPORTER` variable (`otlp`, `console` or
`none`, the default); the OTLP exporter reads its own `OTEL_EXPORTER_OTLP_*` variables.
Tests pass an in-memory exporter instead.
"""

from __future__ import annotations

import os

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)


def _exporters_from_env() -> list[SpanExporter]:
    names = os.environ.get("OTEL_TRACES_EXPORTER", "none")
    exporters: list[SpanExporter] = []
    for name in (n.strip() for n in names.split(",")):
        if name in ("", "none"):
            continue
        if name == "console":
            exporters.append(ConsoleSpanExporter())
        elif name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporters.append(OTLPSpanExporter())
        else:
            raise ValueError(f"OTEL_TRACES_EXPORTER={name!r} is not supported (otlp, console)")
    return exporters


def build_tracer_provider(
    service_name: str, exporter: SpanExporter | None = None
) -> TracerProvider:
    """A provider for one service. `exporter` (tests) is synchronous so spans are seen at once."""
    resource = Resource.create({"service.name": f"sentra-{service_name}"})
    provider = TracerProvider(resource=resource)
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    for configured in _exporters_from_env():
        provider.add_span_processor(BatchSpanProcessor(configured))
    return provider


def instrument_asyncpg(provider: TracerProvider) -> None:
    """asyncpg instrumentation patches the library process-wide; the first provider wins.

    Statements are recorded without their parameters, so no personal data reaches spans.
    """
    instrumentor = AsyncPGInstrumentor()  # type: ignore[no-untyped-call]
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def context_from_traceparent(traceparent: str | None) -> Context:
    if not traceparent:
        return Context()
    return propagate.extract({"traceparent": traceparent})


def tracer(provider: TracerProvider) -> trace.Tracer:
    return provider.get_tracer("sentra")
