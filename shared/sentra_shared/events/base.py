"""What every event has in common: identity, application key, time, owner, topic, type."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field


class ApplicationKind(StrEnum):
    PLACEMENT = "placement"  # documents for working abroad (one-roof LTSA service)
    KUR_LOAN = "kur_loan"  # cheap credit for workers and families
    INSURANCE_REFUND = "insurance_refund"  # ex-Korea EPS insurance money


def _event_id_on_the_wire(schema: dict[str, Any]) -> None:
    # `event_id` has a default so producers need not invent one, but it is always on the
    # wire: readers deduplicate by it and it must equal the `ce_id` header. The published
    # JSON Schema therefore requires it.
    required = schema.setdefault("required", [])
    if "event_id" not in required:
        required.insert(0, "event_id")


class Event(BaseModel):
    """Common fields of every event; subclasses add their payload."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=_event_id_on_the_wire)

    owner: ClassVar[str]
    topic: ClassVar[str]
    version: ClassVar[int] = 1

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    application_id: uuid.UUID
    occurred_at: datetime

    @classmethod
    def ce_type(cls) -> str:
        """CloudEvents `type`: reverse-DNS style, versioned."""
        return f"id.sentra.{cls.owner}.{cls.__name__}.v{cls.version}"

    @classmethod
    def ce_source(cls) -> str:
        """CloudEvents `source`: who produced the event."""
        return f"/sentra/{cls.owner}"

    @property
    def key(self) -> bytes:
        return str(self.application_id).encode()
