"""What each built-in agency answers: pure, deterministic sandbox rules.

Sandbox conventions (documented for agencies testing against Sentra): a NIK ending in
9999 is unknown to Dukcapil, 9998 has a police record, 9997 has bad SLIK history.
Everything else passes.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sentra_shared.events import (
    AGENCY_EVENTS,
    AgencyCheckCompleted,
    AgencyCheckRequested,
    BankCheckRequested,
    CheckOutcome,
    DukcapilCheckRequested,
    HealthFacilityCheckRequested,
    InsurerCheckRequested,
    PolriCheckRequested,
)
from sentra_shared.reasons import BilingualText, Reason

UNKNOWN_NIK_SUFFIX = "9999"
POLICE_RECORD_SUFFIX = "9998"
BAD_CREDIT_SUFFIX = "9997"
EPS_RETURN_COST_KRW = 400_000  # Return Cost insurance for Indonesian workers

NIK_NOT_REGISTERED = Reason(
    code="NIK_NOT_REGISTERED",
    text=BilingualText(
        id="NIK tidak terdaftar di Dukcapil.", en="The NIK is not registered with Dukcapil."
    ),
)
POLICE_RECORD = Reason(
    code="SKCK_NOT_ISSUED",
    text=BilingualText(
        id="SKCK tidak dapat diterbitkan: ada catatan kepolisian.",
        en="No police clearance (SKCK): there is a police record.",
    ),
)
SLIK_BAD_HISTORY = Reason(
    code="SLIK_COLLECTIBILITY_5",
    text=BilingualText(
        id="Riwayat kredit SLIK: kolektibilitas 5 (macet).",
        en="SLIK credit history: collectibility 5 (loss).",
    ),
)


def reply_id(request_id: uuid.UUID, agency: str) -> uuid.UUID:
    """The same request always gets the same reply id, so a repeated reply is a duplicate."""
    return uuid.uuid5(request_id, agency)


def answer(request: AgencyCheckRequested, at: datetime) -> AgencyCheckCompleted:
    result_type = AGENCY_EVENTS[request.agency][1]
    return result_type(
        event_id=reply_id(request.event_id, request.agency.value),
        application_id=request.application_id,
        occurred_at=at,
        request_id=request.event_id,
        **_findings(request),
    )


def _findings(request: AgencyCheckRequested) -> dict[str, Any]:
    nik = str(getattr(request, "nik", ""))
    match request:
        case DukcapilCheckRequested() if nik.endswith(UNKNOWN_NIK_SUFFIX):
            return _failed(NIK_NOT_REGISTERED)
        case PolriCheckRequested() if nik.endswith(POLICE_RECORD_SUFFIX):
            return _failed(POLICE_RECORD)
        case BankCheckRequested() if nik.endswith(BAD_CREDIT_SUFFIX):
            return {**_failed(SLIK_BAD_HISTORY), "slik_collectibility": 5}
        case BankCheckRequested():
            return {"outcome": CheckOutcome.PASSED, "slik_collectibility": 1}
        case HealthFacilityCheckRequested():
            issued = request.occurred_at.date()
            return {"outcome": CheckOutcome.PASSED, "valid_until": _three_months_on(issued)}
        case InsurerCheckRequested(claim_type="return_cost"):
            return {"outcome": CheckOutcome.PASSED, "amount_krw": EPS_RETURN_COST_KRW}
    return {"outcome": CheckOutcome.PASSED}


def _failed(reason: Reason) -> dict[str, Any]:
    return {"outcome": CheckOutcome.FAILED, "reasons": (reason,)}


def _three_months_on(issued: date) -> date:
    """Valid for 3 months: through the eve of the same date three months later, or the end
    of that month when it has no such date (issued 30 Nov -> valid through 28/29 Feb)."""
    month_index = issued.month + 2
    year, month = issued.year + month_index // 12, month_index % 12 + 1
    days_in_month = calendar.monthrange(year, month)[1]
    if issued.day > days_in_month:
        return date(year, month, days_in_month)
    return date(year, month, issued.day) - timedelta(days=1)
