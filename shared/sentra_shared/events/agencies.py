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
from sentra_shared.events.programme_exchanges import (
    DESK_EXCHANGES,
    ORGANISER_EXCHANGES,
    BankParticipationReported,
    BankParticipationRequested,
    ConsultationReplied,
    ConsultationRequested,
    CreditDeskConsultationReplied,
    CreditDeskConsultationRequested,
    DisnakerParticipationReported,
    DisnakerParticipationRequested,
    ParticipationReported,
    ParticipationRequested,
    PlacementDeskConsultationReplied,
    PlacementDeskConsultationRequested,
    ProductDeskConsultationReplied,
    ProductDeskConsultationRequested,
    RefundDeskConsultationReplied,
    RefundDeskConsultationRequested,
    TradeOfficeParticipationReported,
    TradeOfficeParticipationRequested,
)

__all__ = [
    "AGENCY_EVENTS",
    "AGENCY_EVENT_TYPES",
    "AGENCY_EXCHANGES",
    "ANSWER_TO",
    "DESK_EXCHANGES",
    "ORGANISER_EXCHANGES",
    "Agency",
    "AgencyCheckCompleted",
    "AgencyCheckRequested",
    "BankCheckCompleted",
    "BankCheckRequested",
    "BankLoanDecided",
    "BankLoanRequested",
    "BankParticipationReported",
    "BankParticipationRequested",
    "Bp3miCheckCompleted",
    "Bp3miCheckRequested",
    "BpjsKetenagakerjaanCheckCompleted",
    "BpjsKetenagakerjaanCheckRequested",
    "CheckOutcome",
    "ConsultationReplied",
    "ConsultationRequested",
    "CreditDeskConsultationReplied",
    "CreditDeskConsultationRequested",
    "DisnakerCheckCompleted",
    "DisnakerCheckRequested",
    "DisnakerParticipationReported",
    "DisnakerParticipationRequested",
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
    "ParticipationReported",
    "ParticipationRequested",
    "PlacementDeskConsultationReplied",
    "PlacementDeskConsultationRequested",
    "PolriCheckCompleted",
    "PolriCheckRequested",
    "ProductDeskConsultationReplied",
    "ProductDeskConsultationRequested",
    "RefundDeskConsultationReplied",
    "RefundDeskConsultationRequested",
    "TradeOfficeParticipationReported",
    "TradeOfficeParticipationRequested",
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
    Agency.TRADE_OFFICE: ORGANISER_EXCHANGES[Agency.TRADE_OFFICE],
    **DESK_EXCHANGES,
}

# Every exchange an agency answers, the check first: the bank also decides referred
# loans, the insurer also pays accepted claims, Disnaker and the bank also report on the
# programmes they organise. Requests of all travel on the agency's one request topic,
# answers on its one result topic.
Exchange = tuple[type[AgencyCheckRequested], type[AgencyCheckCompleted]]
_SECOND_EXCHANGES: dict[Agency, tuple[Exchange, ...]] = {
    Agency.DISNAKER: (ORGANISER_EXCHANGES[Agency.DISNAKER],),
    Agency.BANK: ((BankLoanRequested, BankLoanDecided), ORGANISER_EXCHANGES[Agency.BANK]),
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
