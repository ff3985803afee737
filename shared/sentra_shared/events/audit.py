"""Audit chain heads: each deciding service's latest audit row, for a witness to keep.

A head says "this service's audit log had `position` rows, the last one hashing to
`hash`". Whoever keeps the heads (the witness principal, for KPK) can later prove that the
chain in the service's database still reaches every head it saw: a rewritten, shortened
or rebuilt history cannot (docs/audit.md). One class per service on one topic, like the
deadline escalations.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import Field

from sentra_shared.events.base import Event

AUDIT_HEADS_TOPIC = "sentra.audit.heads.v1"

# A head belongs to no application. The key is a fixed id per service instead, so that
# one service's heads stay in order on one partition.
_CHAINS = uuid.UUID("5e470a0d-0000-4000-8000-000000000000")


def chain_id(service: str) -> uuid.UUID:
    """The fixed `application_id` (and Kafka key) of one service's chain heads."""
    return uuid.uuid5(_CHAINS, service)


class AuditChainHead(Event):
    topic: ClassVar[str] = AUDIT_HEADS_TOPIC

    application_id: uuid.UUID = Field(
        description="Not an application: the service's fixed chain id (uuid5), the key."
    )
    service: str = Field(
        description="Whose audit log: documents, credit, insurance or empowerment."
    )
    position: int = Field(ge=1, description="How many rows the chain had (the last position).")
    hash: str = Field(
        pattern="^[0-9a-f]{64}$", description="SHA-256 (hex) of the last row's canonical content."
    )
    recorded_at: datetime = Field(description="When the last row was recorded (service clock).")


class DocumentsAuditChainHead(AuditChainHead):
    owner: ClassVar[str] = "documents"


class CreditAuditChainHead(AuditChainHead):
    owner: ClassVar[str] = "credit"


class InsuranceAuditChainHead(AuditChainHead):
    owner: ClassVar[str] = "insurance"


class EmpowermentAuditChainHead(AuditChainHead):
    owner: ClassVar[str] = "empowerment"


AUDIT_HEADS: dict[str, type[AuditChainHead]] = {
    "documents": DocumentsAuditChainHead,
    "credit": CreditAuditChainHead,
    "insurance": InsuranceAuditChainHead,
    "empowerment": EmpowermentAuditChainHead,
}
AUDIT_EVENTS: tuple[type[Event], ...] = tuple(AUDIT_HEADS.values())
