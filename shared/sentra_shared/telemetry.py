"""OpenTelemetry wiring.

Exporters follow the standard `OTEL_TRACES_EXPORTER` variable (`otlp`, `console` or
`none`, the default); the OTLP exporter reads its own `OTEL_EXPORTER_OTLP_*` variables.
Tests pass an in-memory exporter instead.

What it costs: with no exporter nothing is recorded (spans are made non-recording, so
trace ids still travel through the outbox and Kafka) and SQL is not instrumented at all.
With an exporter, new traces are sampled (`DEFAULT_SAMPLE_RATIO`, or the standard
`OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`), and transaction-control statements
never make a span (`WithoutTransactionControl`).

Every span must be exportable: one attribute an exporter cannot serialise (FastStream
records the Kafka key as bytes) makes it drop the whole batch, dozens of spans at once.
So the key is recorded as text where it is set (`KafkaTelemetry` here), and
every configured exporter sits behind `PrimitiveAttributesExporter`, which turns any other
non-primitive value into text before the exporter sees it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from faststream.kafka.opentelemetry.provider import (
    BatchKafkaTelemetrySettingsProvider,
    KafkaTelemetrySettingsProvider,
)
from faststream.opentelemetry.middleware import TelemetryMiddleware
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.environment_variables import (
    OTEL_TRACES_SAMPLER,
    OTEL_TRACES_SAMPLER_ARG,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind, TraceState
from opentelemetry.util.types import Attributes, AttributeValue

KAFKA_KEY = "messaging.kafka.message.key"
_PRIMITIVES = (str, bool, int, float)


def as_text(value: object) -> str:
    """Text for a value no exporter may choke on: bytes decoded (keys are application ids,
    UTF-8), undecodable bytes as hex, anything else as JSON or its str()."""
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode()
        except UnicodeDecodeError:
            return bytes(value).hex()
    if isinstance(value, Mapping):
        return json.dumps(value, default=as_text, sort_keys=True)
    return str(value)


def primitive(value: object) -> AttributeValue:
    """The value itself when every exporter can write it (a primitive, or a sequence of
    one primitive type), otherwise its text."""
    if isinstance(value, _PRIMITIVES):
        return value
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        kinds = {type(v) for v in value}
        if len(kinds) <= 1 and kinds <= set(_PRIMITIVES):
            return tuple(value)
        return tuple(as_text(v) if not isinstance(v, str) else v for v in value)
    return as_text(value)


def _clean(attributes: Mapping[str, Any] | None) -> dict[str, AttributeValue] | None:
    if attributes is None:
        return None
    return {key: primitive(value) for key, value in attributes.items()}


def _is_clean(attributes: Mapping[str, Any] | None) -> bool:
    return attributes is None or all(
        primitive(value) == value and type(primitive(value)) is type(value)
        for value in attributes.values()
    )


def exportable(span: ReadableSpan) -> ReadableSpan:
    """The span itself when all its attributes (and its events' and links') are
    primitive; otherwise a copy with the offending values as text."""
    if (
        _is_clean(span.attributes)
        and all(_is_clean(e.attributes) for e in span.events)
        and all(_is_clean(link.attributes) for link in span.links)
    ):
        return span
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=_clean(span.attributes),
        events=[Event(e.name, _clean(e.attributes), e.timestamp) for e in span.events],
        links=[Link(link.context, _clean(link.attributes)) for link in span.links],
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class PrimitiveAttributesExporter(SpanExporter):
    """Wraps an exporter so that no attribute value can make it drop a batch."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.inner.export([exportable(span) for span in spans])

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


class _TextKeyAttributes:
    """FastStream's Kafka attributes with the record key as text (it records bytes)."""

    def get_publish_attrs_from_cmd(self, cmd: Any) -> dict[str, Any]:
        attrs: dict[str, Any] = super().get_publish_attrs_from_cmd(cmd)  # type: ignore[misc]
        return _text_key(attrs)

    def get_consume_attrs_from_message(self, msg: Any) -> dict[str, Any]:
        attrs: dict[str, Any] = super().get_consume_attrs_from_message(msg)  # type: ignore[misc]
        return _text_key(attrs)


def _text_key(attrs: dict[str, Any]) -> dict[str, Any]:
    if (key := attrs.get(KAFKA_KEY)) is not None:
        attrs[KAFKA_KEY] = as_text(key)
    return attrs


class _RecordAttributes(_TextKeyAttributes, KafkaTelemetrySettingsProvider):
    __slots__ = ()


class _BatchAttributes(_TextKeyAttributes, BatchKafkaTelemetrySettingsProvider):
    __slots__ = ()


def _attributes_for(
    msg: Any,
) -> KafkaTelemetrySettingsProvider | BatchKafkaTelemetrySettingsProvider:
    if isinstance(msg, Sequence):
        return _BatchAttributes()
    return _RecordAttributes()


class KafkaTelemetry(TelemetryMiddleware[Any]):
    """FastStream's Kafka telemetry (producer spans, `traceparent` injection) with the
    record key recorded as text."""

    def __init__(self, *, tracer_provider: TracerProvider) -> None:
        super().__init__(
            settings_provider_factory=_attributes_for,
            tracer_provider=tracer_provider,
            include_messages_counters=True,  # as FastStream's own Kafka middleware
        )


