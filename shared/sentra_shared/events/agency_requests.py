"""The checks Sentra asks of the agencies: one request model per agency and exchange.

A request carries only what that agency needs for its check. Personal data: most
agencies can only find the worker in their own registry by the NIK, so those requests
carry it (and the name and birth date where the registry needs them to confirm a match).
Readers must keep these fields out of logs, span attributes and metric labels, and must
not keep them beyond what the check requires.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar, Literal

from pydantic import Field

from sentra_shared.events.agency_ids import Agency, requests_topic
from sentra_shared.events.base import Event
from sentra_shared.reasons import Reason


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
    borrower_role: Literal["worker", "family", "returnee"] = Field(
        default="worker",
        description="worker: a placement loan; family: a family member of a worker abroad "
        "(`worker_ref` names the worker); returnee: a returned worker's business.",
    )
    scheme: Literal["kur", "regional"] = Field(
        default="kur",
        description="kur: KUR; regional: the regional development bank's programme for "
        "returnees and families.",
    )
    worker_ref: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{32}$",
        description="A family member's loan: the worker's pseudonym (never the NIK).",
    )


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
