"""Every span is exportable: the Kafka key is text, and no attribute value can make an
exporter drop its batch."""

from __future__ import annotations

import json
from typing import Any

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind
from sentra_shared.telemetry import KAFKA_KEY, KafkaTelemetry, build_tracer_provider, primitive

APPLICATION_ID = "4f6c1e0a-8a53-4d8e-9a51-2a7f0f1c9b11"


def printed_spans(text: str) -> list[dict[str, Any]]:
    """ConsoleSpanExporter prints one indented JSON object per span, back to back."""
    decoder = json.JSONDecoder()
    spans, position = [], 0
    while (start := text.find("{", position)) != -1:
        span, position = decoder.raw_decode(text, start)
        spans.append(span)
    return spans


def console_provider(monkeypatch: pytest.MonkeyPatch) -> TracerProvider:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_on")
    return build_tracer_provider("unit")


async def test_console_prints_the_publish_span_with_the_key_as_text(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = console_provider(monkeypatch)
    broker = KafkaBroker(middlewares=[KafkaTelemetry(tracer_provider=provider)])
    async with TestKafkaBroker(broker):
        await broker.publish(b"{}", topic="sentra.documents.events.v1", key=APPLICATION_ID.encode())
    tracer = provider.get_tracer("unit")
    with tracer.start_as_current_span("after the publish"):
        pass
    provider.force_flush()

    spans = {s["name"]: s for s in printed_spans(capsys.readouterr().out)}
    publish = spans["sentra.documents.events.v1 publish"]
    assert publish["kind"] == str(SpanKind.PRODUCER)
    assert publish["attributes"][KAFKA_KEY] == APPLICATION_ID
    # The batch went out whole: the span ended after the publish is printed too.
    assert "after the publish" in spans
    provider.shutdown()


async def test_a_bytes_attribute_no_longer_drops_the_batch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = console_provider(monkeypatch)
    tracer = provider.get_tracer("unit")
    for n in range(20):
        with tracer.start_as_current_span(f"span {n}") as span:
            # What any library might set; the console exporter's json.dumps refuses bytes.
            span.set_attribute(KAFKA_KEY, APPLICATION_ID.encode())
            span.set_attribute("raw", b"\xff\x00")
            span.add_event("received", {"size": 3, "key": b"abc"})
    provider.force_flush()

    spans = printed_spans(capsys.readouterr().out)
    assert [s["name"] for s in spans] == [f"span {n}" for n in range(20)]
    assert {s["attributes"][KAFKA_KEY] for s in spans} == {APPLICATION_ID}
    assert {s["attributes"]["raw"] for s in spans} == {"ff00"}
    assert {json.dumps(s["events"][0]["attributes"]) for s in spans} == {
        json.dumps({"size": 3, "key": "abc"})
    }
    provider.shutdown()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("text", "text"),
        (7, 7),
        (True, True),
        (1.5, 1.5),
        (b"abc", "abc"),
        (b"\xff", "ff"),
        (("a", "b"), ("a", "b")),
        ([1, 2], (1, 2)),
        (["a", 1], ("a", "1")),
        ({"b": 1, "a": b"x"}, '{"a": "x", "b": 1}'),
        (None, "None"),
    ],
)
def test_primitive(value: object, expected: object) -> None:
    assert primitive(value) == expected