def _exporter_names() -> list[str]:
    names = os.environ.get("OTEL_TRACES_EXPORTER", "none")
    return [n for n in (n.strip() for n in names.split(",")) if n not in ("", "none")]


def _exporters_from_env() -> list[SpanExporter]:
    exporters: list[SpanExporter] = []
    for name in _exporter_names():
        if name == "console":
            # The stdout of now, not the one bound when the SDK was imported.
            exporters.append(ConsoleSpanExporter(out=sys.stdout))
        elif name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporters.append(OTLPSpanExporter())
        else:
            raise ValueError(f"OTEL_TRACES_EXPORTER={name!r} is not supported (otlp, console)")
    return exporters


# The share of new traces recorded when an exporter is configured and the standard
# OTEL_TRACES_SAMPLER variable does not say otherwise: a whole journey is kept or dropped
# together (parent-based), and a busy centre does not pay for every span.
DEFAULT_SAMPLE_RATIO = 0.1
# asyncpg's instrumentation names a span after the statement's first word. Transaction
# control says nothing an operator needs (the statements inside it carry the time), and
# made a third of all SQL spans.
TRANSACTION_CONTROL = frozenset({"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "END"})
_POOL_RESET = "SELECT pg_advisory_unlock_all()"  # asyncpg's reset on release


class WithoutTransactionControl(Sampler):
    """Records no span for BEGIN, COMMIT, SAVEPOINT... nor the pool's reset query; every
    other span as `inner` decides."""

    def __init__(self, inner: Sampler) -> None:
        self.inner = inner

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if name in TRANSACTION_CONTROL or (
            name == "SELECT"
            and str((attributes or {}).get("db.statement", "")).startswith(_POOL_RESET)
        ):
            return SamplingResult(Decision.DROP)
        return self.inner.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"WithoutTransactionControl{{{self.inner.get_description()}}}"


def sampler_from_env() -> Sampler:
    """The standard OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG; an unknown name or a bad
    ratio stops the start with a clear error rather than a silent default."""
    name = os.environ.get(OTEL_TRACES_SAMPLER, "").strip().lower()
    fixed = {
        "always_on": ALWAYS_ON,
        "always_off": ALWAYS_OFF,
        "parentbased_always_on": ParentBased(ALWAYS_ON),
        "parentbased_always_off": ParentBased(ALWAYS_OFF),
    }
    if name in fixed:
        return fixed[name]
    if name in ("traceidratio", "parentbased_traceidratio"):
        raw = os.environ.get(OTEL_TRACES_SAMPLER_ARG, "1.0")
        try:
            ratio = float(raw)
        except ValueError:
            raise ValueError(f"{OTEL_TRACES_SAMPLER_ARG}={raw!r} is not a number") from None
        if not 0.0 <= ratio <= 1.0:
            raise ValueError(f"{OTEL_TRACES_SAMPLER_ARG}={raw!r} is not between 0 and 1")
        ratio_based = TraceIdRatioBased(ratio)
        return ParentBased(ratio_based) if name.startswith("parentbased") else ratio_based
    known = ", ".join([*fixed, "traceidratio", "parentbased_traceidratio"])
    raise ValueError(f"{OTEL_TRACES_SAMPLER}={name!r} is not supported ({known})")


def records_spans(exporter: SpanExporter | None = None) -> bool:
    """Whether a provider built now records anything: only when something exports."""
    return exporter is not None or bool(_exporter_names())


def _sampler(exporter: SpanExporter | None) -> Sampler:
    if not records_spans(exporter):
        # Nothing would be exported: record nothing. Spans are still made (non-recording)
        # and carry their trace and span ids, so the trace context still travels through
        # the outbox and Kafka headers and a later exporter sees whole journeys.
        return ALWAYS_OFF
    if exporter is not None:  # tests: every span, to assert on
        return WithoutTransactionControl(ALWAYS_ON)
    if os.environ.get(OTEL_TRACES_SAMPLER):
        return WithoutTransactionControl(sampler_from_env())
    return WithoutTransactionControl(ParentBased(TraceIdRatioBased(DEFAULT_SAMPLE_RATIO)))


def build_tracer_provider(
    service_name: str, exporter: SpanExporter | None = None
) -> TracerProvider:
    """A provider for one service. `exporter` (tests) is synchronous so spans are seen at
    once; exporters named by OTEL_TRACES_EXPORTER export in batches, sampled (see
    `DEFAULT_SAMPLE_RATIO`)."""
    resource = Resource.create({"service.name": f"sentra-{service_name}"})
    provider = TracerProvider(resource=resource, sampler=_sampler(exporter))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    for configured in _exporters_from_env():
        provider.add_span_processor(BatchSpanProcessor(PrimitiveAttributesExporter(configured)))
    return provider


def instrument_asyncpg(provider: TracerProvider) -> None:
    """asyncpg instrumentation patches the library process-wide; the first provider wins.

    Statements are recorded without their parameters, so no personal data reaches spans.
    Callers leave it out when nothing records spans (`records_spans`): it wraps every
    statement, which costs more than the statement's own client-side work.
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
