"""AsyncAPI building blocks both published sides share: one message per event class.

A message is named after its event class and pins, in its headers schema, the exact
`ce_type` and `ce_source` a reader checks, so a reader needs no other document to learn
them. The Kafka key (the application id) is declared with the Kafka message binding.
Payload schemas are inlined under `components/schemas`, with pydantic's `$defs` moved
there too, so each document stands alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sentra_shared.envelope import CONTENT_TYPE, SPEC_VERSION
from sentra_shared.events import Event

KAFKA_BINDING_VERSION = "0.5.0"
TRACEPARENT_PATTERN = "^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
KEY_DESCRIPTION = (
    "The application id (UUID, as text), also in `ce_subject`: every event of one "
    "application goes to the same partition and stays in order. A reply keeps its "
    "request's key."
)
_DEFS_REF = "#/$defs/"
_SCHEMAS_REF = "#/components/schemas/"


def docstring(cls: type[Event]) -> str:
    """The class's own docstring, or the nearest event ancestor's (answer types share one)."""
    for klass in cls.__mro__:
        if klass.__dict__.get("__doc__"):
            return " ".join(str(klass.__doc__).split())
        if klass is Event:
            break
    return ""


def title(cls: type[Event]) -> str:
    """`PolriCheckCompleted` -> `Polri check completed`."""
    words = re.findall(r"[A-Z][a-z0-9]*", cls.__name__)
    return " ".join([words[0], *(w.lower() for w in words[1:])])


def headers_schema(cls: type[Event]) -> dict[str, Any]:
    """The CloudEvents binary-mode headers of `cls`, with its type and source pinned."""
    return {
        "type": "object",
        "required": [
            "ce_specversion",
            "ce_id",
            "ce_source",
            "ce_type",
            "ce_subject",
            "ce_time",
            "content-type",
            "traceparent",
        ],
        "properties": {
            "ce_specversion": {"type": "string", "const": SPEC_VERSION},
            "ce_id": {
                "type": "string",
                "format": "uuid",
                "description": "Equals the value's `event_id`; readers deduplicate by it.",
            },
            "ce_source": {"type": "string", "const": cls.ce_source()},
            "ce_type": {"type": "string", "const": cls.ce_type()},
            "ce_subject": {
                "type": "string",
                "format": "uuid",
                "description": "The application id (= the Kafka key).",
            },
            "ce_time": {"type": "string", "format": "date-time"},
            "content-type": {"type": "string", "const": CONTENT_TYPE},
            "traceparent": {
                "type": "string",
                "pattern": TRACEPARENT_PATTERN,
                "description": (
                    "W3C trace context. A reply keeps the request's trace id with a span "
                    "id of its own, so one application's journey is one trace."
                ),
            },
            "correlation_id": {
                "type": "string",
                "description": "Optional; a reply copies the request's.",
            },
        },
    }


def kafka_key_binding() -> dict[str, Any]:
    return {
        "kafka": {
            "key": {"type": "string", "format": "uuid", "description": KEY_DESCRIPTION},
            "bindingVersion": KAFKA_BINDING_VERSION,
        }
    }


def message_object(cls: type[Event], correlation: str | None = None) -> dict[str, Any]:
    """The message of one event class; `correlation`: a runtime expression, if it has one."""
    message: dict[str, Any] = {
        "name": cls.__name__,
        "title": title(cls),
        "summary": docstring(cls) or title(cls),
        "description": (
            f"`{cls.__name__}` on `{cls.topic}`: `ce_type` `{cls.ce_type()}`, "
            f"`ce_source` `{cls.ce_source()}`, key = the application id."
        ),
        "contentType": CONTENT_TYPE,
        "headers": headers_schema(cls),
        "payload": {"$ref": f"{_SCHEMAS_REF}{cls.__name__}"},
        "bindings": kafka_key_binding(),
    }
    if correlation is not None:
        message["correlationId"] = {"location": correlation}
    return message


def payload_schemas(classes: Iterable[type[Event]]) -> dict[str, Any]:
    """Every class's JSON Schema and every definition it uses, keyed by name, with their
    references pointing into `components/schemas`."""
    schemas: dict[str, Any] = {}

    def add(name: str, schema: Any) -> None:
        if name in schemas and schemas[name] != schema:
            raise ValueError(f"two different schemas are both called {name!r}")
        schemas[name] = schema

    for cls in classes:
        schema = cls.model_json_schema()
        for name, definition in schema.pop("$defs", {}).items():
            add(name, _repointed(definition))
        add(cls.__name__, _repointed(schema))
    return dict(sorted(schemas.items()))


def _repointed(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: (
                _SCHEMAS_REF + value.removeprefix(_DEFS_REF)
                if key == "$ref" and isinstance(value, str) and value.startswith(_DEFS_REF)
                else _repointed(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_repointed(item) for item in node]
    return node
