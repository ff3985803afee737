"""Per-agency service levels and the clocks that measure them.

A clock counts only time that belongs to the agency: working days of the one shared
calendar (`sentra_shared.calendar`: Monday-Friday minus Indonesian public holidays and
joint leave) for working-day commitments, every day for calendar-day ones, and never
the intervals during which the case waits for the applicant. Datetimes should be in WIB
(Asia/Jakarta) because holidays are local dates; naive and aware datetimes must not be
mixed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field
from sentra_shared.calendar import DayKind, WorkingDayCalendar
from sentra_shared.events.agencies import Agency  # the contract's list of agencies

MAX_DAYS_SCANNED = 3660  # guards against a calendar with no working days at all


class Step(StrEnum):
    NIK_VERIFICATION = "nik_verification"
    PASSPORT_RECOMMENDATION = "passport_recommendation"
    SKCK_POLICE_CLEARANCE = "skck_police_clearance"
    PASSPORT_ISSUANCE = "passport_issuance"
    PRE_DEPARTURE_ORIENTATION_SCHEDULING = "pre_departure_orientation_scheduling"
    BANK_CREDIT_DECISION = "bank_credit_decision"
    INSURER_PAYOUT = "insurer_payout"


class ServiceLevel(BaseModel):
    model_config = ConfigDict(frozen=True)

    agency: Agency
    step: Step
    days: int = Field(ge=0)
    day_kind: DayKind
    source: str


def _level(agency: Agency, step: Step, days: int, kind: DayKind, source: str) -> ServiceLevel:
    return ServiceLevel(agency=agency, step=step, days=days, day_kind=kind, source=source)


W, C = DayKind.WORKING, DayKind.CALENDAR
SERVICE_LEVELS: Mapping[Step, ServiceLevel] = MappingProxyType(
    {
        level.step: level
        for level in (
            _level(
                Agency.DUKCAPIL, Step.NIK_VERIFICATION, 1, W,
                "Program commitment (Dec 2016 joint commitment, one-roof service); no statutory "
                "figure found - online NIK access is near-real-time",
            ),
            _level(
                Agency.DISNAKER, Step.PASSPORT_RECOMMENDATION, 1, W,
                "Program commitment; matches published Disnaker service standards, e.g. "
                "SIPPN Kab. Ogan Ilir 'rekomendasi paspor PMI': 1 day when complete",
            ),
            _level(
                Agency.POLRI, Step.SKCK_POLICE_CLEARANCE, 1, W,
                "Perkap 18/2014 (SKCK) as applied in Polres service standards, e.g. Polres "
                "Salatiga: SKCK finished within 1 working day when complete",
            ),
            _level(
                Agency.IMIGRASI, Step.PASSPORT_ISSUANCE, 4, W,
                "Permenkumham 8/2014 art. 22(1) as amended by Permenkumham 18/2022: passport "
                "issued at most 4 working days after interview/verification",
            ),
            _level(
                Agency.BP3MI, Step.PRE_DEPARTURE_ORIENTATION_SCHEDULING, 1, W,
                "Program commitment (pre-departure orientation scheduled within 1 working day)",
            ),
            _level(
                Agency.BANK, Step.BANK_CREDIT_DECISION, 5, W,
                "Peraturan Menteri P2MI/Kepala BP2MI 18/2025 art. 14(1)(b): KUR PMI application "
                "verified within 5 working days; rejection in writing with reasons (art. 14(1)(d))",
            ),
            _level(
                Agency.INSURER, Step.INSURER_PAYOUT, 14, C,
                "Korea Act on the Employment of Foreign Workers art. 13 as amended 28 Jan 2014 "
                "(in force 29 Jul 2014): departure guarantee paid within 14 days of departure "
                "or of a claim made after departure",
            ),
        )
    }
)  # fmt: skip


class Pause(BaseModel):
    """An interval during which the case waits for the applicant; `end=None` = still waiting."""

    model_config = ConfigDict(frozen=True)

    start: datetime
    end: datetime | None = None


class ClockStatus(BaseModel):
    model_config = ConfigDict(frozen=True)

    step: Step
    deadline: datetime | None  # None while an open pause stops the clock
    remaining: timedelta  # negative once breached
    breached: bool


def deadline_for(
    step: Step,
    started_at: datetime,
    calendar: WorkingDayCalendar,
    pauses: Iterable[Pause] = (),
    levels: Mapping[Step, ServiceLevel] = SERVICE_LEVELS,
) -> datetime | None:
    level = levels[step]
    counts = _day_counter(level, calendar)
    budget = timedelta(days=level.days)
    cursor, open_from = started_at, _open_pause_start(pauses)
    if budget == timedelta(0):
        return started_at
    for _ in range(MAX_DAYS_SCANNED):
        day_end = _start_of_next_day(cursor)
        if counts(cursor.date()):
            for segment_start, segment_end in _active_segments(cursor, day_end, pauses):
                if segment_end - segment_start >= budget:
                    return segment_start + budget
                budget -= segment_end - segment_start
        if open_from is not None and day_end >= open_from:
            return None
        cursor = day_end
    raise ValueError("no counting day found within ten years; check the calendar")


def clock_status(
    step: Step,
    started_at: datetime,
    at: datetime,
    calendar: WorkingDayCalendar,
    pauses: Iterable[Pause] = (),
    levels: Mapping[Step, ServiceLevel] = SERVICE_LEVELS,
) -> ClockStatus:
    pauses = tuple(pauses)
    level = levels[step]
    used = counted_time(started_at, at, _day_counter(level, calendar), pauses)
    remaining = timedelta(days=level.days) - used
    deadline = deadline_for(step, started_at, calendar, pauses, levels)
    return ClockStatus(
        step=step,
        deadline=deadline,
        remaining=remaining,
        breached=deadline is not None and at > deadline,
    )


def counted_time(
    start: datetime, end: datetime, counts: Callable[[date], bool], pauses: Iterable[Pause] = ()
) -> timedelta:
    """Time between `start` and `end` that falls on counting days and outside pauses."""
    pauses = tuple(pauses)
    total, cursor = timedelta(0), start
    while cursor < end:
        day_end = min(_start_of_next_day(cursor), end)
        if counts(cursor.date()):
            total += sum(
                (b - a for a, b in _active_segments(cursor, day_end, pauses)), timedelta(0)
            )
        cursor = day_end
    return total


def _day_counter(level: ServiceLevel, calendar: WorkingDayCalendar) -> Callable[[date], bool]:
    if level.day_kind is DayKind.WORKING:
        return calendar.is_working_day
    return lambda _day: True


def _start_of_next_day(moment: datetime) -> datetime:
    next_day = moment.date() + timedelta(days=1)
    return datetime(next_day.year, next_day.month, next_day.day, tzinfo=moment.tzinfo)


def _open_pause_start(pauses: Iterable[Pause]) -> datetime | None:
    starts = [p.start for p in pauses if p.end is None]
    return min(starts) if starts else None


def _active_segments(
    start: datetime, end: datetime, pauses: Iterable[Pause]
) -> list[tuple[datetime, datetime]]:
    """[start, end) minus every pause interval, as ordered non-empty segments."""
    segments = [(start, end)]
    for pause in pauses:
        pause_end = (
            pause.end if pause.end is not None else datetime.max.replace(tzinfo=start.tzinfo)
        )
        remaining: list[tuple[datetime, datetime]] = []
        for a, b in segments:
            if pause_end <= a or pause.start >= b:
                remaining.append((a, b))
                continue
            if a < pause.start:
                remaining.append((a, pause.start))
            if pause_end < b:
                remaining.append((pause_end, b))
        segments = remaining
    return [(a, b) for a, b in segments if b > a]
