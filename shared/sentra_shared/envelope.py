"""How an event travels on Kafka: CloudEvents binary mode.

The value is the event as JSON; the CloudEvents attributes travel as `ce_*` headers and
the W3C trace context as `traceparent` (added by the telemetry middleware on publish).
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

from sentra_shared.events import CATALOGUE, Event

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
_BY_TYPE: dict[str, type[Event]] = {cls.ce_type(): cls for cls in CATALOGUE}


class UndecodableEvent(ValueError):
    """A message that can never be processed as it is (a poison message)."""


def headers_for(event: Event) -> dict[str, str]:
    return {
        "ce_specversion": SPEC_VERSION,
        "ce_id": str(event.event_id),
        "ce_source": f"/sentra/{event.owner}",
        "ce_type": event.ce_type(),
        "ce_subject": str(event.application_id),
        "ce_time": event.occurred_at.isoformat(),
        "content-type": CONTENT_TYPE,
    }


def encode(event: Event) -> bytes:
    return event.model_dump_json().encode()


def event_class(ce_type: str) -> type[Event]:
    try:
        return _BY_TYPE[ce_type]
    except KeyError:
        raise UndecodableEvent(f"unknown event type {ce_type!r}") from None


def decode(headers: Mapping[str, str], body: bytes) -> Event:
    ce_type = headers.get("ce_type")
    if ce_type is None:
        raise UndecodableEvent("missing ce_type header")
    cls = event_class(ce_type)
    try:
        event = cls.model_validate_json(body)
    except ValidationError as invalid:
        raise UndecodableEvent(f"{ce_type}: {invalid.error_count()} schema errors") from invalid
    if headers.get("ce_id") not in (None, str(event.event_id)):
        raise UndecodableEvent("ce_id header disagrees with the payload's event_id")
    return event
