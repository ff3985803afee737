"""What documents writes to its audit log: the version of its rules, and its actor."""

from __future__ import annotations

from functools import cache

from sentra_shared import audit

from sentra_documents.domain.agency_checks import REQUIRED_CHECKS
from sentra_documents.domain.identity import MINIMUM_AGE
from sentra_documents.domain.placement import REQUIRED_DOCUMENTS
from sentra_documents.domain.tables import FEE_CEILINGS, MORATORIA


@cache
def rules_version() -> str:
    """The placement rules that decide: dated tables, required documents and checks."""
    return audit.rules_version(
        "placement", MORATORIA, FEE_CEILINGS, REQUIRED_DOCUMENTS, REQUIRED_CHECKS, MINIMUM_AGE
    )


AUDITOR = audit.Auditor("documents", rules_version)
SYSTEM = AUDITOR.system
record = AUDITOR.record
