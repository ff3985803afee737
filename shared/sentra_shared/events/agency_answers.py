"""The agencies' answers: one answer model per agency and exchange, on its result topic.

Version 2: a `failed` answer gives its reasons with codes from the agency's own list
(`agency_reasons.py`) and a `passed` one none; the model and its published JSON Schema
say the same.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import Field, GetJsonSchemaHandler, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from sentra_shared.events.agency_ids import Agency, results_topic
from sentra_shared.events.agency_reasons import AGENCY_REASON_CODES
from sentra_shared.events.base import Event
from sentra_shared.reasons import BilingualText, Reason

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

    @classmethod
    def listed_reasons(cls) -> Mapping[str, BilingualText]:
        """The codes a `failed` answer of this type may give: the agency's list, unless
        the exchange has its own (an organiser's participation report)."""
        return AGENCY_REASON_CODES[cls.agency]

    @model_validator(mode="after")
    def _reasons_say_why(self) -> AgencyCheckCompleted:
        if self.outcome is CheckOutcome.FAILED and not self.reasons:
            raise ValueError("a failed answer must give at least one reason")
        if self.outcome is CheckOutcome.PASSED and self.reasons:
            raise ValueError("a passed answer carries no reasons")
        listed = self.listed_reasons()
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
                {"properties": {"code": {"enum": list(cls.listed_reasons())}}},
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
