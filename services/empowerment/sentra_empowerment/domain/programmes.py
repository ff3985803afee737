"""Training and mentoring programmes, and the rule that lets a business take a seat.

A programme comes from the programmes file (see docs/empowerment.md): who organises it,
which regencies it serves, how many seats it has, its session days and the last day to
enrol. The organiser reports each participant's attendance and milestones within its
agreed terms, counted from the programme's last session day.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from sentra_shared.calendar import WIB, DayKind, WorkingDayCalendar
from sentra_shared.deadlines import Terms
from sentra_shared.events import Agency
from sentra_shared.reasons import BilingualText, Reason, ReasonCatalogue
from sentra_shared.regions import CENTRAL_JAVA, regency_name

# `["*"]` in a programme's regencies: every regency of the province.
WHOLE_PROVINCE = "*"
ProgrammeKind = Literal["training", "mentoring"]
Organiser = Literal["disnaker", "bank", "trade_office"]
ORGANISERS: Mapping[str, Agency] = {
    "disnaker": Agency.DISNAKER,
    "bank": Agency.BANK,
    "trade_office": Agency.TRADE_OFFICE,
}

ProgrammeId = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z0-9][a-z0-9-]{2,79}$")]
Title = Annotated[
    str, StringConstraints(strict=True, strip_whitespace=True, min_length=3, max_length=200)
]
Day = Annotated[date, Field(strict=True)]


class Programme(BaseModel):
    """One programme on offer, as the programmes file declares it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: ProgrammeId
    title: Title
    kind: ProgrammeKind
    organiser: Organiser
    regencies: tuple[str, ...] = Field(min_length=1)
    capacity: int = Field(strict=True, gt=0, le=10_000)
    sessions: tuple[Day, ...] = Field(min_length=1, max_length=366)
    enrolment_closes_on: Day

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if WHOLE_PROVINCE in self.regencies and len(self.regencies) > 1:
            raise ValueError('"*" (the whole province) stands alone in regencies')
        unknown = [c for c in self.regencies if c != WHOLE_PROVINCE and regency_name(c) is None]
        if unknown:
            raise ValueError(f"unknown regency codes: {', '.join(unknown)}")
        if list(self.sessions) != sorted(set(self.sessions)):
            raise ValueError("sessions must be distinct days in increasing order")
        if self.enrolment_closes_on > self.sessions[-1]:
            raise ValueError("enrolment_closes_on must not be after the last session")
        return self

    @property
    def agency(self) -> Agency:
        return ORGANISERS[self.organiser]

    @property
    def starts_on(self) -> date:
        return self.sessions[0]

    @property
    def ends_on(self) -> date:
        return self.sessions[-1]

    def serves(self, regency_code: str) -> bool:
        if self.regencies == (WHOLE_PROVINCE,):
            return regency_code.startswith(CENTRAL_JAVA) and regency_name(regency_code) is not None
        return regency_code in self.regencies


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    programmes: tuple[Programme, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        ids = [p.id for p in self.programmes]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"programme ids must be unique; repeated: {', '.join(repeated)}")
        return self


class ProgrammesFileError(ValueError):
    """What is wrong with a programmes file, one problem a line."""


def parse_programmes(data: Mapping[str, object]) -> tuple[Programme, ...]:
    """The programmes of a parsed file, or `ProgrammesFileError` naming each problem by
    its place (`programmes[2].capacity: ...`)."""
    try:
        return _File.model_validate(data).programmes
    except ValidationError as error:
        problems = []
        for e in error.errors():
            place = "".join(
                f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p))
                for i, p in enumerate(e["loc"])
            )
            problems.append(f"{place or 'file'}: {e['msg']}")
        raise ProgrammesFileError("\n".join(problems)) from None


# --- enrolment -----------------------------------------------------------------------


class Refusal(StrEnum):
    PROGRAMME_FULL = "PROGRAMME_FULL"
    ENROLMENT_CLOSED = "ENROLMENT_CLOSED"
    REGENCY_NOT_SERVED = "REGENCY_NOT_SERVED"
    ALREADY_ENROLLED = "ALREADY_ENROLLED"


REFUSALS = ReasonCatalogue(
    {
        Refusal.PROGRAMME_FULL: BilingualText(
            id="Kuota program sudah penuh ({capacity} peserta).",
            en="The programme is full ({capacity} participants).",
        ),
        Refusal.ENROLMENT_CLOSED: BilingualText(
            id="Pendaftaran program ditutup pada {closes_on}.",
            en="Enrolment in the programme closed on {closes_on}.",
        ),
        Refusal.REGENCY_NOT_SERVED: BilingualText(
            id="Program ini tidak melayani kabupaten/kota {regency_code}.",
            en="The programme does not serve regency {regency_code}.",
        ),
        Refusal.ALREADY_ENROLLED: BilingualText(
            id="Usaha ini sudah terdaftar di program ini.",
            en="The business is already enrolled in this programme.",
        ),
    }
)


def seats_left(programme: Programme, seats_taken: int) -> int:
    return max(0, programme.capacity - seats_taken)


def enrolment_refusals(
    programme: Programme,
    *,
    regency_code: str,
    on: date,
    seats_taken: int,
    already_enrolled: bool,
) -> tuple[Reason, ...]:
    """Why the business may not take a seat on day `on` (WIB); empty when it may."""
    reasons = []
    if already_enrolled:
        reasons.append(REFUSALS.reason(Refusal.ALREADY_ENROLLED))
    if on > programme.enrolment_closes_on:
        closes_on = programme.enrolment_closes_on.isoformat()
        reasons.append(REFUSALS.reason(Refusal.ENROLMENT_CLOSED, closes_on=closes_on))
    if not programme.serves(regency_code):
        reasons.append(REFUSALS.reason(Refusal.REGENCY_NOT_SERVED, regency_code=regency_code))
    if not already_enrolled and seats_left(programme, seats_taken) == 0:
        reasons.append(REFUSALS.reason(Refusal.PROGRAMME_FULL, capacity=programme.capacity))
    return tuple(reasons)


# Whoever organises, the participation report is owed within 5 working days of the
# programme's last session, and its supervisor is told 5 working days after that: an
# organiser's terms for its other answers (Disnaker's 1-day checks, the bank's SLIK) say
# nothing about a report written after a programme.
REPORT_WORKING_DAYS = 5
REPORT_TERMS_SOURCE = (
    "Program commitment: participation reports within 5 working days of a programme's end"
)


def report_terms(organiser: Terms) -> Terms:
    """The report's terms, with the organiser's own supervisor."""
    return Terms(
        days=REPORT_WORKING_DAYS,
        day_kind=DayKind.WORKING,
        escalate_after_days=REPORT_WORKING_DAYS,
        supervisor=organiser.supervisor,
        source=REPORT_TERMS_SOURCE,
    )


def report_deadline(
    programme: Programme, terms: Terms, calendar: WorkingDayCalendar
) -> tuple[datetime, datetime]:
    """When the organiser's report is overdue, and when it is escalated: its terms
    counted from the last session day (which itself never counts)."""
    last_session = datetime.combine(programme.ends_on, time(12), tzinfo=WIB)
    return terms.due_at(last_session, calendar), terms.escalate_at(last_session, calendar)
