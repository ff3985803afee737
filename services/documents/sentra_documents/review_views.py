"""What the officer review endpoints show and take: cases, flags, the application without
identity numbers, shared identifiers masked, and a decision with its reason."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sentra_shared.events import ApplicationKind, ReviewDecision
from sentra_shared.reasons import Reason
from sentra_shared.regions import (
    is_program_sending_regency,
    province_name,
    regency_name,
)


class Region(BaseModel):
    """Where the applicant is registered (the NIK's regency), in words: an officer reads a
    case from outside the program's nine sending regencies differently."""

    regency_code: str
    regency: str | None
    province: str | None
    program_sending_regency: bool

    @classmethod
    def of(cls, regency_code: str) -> Region:
        return cls(
            regency_code=regency_code,
            regency=regency_name(regency_code),
            province=province_name(regency_code[:2]),
            program_sending_regency=is_program_sending_regency(regency_code),
        )


class CaseSummary(BaseModel):
    case_id: uuid.UUID
    application_id: uuid.UUID
    kind: ApplicationKind
    regency_code: str
    region: Region
    opened_at: datetime
    review_due: datetime
    flag_codes: list[str]
    overdue: bool


class SharedWith(BaseModel):
    application_id: uuid.UUID
    status: str


class SharedIdentifier(BaseModel):
    """One identifier of this application, masked, and who else presented the same one."""

    kind: str
    masked: str
    shared_with: list[SharedWith]


class ApplicationSummary(BaseModel):
    """What an officer needs to judge the flags, without identity or account numbers."""

    kind: ApplicationKind
    status: str
    regency_code: str
    region: Region
    destination_country: str | None
    job: str | None
    recruiter_licence_number: str | None


class CaseDetail(BaseModel):
    case_id: uuid.UUID
    application_id: uuid.UUID
    status: str
    opened_at: datetime
    review_due: datetime
    overdue: bool
    flags: list[Reason]
    application: ApplicationSummary
    identifiers: list[SharedIdentifier]
    officer_id: str | None
    officer_reason: str | None
    decided_at: datetime | None


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=10, max_length=2000, description="Why, in the officer's words.")


class Decided(BaseModel):
    case_id: uuid.UUID
    application_id: uuid.UUID
    decision: ReviewDecision
    officer_id: str
    decided_at: datetime
    decided_late: bool = Field(description="The review deadline had passed.")
