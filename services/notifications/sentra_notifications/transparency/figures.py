"""The public figures, computed from the read model's rows and the time they are asked
for. Pure: no I/O, no clock (`now` is an argument), one calendar passed in.

- per party that owes answers (each agency, the bank, the insurer, the officers, the
  consultation desks; not the organisers' programme reports, see `NOT_ANSWERS`): answers
  given, the share given within the agreed time, the median and p90 answer time in hours
  (elapsed, from the request to the answer), and how many are overdue now. A wait that
  was withdrawn (the application was decided first) is not an answer.
- per regency: applications by kind and outcome, and the median number of working days
  (Indonesian calendar, in WIB) from submission to the final decision.
- red flags raised and confirmed by an officer: counts only.

Every count and statistic goes through `stats` (small numbers suppressed); totals are
published only when none of the cells they add up is suppressed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sentra_shared.calendar import WIB, WorkingDayCalendar
from sentra_shared.events import ApplicationKind

from sentra_notifications.transparency import regions
from sentra_notifications.transparency.facts import Outcome
from sentra_notifications.transparency.stats import SUPPRESSED, Cell, count, measured, total_of
from sentra_notifications.waits import Wait

K, Out = ApplicationKind, Outcome
# The outcomes each kind can end in, in the order the tables show them.
COLUMNS: tuple[tuple[ApplicationKind, Outcome], ...] = (
    (K.PLACEMENT, Out.APPROVED),
    (K.PLACEMENT, Out.REJECTED),
    (K.PLACEMENT, Out.IN_PROGRESS),
    (K.KUR_LOAN, Out.APPROVED),
    (K.KUR_LOAN, Out.REJECTED),
    (K.KUR_LOAN, Out.IN_PROGRESS),
    (K.INSURANCE_REFUND, Out.APPROVED),
    (K.INSURANCE_REFUND, Out.REFERRED),
    (K.INSURANCE_REFUND, Out.REJECTED),
    (K.INSURANCE_REFUND, Out.IN_PROGRESS),
)
KINDS: tuple[ApplicationKind, ...] = tuple(ApplicationKind)
ALL_REGENCIES = "all"


@dataclass(frozen=True)
class PublicApplication:
    """One row of the read model (`public_applications`)."""

    kind: ApplicationKind | None
    regency_code: str | None
    submitted_at: datetime | None
    outcome: Outcome | None
    decided_at: datetime | None
    flagged: bool
    confirmed: bool


@dataclass(frozen=True)
class PartyFigures:
    party: str
    answered: Cell
    on_time_share: Cell
    median_hours: Cell
    p90_hours: Cell
    overdue_now: Cell


@dataclass(frozen=True)
class RegencyFigures:
    code: str  # `ALL_REGENCIES` for the totals row
    name: str | None
    sending: bool  # one of the nine sending regencies of the Central Java program
    applications: dict[tuple[ApplicationKind, Outcome], Cell]
    by_kind: dict[ApplicationKind, Cell]
    total: Cell
    median_working_days: Cell


@dataclass(frozen=True)
class Figures:
    generated_at: datetime
    parties: list[PartyFigures]
    regencies: list[RegencyFigures]
    all_regencies: RegencyFigures
    flags_raised: Cell
    flags_confirmed: Cell


def compute(
    applications: Sequence[PublicApplication],
    waits: Sequence[Wait],
    now: datetime,
    calendar: WorkingDayCalendar,
) -> Figures:
    # An application counts from its submission: an outcome seen first waits for it.
    submitted = [a for a in applications if a.submitted_at is not None and a.kind is not None]
    rows, all_regencies = regency_figures(submitted, calendar)
    return Figures(
        generated_at=now,
        parties=party_figures(waits, now),
        regencies=rows,
        all_regencies=all_regencies,
        flags_raised=count(sum(a.flagged for a in submitted)),
        flags_confirmed=count(sum(a.confirmed for a in submitted)),
    )


# An organiser's programme report is owed from the programme's end, not asked of it: its
# "answer time" would mix weeks of training with Disnaker's or the bank's checks of a file.
# The desks' answers to consultations are answers like any other, under their own names.
NOT_ANSWERS = frozenset({"programme_report"})


def party_figures(waits: Sequence[Wait], now: datetime) -> list[PartyFigures]:
    waits = [w for w in waits if w.step not in NOT_ANSWERS]
    figures = []
    for party in sorted({w.party for w in waits}):
        mine = [w for w in waits if w.party == party]
        answered = [w for w in mine if w.answered_at is not None]
        hours = [_hours(w.answered_at - w.requested_at) for w in answered if w.answered_at]
        figures.append(
            PartyFigures(
                party=party,
                answered=count(len(answered)),
                on_time_share=measured([1.0 if w.on_time else 0.0 for w in answered], "share"),
                median_hours=measured(hours, "median"),
                p90_hours=measured(hours, "p90"),
                overdue_now=count(sum(w.overdue_at(now) for w in mine)),
            )
        )
    return figures


def regency_figures(
    submitted: Sequence[PublicApplication], calendar: WorkingDayCalendar
) -> tuple[list[RegencyFigures], RegencyFigures]:
    codes = regions.listed_order({a.regency_code for a in submitted if a.regency_code})
    rows = [
        _row(code, [a for a in submitted if a.regency_code == code], calendar) for code in codes
    ]
    # The totals row: a column total only where no regency's cell in it is suppressed.
    columns = {c: total_of([row.applications[c] for row in rows]) for c in COLUMNS}
    by_kind = {k: total_of([row.by_kind[k] for row in rows]) for k in KINDS}
    all_row = RegencyFigures(
        code=ALL_REGENCIES,
        name=None,
        sending=False,
        applications=columns,
        by_kind=by_kind,
        total=total_of([row.total for row in rows]),
        median_working_days=_median_days(submitted, calendar),
    )
    return rows, all_row


def _row(
    code: str, mine: Sequence[PublicApplication], calendar: WorkingDayCalendar
) -> RegencyFigures:
    tally = Counter((a.kind, a.outcome or Outcome.IN_PROGRESS) for a in mine)
    cells = {column: count(tally[column]) for column in COLUMNS}
    by_kind = {k: total_of([cells[c] for c in COLUMNS if c[0] is k]) for k in KINDS}
    return RegencyFigures(
        code=code,
        name=regions.regency_name(code),
        sending=code in regions.SENDING_REGENCIES,
        applications=cells,
        by_kind=by_kind,
        total=total_of(list(cells.values())),
        median_working_days=_median_days(mine, calendar),
    )


def _median_days(apps: Sequence[PublicApplication], calendar: WorkingDayCalendar) -> Cell:
    days = [
        float(working_days_between(calendar, a.submitted_at, a.decided_at))
        for a in apps
        if a.submitted_at is not None and a.decided_at is not None
    ]
    return measured(days, "median") if days else SUPPRESSED


def working_days_between(calendar: WorkingDayCalendar, start: datetime, end: datetime) -> int:
    """Working days after the day of `start` up to and including the day of `end`, both
    as local dates in WIB: a decision on the day of submission took 0 working days."""
    first, last = start.astimezone(WIB).date(), end.astimezone(WIB).date()
    days = 0
    day = first + timedelta(days=1)
    while day <= last:
        days += calendar.is_working_day(day)
        day += timedelta(days=1)
    return days


def _hours(span: timedelta) -> float:
    return span.total_seconds() / 3600
