"""The request each agency gets: only the fields that agency needs for its check.

The applicant's file stays in this service; an agency that can only find the worker by
NIK gets the NIK, and nobody gets more than its check needs (data minimisation).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sentra_shared.events import (
    Agency,
    AgencyCheckRequested,
    Bp3miCheckRequested,
    BpjsKetenagakerjaanCheckRequested,
    DisnakerCheckRequested,
    DukcapilCheckRequested,
    HealthFacilityCheckRequested,
    ImigrasiCheckRequested,
    PolriCheckRequested,
)

from sentra_documents.forms import ApplicationForm


def check_request(
    agency: Agency, application_id: uuid.UUID, form: ApplicationForm, at: datetime
) -> AgencyCheckRequested:
    person = form.applicant
    common: dict[str, Any] = {"application_id": application_id, "occurred_at": at}
    who: dict[str, Any] = {"nik": person.nik, "full_name": person.full_name}
    born: dict[str, Any] = {"date_of_birth": person.date_of_birth}
    destination: dict[str, Any] = (
        {
            "destination_country": form.placement.destination_country,
            "job": form.placement.job.value,
        }
        if form.placement is not None
        else {}
    )
    match agency:
        case Agency.DUKCAPIL:
            return DukcapilCheckRequested(**common, **who, **born, sex=person.sex)
        case Agency.DISNAKER:
            return DisnakerCheckRequested(**common, **who, **destination)
        case Agency.HEALTH_FACILITY:
            return HealthFacilityCheckRequested(**common, **who, **born)
        case Agency.POLRI:
            return PolriCheckRequested(**common, **who, **born)
        case Agency.IMIGRASI:
            passport_name = form.refund.passport_name if form.refund is not None else None
            return ImigrasiCheckRequested(**common, **who, **born, passport_name=passport_name)
        case Agency.BP3MI:
            return Bp3miCheckRequested(**common, **who, **destination)
        case Agency.BPJS_KETENAGAKERJAAN:
            return BpjsKetenagakerjaanCheckRequested(**common, **who)
    raise ValueError(f"documents does not ask {agency.value} for checks")
