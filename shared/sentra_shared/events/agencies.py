"""Checks Sentra asks of the agencies, and their answers.

Each agency reads only its own request topic and writes only its own result topic
(`sentra.agency.<agency>.requests.v1` / `.results.v2`, see `agency_ids`). One model per
agency and direction: a request carries only what that agency needs for its check.

Personal data: most agencies can only find the worker in their own registry by the NIK,
so those requests carry it (and the name and birth date where the registry needs them to
confirm a match). Readers must keep these fields out of logs, span attributes and metric
labels, and must not keep them beyond what the check requires.
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import Field, GetJsonSchemaHandler, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from sentra_shared.events.agency_ids import Agency, requests_topic, results_topic
from sentra_shared.events.agency_reasons import AGENCY_REASON_CODES
from sentra_shared.events.base import Event
from sentra_shared.reasons import Reason

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


def _nik() -> Any:
    return Field(pattern=r"^\d{16}$", description="16-digit NIK. Personal data: never log it.")


def _full_name() -> Any:
    return Field(min_length=2, max_length=120, description="Name as on the KTP. Personal data.")


# --- requests (documents -> agency) ----------------------------------------------------


class AgencyCheckRequested(Event):
    """Documents asks one agency for one check; the agency answers on its result topic."""

    owner: ClassVar[str] = "documents"
    agency: ClassVar[Agency]


class DukcapilCheckRequested(AgencyCheckRequested):
    """Identity: does this NIK exist and belong to this name, birth date and sex?"""

    agency: ClassVar[Agency] = Agency.DUKCAPIL
    topic: ClassVar[str] = requests_topic(Agency.DUKCAPIL)

    nik: str = _nik()
    full_name: str = _full_name()
    date_of_birth: date
    sex: Literal["F", "M"]


class DisnakerCheckRequested(AgencyCheckRequested):
    """Job-seeker registration, passport recommendation and family permission on file."""

    agency: ClassVar[Agency] = Agency.DISNAKER
    topic: ClassVar[str] = requests_topic(Agency.DISNAKER)

    nik: str = _nik()
    full_name: str = _full_name()
    destination_country: str = Field(pattern=r"^[A-Z]{2}$")
    job: str


class HealthFacilityCheckRequested(AgencyCheckRequested):
    """Medical and psychological fitness; the certificate is valid for 3 months."""

    agency: ClassVar[Agency] = Agency.HEALTH_FACILITY
    topic: ClassVar[str] = requests_topic(Agency.HEALTH_FACILITY)

    nik: str = _nik()
    full_name: str = _full_name()
    date_of_birth: date


class PolriCheckRequested(AgencyCheckRequested):
    """SKCK police clearance."""

    agency: ClassVar[Agency] = Agency.POLRI
    topic: ClassVar[str] = requests_topic(Agency.POLRI)

    nik: str = _nik()
    full_name: str = _full_name()
    date_of_birth: date


class ImigrasiCheckRequested(AgencyCheckRequested):
    """Passport issued to this person (and, for refunds, the name printed in it)."""

    agency: ClassVar[Agency] = Agency.IMIGRASI
    topic: ClassVar[str] = requests_topic(Agency.IMIGRASI)

    nik: str = _nik()
    full_name: str = _full_name()
    date_of_birth: date
    passport_name: str | None = Field(
        default=None, description="Name the applicant says is printed in the passport."
    )


class Bp3miCheckRequested(AgencyCheckRequested):
    """Placement agreement, work visa, work contract, pre-departure orientation, ID PMI."""

    agency: ClassVar[Agency] = Agency.BP3MI
    topic: ClassVar[str] = requests_topic(Agency.BP3MI)

    nik: str = _nik()
    full_name: str = _full_name()
    destination_country: str = Field(pattern=r"^[A-Z]{2}$")
    job: str


class BpjsKetenagakerjaanCheckRequested(AgencyCheckRequested):
    """Active social-security membership for migrant workers."""

    agency: ClassVar[Agency] = Agency.BPJS_KETENAGAKERJAAN
    topic: ClassVar[str] = requests_topic(Agency.BPJS_KETENAGAKERJAAN)

    nik: str = _nik()
    full_name: str = _full_name()


class BankCheckRequested(AgencyCheckRequested):
    """Credit history (OJK SLIK) through the lending bank, for a KUR application."""

    owner: ClassVar[str] = "credit"
    agency: ClassVar[Agency] = Agency.BANK
    topic: ClassVar[str] = requests_topic(Agency.BANK)

    nik: str = _nik()
    full_name: str = _full_name()
    date_of_birth: date
    amount_idr: int = Field(gt=0)


class BankLoanRequested(AgencyCheckRequested):
    """A screened KUR loan referred to the partner bank, which must decide by
    `decision_due` (5 working days) and give its reasons when it rejects."""

    owner: ClassVar[str] = "credit"
    agency: ClassVar[Agency] = Agency.BANK
    topic: ClassVar[str] = requests_topic(Agency.BANK)

    nik: str = _nik()
    full_name: str = _full_name()
    date_of_birth: date
    product: Literal["placement", "micro"]
    amount_idr: int = Field(gt=0)
    tenor_months: int = Field(gt=0)
    screening: Literal["approved", "referred"] = Field(
        description="approved: meets every KUR rule; referred: the bank must judge `reasons`."
    )
    reasons: tuple[Reason, ...] = ()
    decision_due: date


class InsurerCheckRequested(AgencyCheckRequested):
    """EPS insurance held for this worker (Korean insurers / HRD Korea). No NIK: Korea
    knows the worker by the passport name and birth date."""

    owner: ClassVar[str] = "insurance"
    agency: ClassVar[Agency] = Agency.INSURER
    topic: ClassVar[str] = requests_topic(Agency.INSURER)

    passport_name: str = Field(min_length=2, max_length=120)
    date_of_birth: date
    claim_type: Literal["return_cost", "departure_guarantee", "wage_arrears_guarantee", "casualty"]
    departure_date: date


class InsurerPayoutRequested(AgencyCheckRequested):
    """Pay an accepted claim to the worker's account (holder = passport holder) by
    `payout_due` (14 days)."""

    owner: ClassVar[str] = "insurance"
    agency: ClassVar[Agency] = Agency.INSURER
    topic: ClassVar[str] = requests_topic(Agency.INSURER)

    passport_name: str = Field(min_length=2, max_length=120)
    date_of_birth: date
    claim_type: Literal["return_cost", "departure_guarantee", "wage_arrears_guarantee", "casualty"]
    amount_krw: int = Field(gt=0)
    payee_account_name: str = Field(min_length=2, max_length=120)
    payee_account_number: str | None = Field(
        default=None, description="Account to pay into. Personal data: never log it."
    )
    swift_bic: str
    payout_due: date


# --- results (agency -> Sentra) --------------------------------------------------------


class CheckOutcome(StrEnum):
    PASSED = "passed"  # the agency confirms the fact / issued the document
    FAILED = "failed"  # it does not; `reasons` say why


class AgencyCheckCompleted(Event):
    """An agency's answer to one request. Answer each request once; when the same request
    arrives again, send the same answer (same `event_id`) again.

    `failed` must say why: at least one reason, each with a code from the agency's own
    list (`AGENCY_REASON_CODES`), so that Sentra and the applicant's notice can act on it.
    `passed` carries no reasons: a reason explains a refusal, and a confirmed fact needs
    none (what an agency reports beside a pass has its own field, e.g. the bank's SLIK
    collectibility). An answer breaking either rule is refused like any schema violation.
    """

    agency: ClassVar[Agency]
    # v2: reasons became required on `failed` and restricted to the agency's codes.
    version: ClassVar[int] = 2

    request_id: uuid.UUID = Field(description="`event_id` of the request this answers.")
    outcome: CheckOutcome
    reasons: tuple[Reason, ...] = Field(
        default=(),
        description=(
            "Why the answer is `failed`: at least one, each a code from this agency's list "
            "plus the agency's own text in Bahasa Indonesia and English. Empty when `passed`."
        ),
    )
    valid_until: date | None = Field(
        default=None,
        description=(
            "Last day, inclusive, in WIB, that the confirmed document is valid (e.g. the "
            "medical certificate: issue + 3 months). Sentra refuses a passed answer whose "
            "valid_until is before the day it decides."
        ),
    )

    @classmethod
    def ce_source(cls) -> str:
        return f"/agencies/{cls.agency.value}"

    @model_validator(mode="after")
    def _reasons_say_why(self) -> AgencyCheckCompleted:
        if self.outcome is CheckOutcome.FAILED and not self.reasons:
            raise ValueError("a failed answer must give at least one reason")
        if self.outcome is CheckOutcome.PASSED and self.reasons:
            raise ValueError("a passed answer carries no reasons")
        listed = AGENCY_REASON_CODES[self.agency]
        unlisted = [reason.code for reason in self.reasons if reason.code not in listed]
        if unlisted:
            raise ValueError(
                f"reason codes not in {self.agency.value}'s list: {', '.join(unlisted)} "
                f"(listed: {', '.join(listed)})"
            )
        return self

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # The published schema says what the validator above enforces, so that an agency
        # validating its reply against the JSON Schema learns the same rules.
        schema = handler(core_schema)
        agency: Agency | None = getattr(cls, "agency", None)
        if agency is None:  # the common base, never on the wire
            return schema
        body = handler.resolve_ref_schema(schema)
        reasons = body["properties"]["reasons"]
        reasons["items"] = {
            "allOf": [
                reasons["items"],
                {"properties": {"code": {"enum": list(AGENCY_REASON_CODES[agency])}}},
            ]
        }
        body["if"] = {
            "properties": {"outcome": {"const": CheckOutcome.FAILED.value}},
            "required": ["outcome"],
        }
        body["then"] = {"required": ["reasons"], "properties": {"reasons": {"minItems": 1}}}
        body["else"] = {"properties": {"reasons": {"maxItems": 0}}}
        return schema


class DukcapilCheckCompleted(AgencyCheckCompleted):
    owner: ClassVar[str] = "agency.dukcapil"
    agency: ClassVar[Agency] = Agency.DUKCAPIL
    topic: ClassVar[str] = results_topic(Agency.DUKCAPIL)


class DisnakerCheckCompleted(AgencyCheckCompleted):
    owner: ClassVar[str] = "agency.disnaker"
    agency: ClassVar[Agency] = Agency.DISNAKER
    topic: ClassVar[str] = results_topic(Agency.DISNAKER)


class HealthFacilityCheckCompleted(AgencyCheckCompleted):
    owner: ClassVar[str] = "agency.health_facility"
    agency: ClassVar[Agency] = Agency.HEALTH_FACILITY
    topic: ClassVar[str] = results_topic(Agency.HEALTH_FACILITY)


class PolriCheckCompleted(AgencyCheckCompleted):
    owner: ClassVar[str] = "agency.polri"
    agency: ClassVar[Agency] = Agency.POLRI
    topic: ClassVar[str] = results_topic(Agency.POLRI)


class ImigrasiCheckCompleted(AgencyCheckCompleted):
    owner: ClassVar[str] = "agency.imigrasi"
    agency: ClassVar[Agency] = Agency.IMIGRASI
    topic: ClassVar[str] = results_topic(Agency.IMIGRASI)


class Bp3miCheckCompleted(AgencyCheckCompleted):
    owner: ClassVar[str] = "agency.bp3mi"
    agency: ClassVar[Agency] = Agency.BP3MI
    topic: ClassVar[str] = results_topic(Agency.BP3MI)


class BpjsKetenagakerjaanCheckCompleted(AgencyCheckCompleted):
    owner: ClassVar[str] = "agency.bpjs_ketenagakerjaan"
    agency: ClassVar[Agency] = Agency.BPJS_KETENAGAKERJAAN
    topic: ClassVar[str] = results_topic(Agency.BPJS_KETENAGAKERJAAN)


class BankCheckCompleted(AgencyCheckCompleted):
    owner: ClassVar[str] = "agency.bank"
    agency: ClassVar[Agency] = Agency.BANK
    topic: ClassVar[str] = results_topic(Agency.BANK)

    slik_collectibility: int | None = Field(
        default=None, ge=1, le=5, description="Worst SLIK collectibility, 1 (current) to 5."
    )


class InsurerCheckCompleted(AgencyCheckCompleted):
    owner: ClassVar[str] = "agency.insurer"
    agency: ClassVar[Agency] = Agency.INSURER
    topic: ClassVar[str] = results_topic(Agency.INSURER)

    amount_krw: int | None = Field(default=None, ge=0, description="Amount held for the worker.")


class BankLoanDecided(AgencyCheckCompleted):
    """passed: the loan was granted and disbursed; failed: rejected, `reasons` say why."""

    owner: ClassVar[str] = "agency.bank"
    agency: ClassVar[Agency] = Agency.BANK
    topic: ClassVar[str] = results_topic(Agency.BANK)

    disbursed_amount_idr: int | None = Field(default=None, gt=0)
    disbursed_on: date | None = None


class InsurerPayoutConfirmed(AgencyCheckCompleted):
    """passed: paid (amounts in KRW and the rupiah credited); failed: not paid, and why."""

    owner: ClassVar[str] = "agency.insurer"
    agency: ClassVar[Agency] = Agency.INSURER
    topic: ClassVar[str] = results_topic(Agency.INSURER)

    paid_krw: int | None = Field(default=None, gt=0)
    paid_idr: int | None = Field(default=None, gt=0)
    paid_on: date | None = None


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
