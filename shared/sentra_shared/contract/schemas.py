"""One JSON Schema per event, with where and how it travels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sentra_shared.envelope import CONTENT_TYPE
from sentra_shared.events import CATALOGUE, Event

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def event_schema(cls: type[Event]) -> dict[str, Any]:
    """The value's JSON Schema; `x-sentra` says on which topic and with which headers."""
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        **cls.model_json_schema(),
        "x-sentra": {
            "topic": cls.topic,
            "owner": cls.owner,
            "ce_type": cls.ce_type(),
            "ce_source": cls.ce_source(),
            "key": "application_id",
            "content_type": CONTENT_TYPE,
        },
    }


def current_schemas() -> dict[str, dict[str, Any]]:
    return {cls.__name__: event_schema(cls) for cls in CATALOGUE}


def render(document: Any) -> str:
    """Stable text: sorted keys would reorder properties, so only indentation is fixed."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def read_schemas(directory: Path) -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(directory.glob("*.json"))}
