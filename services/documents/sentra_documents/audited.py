"""What documents writes to its audit log: the version of its rules, and its actor."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from functools import cache

import asyncpg
from sentra_shared import audit
from sentra_shared.reasons import Reason

from sentra_documents.domain.agency_checks import REQUIRED_CHECKS
from sentra_documents.domain.identity import MINIMUM_AGE
from sentra_documents.domain.placement import REQUIRED_DOCUMENTS
from sentra_documents.domain.tables import FEE_CEILINGS, MORATORIA

SYSTEM = audit.system("documents")


@cache
def rules_version() -> str:
    """The placement rules that decide: dated tables, required documents and checks."""
    return audit.rules_version(
        "placement", MORATORIA, FEE_CEILINGS, REQUIRED_DOCUMENTS, REQUIRED_CHECKS, MINIMUM_AGE
    )


async def record(
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    decision: audit.Decision,
    reasons: Iterable[Reason] = (),
    *,
    actor: str = SYSTEM,
) -> None:
    await audit.record(
        conn,
        application_id=application_id,
        decision=decision,
        reasons=reasons,
        rules_version=rules_version(),
        actor=actor,
    )
