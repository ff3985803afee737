"""Sample requests the conformance sandbox sends: one kind per exchange of every agency.

The sample person passes every sandbox check (NIK serial 0007), so a conforming consumer
answers each request with its exchange's answer type. A `refused` sample is a person the
built-in responders refuse where their sandbox conventions have one (deploy/agencies/
README.md), so that their `failed` answers, with reasons, are judged too.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sentra_shared.envelope import headers_for
from sentra_shared.events import (
    AGENCY_EXCHANGES,
    DESK_EXCHANGES,
    ORGANISER_EXCHANGES,
    AgencyCheckRequested,
    BankCheckRequested,
    BankLoanRequested,
    Bp3miCheckRequested,
    BpjsKetenagakerjaanCheckRequested,
    DisnakerCheckRequested,
    DukcapilCheckRequested,
    HealthFacilityCheckRequested,
    ImigrasiCheckRequested,
    InsurerCheckRequested,
    InsurerPayoutRequested,
    PolriCheckRequested,
)

from sentra_agencies.rules import (
    ABSENT_PARTICIPANT_WORD,
    LOAN_REFUSED_SERIAL,
    POLICE_RECORD_SERIAL,
    SLIK_LOSS_SERIAL,
    UNKNOWN_NIK_SERIAL,
    UNKNOWN_TO_INSURER_WORD,
)

_PERSON: dict[str, Any] = {
    "nik": "3314015403960007",
    "full_name": "Siti Rahayu",
    "date_of_birth": date(1996, 3, 14),
}
_WHO = {"nik": _PERSON["nik"], "full_name": _PERSON["full_name"]}
_PASSPORT = {"passport_name": "SITI RAHAYU", "date_of_birth": date(1996, 3, 14)}


def _fields(request_type: type[AgencyCheckRequested], today: date) -> dict[str, Any]:
    """The payload of a sample request of `request_type`, made on `today`."""
    samples: dict[type[AgencyCheckRequested], dict[str, Any]] = {
        DukcapilCheckRequested: {**_PERSON, "sex": "F"},
        DisnakerCheckRequested: {**_WHO, "destination_country": "KR", "job": "factory operator"},
        HealthFacilityCheckRequested: _PERSON,
        PolriCheckRequested: _PERSON,
        ImigrasiCheckRequested: {**_PERSON, "passport_name": "SITI RAHAYU"},
        Bp3miCheckRequested: {**_WHO, "destination_country": "TW", "job": "caregiver"},
        BpjsKetenagakerjaanCheckRequested: _WHO,
        BankCheckRequested: {**_PERSON, "amount_idr": 50_000_000},
        BankLoanRequested: {
            **_PERSON,
            "product": "placement",
            "amount_idr": 50_000_000,
            "tenor_months": 24,
            "screening": "approved",
            "decision_due": today + timedelta(days=7),
        },
        InsurerCheckRequested: {
            **_PASSPORT,
            "claim_type": "return_cost",
            "departure_date": date(2024, 5, 1),
        },
        InsurerPayoutRequested: {
            **_PASSPORT,
            "claim_type": "return_cost",
            "amount_krw": 400_000,
            "payee_account_name": "SITI RAHAYU",
            "payee_account_number": "0123456789",
            "swift_bic": "BRINIDJA",
            "payout_due": today + timedelta(days=14),
        },
    }
    participation = {
        "programme_id": "sample-programme",
        "programme_title": "Pelatihan kewirausahaan purna PMI",
        "sessions": (today + timedelta(days=7), today + timedelta(days=14)),
        "participant_name": _PERSON["full_name"],
        "owner_role": "returnee",
        "sector": "food_and_drink",
        "stage": "starting",
        "regency_code": "3314",
        "report_due": today + timedelta(days=21),
    }
    for organiser_request, _ in ORGANISER_EXCHANGES.values():
        samples[organiser_request] = participation
    for desk_request, _ in DESK_EXCHANGES.values():
        samples[desk_request] = {
            "subject": _DESK_SUBJECT[desk_request.agency.value],
            "asker_role": "family",
            "question": "Berapa plafon pinjaman untuk usaha keluarga pekerja migran?",
            "language": "id",
        }
    return samples[request_type]


_DESK_SUBJECT = {
    "placement_desk": "placement",
    "credit_desk": "credit",
    "refund_desk": "refund",
    "product_desk": "product",
}


def request_types() -> list[type[AgencyCheckRequested]]:
    """Every request type an agency may receive."""
    return [request for pairs in AGENCY_EXCHANGES.values() for request, _ in pairs]


# What the built-in responders refuse, by request type (rules.py's sandbox conventions).
_REFUSED: dict[type[AgencyCheckRequested], dict[str, Any]] = {
    DukcapilCheckRequested: {"nik": _PERSON["nik"][:-4] + UNKNOWN_NIK_SERIAL},
    PolriCheckRequested: {"nik": _PERSON["nik"][:-4] + POLICE_RECORD_SERIAL},
    BankCheckRequested: {"nik": _PERSON["nik"][:-4] + SLIK_LOSS_SERIAL},
    BankLoanRequested: {"nik": _PERSON["nik"][:-4] + LOAN_REFUSED_SERIAL},
    InsurerCheckRequested: {"passport_name": f"SITI {UNKNOWN_TO_INSURER_WORD} RAHAYU"},
    **{
        request: {"participant_name": f"SITI {ABSENT_PARTICIPANT_WORD} RAHAYU"}
        for request, _ in ORGANISER_EXCHANGES.values()
    },
}


def sample_request(
    request_type: type[AgencyCheckRequested], refused: bool = False
) -> tuple[AgencyCheckRequested, dict[str, str], str]:
    """A new request of `request_type` with its headers (its own trace) and trace id;
    `refused`: of a person the built-in responders refuse, where there is one."""
    now = datetime.now(UTC)
    # A new dict: some samples share the person's fields, which must stay as they are.
    fields = {
        **_fields(request_type, now.date()),
        **(_REFUSED.get(request_type, {}) if refused else {}),
    }
    request = request_type(application_id=uuid.uuid4(), occurred_at=now, **fields)
    trace_id = secrets.token_hex(16)
    headers = {
        **headers_for(request),
        "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01",
        "correlation_id": str(request.application_id),
    }
    return request, headers, trace_id
