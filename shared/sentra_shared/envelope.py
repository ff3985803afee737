"""How an event travels on Kafka: CloudEvents binary mode.

The value is the event as JSON; the CloudEvents attributes travel as `ce_*` headers and
the W3C trace context as `traceparent` (added by the telemetry middleware on publish).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import ValidationError

from sentra_shared.events import CATALOGUE, Event
from sentra_shared.failures import UndecodableEvent

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
# Events are small (documents travel by id and hash); anything far larger is a mistake
# or an attack, and large values are slow on the default client settings.
MAX_EVENT_BYTES = 64 * 1024
_BY_TYPE: dict[str, type[Event]] = {cls.ce_type(): cls for cls in CATALOGUE}

__all__ = ["UndecodableEvent", "decode", "decode_headers", "encode", "headers_for"]


def headers_for(event: Event) -> dict[str, str]:
    return {
        "ce_specversion": SPEC_VERSION,
        "ce_id": str(event.event_id),
        "ce_source": event.ce_source(),
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


def decode_headers(raw: Iterable[tuple[str, bytes | None]]) -> dict[str, str]:
    """Kafka header values are bytes; ours are UTF-8 text. Anything else is poison."""
    headers: dict[str, str] = {}
    for name, value in raw:
        try:
            headers[name] = (value or b"").decode()
        except UnicodeDecodeError:
            raise UndecodableEvent(f"header {name!r} is not UTF-8") from None
    return headers


def decode(headers: Mapping[str, str], body: bytes | None) -> Event:
    if not body:
        raise UndecodableEvent("empty value")
    if len(body) > MAX_EVENT_BYTES:
        raise UndecodableEvent(f"value of {len(body)} bytes exceeds {MAX_EVENT_BYTES}")
    ce_type = headers.get("ce_type")
    if ce_type is None:
        raise UndecodableEvent("missing ce_type header")
    cls = event_class(ce_type)
    try:
        event = cls.model_validate_json(body)
    except ValidationError as invalid:
        raise UndecodableEvent(f"{ce_type}: {_schema_errors(invalid)}") from invalid
    if headers.get("ce_id") not in (None, str(event.event_id)):
        raise UndecodableEvent("ce_id header disagrees with the payload's event_id")
    return event


def _schema_errors(invalid: ValidationError, shown: int = 5) -> str:
    """Where and why, for the dead letter's reason: never the values, which may be
    personal data (a NIK, a name)."""
    errors = invalid.errors(include_input=False, include_url=False, include_context=False)
    described = [
        f"{'.'.join(str(part) for part in error['loc']) or 'the event'}: {error['msg']}"
        for error in errors[:shown]
    ]
    more = f" (+{len(errors) - shown} more)" if len(errors) > shown else ""
    return f"{len(errors)} schema error(s): " + "; ".join(described) + more
