"""Checks Sentra asks of the agencies, and their answers.

Each agency reads only its own request topic and writes only its own result topic
(`sentra.agency.<agency>.requests.v1` / `.results.v2`, see `agency_ids`). One model per
agency and direction (`agency_requests.py`, `agency_answers.py`); here, which answers
which. A request carries only what that agency needs for its check.

Personal data: most agencies can only find the worker in their own registry by the NIK,
so those requests carry it (and the name and birth date where the registry needs them to
confirm a match). Readers must keep these fields out of logs, span attributes and metric
labels, and must not keep them beyond what the check requires.
"""

from __future__ import annotations

from sentra_shared.events.agency_answers import (
    AgencyCheckCompleted,
    BankCheckCompleted,
    BankLoanDecided,
    Bp3miCheckCompleted,
    BpjsKetenagakerjaanCheckCompleted,
    CheckOutcome,
    DisnakerCheckCompleted,
    DukcapilCheckCompleted,
    HealthFacilityCheckCompleted,
    ImigrasiCheckCompleted,
    InsurerCheckCompleted,
    InsurerPayoutConfirmed,
    PolriCheckCompleted,
)
from sentra_shared.events.agency_ids import Agency, requests_topic, results_topic
from sentra_shared.events.agency_requests import (
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
from sentra_shared.events.base import Event

__all__ = [
    "AGENCY_EVENTS",
    "AGENCY_EVENT_TYPES",
    "AGENCY_EXCHANGES",
    "ANSWER_TO",
    "Agency",
    "AgencyCheckCompleted",
    "AgencyCheckRequested",
    "BankCheckCompleted",
    "BankCheckRequested",
    "BankLoanDecided",
    "BankLoanRequested",
    "Bp3miCheckCompleted",
    "Bp3miCheckRequested",
    "BpjsKetenagakerjaanCheckCompleted",
    "BpjsKetenagakerjaanCheckRequested",
    "CheckOutcome",
    "DisnakerCheckCompleted",
    "DisnakerCheckRequested",
    "DukcapilCheckCompleted",
    "DukcapilCheckRequested",
    "Exchange",
    "HealthFacilityCheckCompleted",
    "HealthFacilityCheckRequested",
    "ImigrasiCheckCompleted",
    "ImigrasiCheckRequested",
    "InsurerCheckCompleted",
    "InsurerCheckRequested",
    "InsurerPayoutConfirmed",
    "InsurerPayoutRequested",
    "PolriCheckCompleted",
    "PolriCheckRequested",
    "requests_topic",
    "results_topic",
]


# The check each agency answers: one request and one result type per agency, in a fixed
# order. Some agencies also answer a second exchange (`AGENCY_EXCHANGES`).
AGENCY_EVENTS: dict[Agency, tuple[type[AgencyCheckRequested], type[AgencyCheckCompleted]]] = {
    Agency.DUKCAPIL: (DukcapilCheckRequested, DukcapilCheckCompleted),
    Agency.DISNAKER: (DisnakerCheckRequested, DisnakerCheckCompleted),
    Agency.HEALTH_FACILITY: (HealthFacilityCheckRequested, HealthFacilityCheckCompleted),
    Agency.POLRI: (PolriCheckRequested, PolriCheckCompleted),
    Agency.IMIGRASI: (ImigrasiCheckRequested, ImigrasiCheckCompleted),
    Agency.BP3MI: (Bp3miCheckRequested, Bp3miCheckCompleted),
    Agency.BPJS_KETENAGAKERJAAN: (
        BpjsKetenagakerjaanCheckRequested,
        BpjsKetenagakerjaanCheckCompleted,
    ),
    Agency.BANK: (BankCheckRequested, BankCheckCompleted),
    Agency.INSURER: (InsurerCheckRequested, InsurerCheckCompleted),
}

# Every exchange an agency answers, the check first: the bank also decides referred
# loans, the insurer also pays accepted claims. Requests of both travel on the agency's
# one request topic, answers on its one result topic.
Exchange = tuple[type[AgencyCheckRequested], type[AgencyCheckCompleted]]
_SECOND_EXCHANGES: dict[Agency, tuple[Exchange, ...]] = {
    Agency.BANK: ((BankLoanRequested, BankLoanDecided),),
    Agency.INSURER: ((InsurerPayoutRequested, InsurerPayoutConfirmed),),
}
AGENCY_EXCHANGES: dict[Agency, tuple[Exchange, ...]] = {
    agency: (pair, *_SECOND_EXCHANGES.get(agency, ())) for agency, pair in AGENCY_EVENTS.items()
}

# The answer type of each request type.
ANSWER_TO: dict[type[AgencyCheckRequested], type[AgencyCheckCompleted]] = {
    request: result for exchanges in AGENCY_EXCHANGES.values() for request, result in exchanges
}

AGENCY_EVENT_TYPES: tuple[type[Event], ...] = tuple(
    cls for exchanges in AGENCY_EXCHANGES.values() for pair in exchanges for cls in pair
)
