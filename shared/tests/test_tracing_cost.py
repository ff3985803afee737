"""What tracing records, and what it leaves out so that it costs little."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sentra_shared.telemetry import (
    DEFAULT_SAMPLE_RATIO,
    build_tracer_provider,
    current_traceparent,
    records_spans,
    sampler_from_env,
)


def test_without_an_exporter_nothing_is_recorded_but_the_context_still_travels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OTEL_TRACES_EXPORTER", raising=False)
    assert not records_spans()
    tracer = build_tracer_provider("unit").get_tracer("unit")
    with tracer.start_as_current_span("intake") as span:
        assert not span.is_recording()
        context = span.get_span_context()
        assert context.is_valid
        traceparent = current_traceparent()
    assert traceparent is not None
    assert traceparent.split("-")[1] == f"{context.trace_id:032x}"
    flags = int(traceparent.split("-")[3], 16)
    assert flags & 1 == 0  # not sampled: downstream records nothing either


def test_transaction_control_and_the_pool_reset_make_no_span() -> None:
    exporter = InMemorySpanExporter()
    tracer = build_tracer_provider("unit", exporter).get_tracer("unit")
    with tracer.start_as_current_span("process"):
        for name in ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK"):
            with tracer.start_as_current_span(name, kind=trace.SpanKind.CLIENT):
                pass
        reset = "SELECT pg_advisory_unlock_all();\\nCLOSE ALL;\\nUNLISTEN *;\\nRESET ALL;"
        with tracer.start_as_current_span("SELECT", attributes={"db.statement": reset}):
            pass
        with tracer.start_as_current_span("INSERT", kind=trace.SpanKind.CLIENT):
            pass
        with tracer.start_as_current_span("SELECT", attributes={"db.statement": "SELECT 1"}):
            pass
    assert sorted(s.name for s in exporter.get_finished_spans()) == [
        "INSERT",
        "SELECT",
        "process",
    ]


def test_an_exporter_from_the_environment_samples_new_traces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    tracer = build_tracer_provider("unit").get_tracer("unit")
    recorded = 0
    for _ in range(2000):
        with tracer.start_as_current_span("intake") as root:
            with tracer.start_as_current_span("child") as child:
                # A journey is kept or dropped whole.
                assert child.is_recording() == root.is_recording()
            recorded += root.is_recording()
    assert 0.5 * DEFAULT_SAMPLE_RATIO * 2000 < recorded < 1.5 * DEFAULT_SAMPLE_RATIO * 2000


@pytest.mark.parametrize(
    ("name", "arg", "error"),
    [
        ("sometimes", None, "OTEL_TRACES_SAMPLER='sometimes' is not supported"),
        ("traceidratio", "half", "OTEL_TRACES_SAMPLER_ARG='half' is not a number"),
        ("parentbased_traceidratio", "2", "OTEL_TRACES_SAMPLER_ARG='2' is not between 0 and 1"),
    ],
)
def test_a_bad_sampler_setting_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, name: str, arg: str | None, error: str
) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", name)
    if arg is None:
        monkeypatch.delenv("OTEL_TRACES_SAMPLER_ARG", raising=False)
    else:
        monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", arg)
    with pytest.raises(ValueError, match=error.replace("(", r"\(")):
        sampler_from_env()


def test_the_standard_sampler_variables_are_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0.25")
    assert "0.25" in sampler_from_env().get_description()
