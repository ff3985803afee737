"""When a built-in agency answers: at once, late, or never. Pure and seeded.

Real agencies are not always on time. The demo and the chaos test set a rate of late and
of missing answers so that Sentra's deadlines are exercised: a late answer comes only
after the request's deadline *and* its escalation threshold have passed (plus a margin),
so the service first reports the request overdue, then escalates it, then receives the
answer. The choice is drawn from (seed, request id), so a request answered again after a
restart gets the same timing and, from `rules.answer`, the same content.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sentra_shared.calendar import WIB, WorkingDayCalendar
from sentra_shared.deadlines import Terms
from sentra_shared.events import (
    AgencyCheckRequested,
    BankLoanRequested,
    ConsultationRequested,
    InsurerPayoutRequested,
)


class Timing(StrEnum):
    PROMPT = "prompt"
    LATE = "late"
    NEVER = "never"


# The escalation is where these two paths end, so an agency that never answers is a case
# Sentra must handle. A check, by contrast, always gets its answer in the end: playing a
# check that never comes would only leave an application waiting for ever.
MAY_NEVER_ANSWER: tuple[type[AgencyCheckRequested], ...] = (
    BankLoanRequested,
    InsurerPayoutRequested,
    ConsultationRequested,
)

# How long after the escalation threshold a late answer comes: at least an hour of process
# time, and at least a few real seconds so that a service polling its deadlines (each
# second or so, also under the demo's accelerated clock) fires overdue and escalated first.
LATE_MARGIN = timedelta(hours=1)
LATE_MARGIN_REAL_S = 3.0


@dataclass(frozen=True)
class TimingPolicy:
    late_rate: float = 0.0
    never_rate: float = 0.0
    seed: int = 2016

    def __post_init__(self) -> None:
        if not (0 <= self.late_rate <= 1 and 0 <= self.never_rate <= 1):
            raise ValueError("late_rate and never_rate are fractions between 0 and 1")
        if self.late_rate + self.never_rate > 1:
            raise ValueError("late_rate + never_rate must not exceed 1")


@dataclass(frozen=True)
class AnswerPlan:
    timing: Timing
    not_before: datetime | None  # a late answer waits until the process clock passes this
    on: date | None  # the day the answer takes effect (None: never answered)


def draw(seed: int, request_id: uuid.UUID) -> float:
    """A number in [0, 1) fixed by the seed and the request id."""
    digest = hashlib.sha256(f"{seed}:{request_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


# Sandbox conventions that steer one case's timing whatever the rates (the demo uses them
# to show every path): every request about a NIK with serial 9993 is answered late; the
# bank never decides the loan of a NIK with serial 9994; the insurer never pays into an
# account number ending in 0000; a desk never answers a question with the word UNANSWERED.
LATE_SERIAL = "9993"
BANK_SILENT_SERIAL = "9994"
INSURER_SILENT_ACCOUNT_SUFFIX = "0000"
DESK_SILENT_WORD = "UNANSWERED"


def _convention(request: AgencyCheckRequested) -> Timing | None:
    nik = str(getattr(request, "nik", ""))
    if isinstance(request, BankLoanRequested) and nik.endswith(BANK_SILENT_SERIAL):
        return Timing.NEVER
    if isinstance(request, InsurerPayoutRequested) and (
        request.payee_account_number or ""
    ).endswith(INSURER_SILENT_ACCOUNT_SUFFIX):
        return Timing.NEVER
    if isinstance(request, ConsultationRequested) and DESK_SILENT_WORD in (
        request.question.upper().split()
    ):
        return Timing.NEVER
    if nik.endswith(LATE_SERIAL):
        return Timing.LATE
    return None


def timing_of(request: AgencyCheckRequested, policy: TimingPolicy) -> Timing:
    if (steered := _convention(request)) is not None:
        return steered
    # One draw per request, cut into [never | late | prompt]: each rate holds exactly over
    # many requests of the exchanges it applies to.
    value = draw(policy.seed, request.event_id)
    never = policy.never_rate if isinstance(request, MAY_NEVER_ANSWER) else 0.0
    if value < never:
        return Timing.NEVER
    if value < never + policy.late_rate:
        return Timing.LATE
    return Timing.PROMPT


def late_margin(speedup: float) -> timedelta:
    """The margin after escalation, in process time, for a clock `speedup` times real time."""
    return max(LATE_MARGIN, timedelta(seconds=LATE_MARGIN_REAL_S * speedup))


def plan_answer(
    request: AgencyCheckRequested,
    policy: TimingPolicy,
    terms: Terms,
    calendar: WorkingDayCalendar,
    margin: timedelta = LATE_MARGIN,
) -> AnswerPlan:
    """When to answer `request`, by the agency's agreed terms counted from its time."""
    timing = timing_of(request, policy)
    if timing is Timing.NEVER:
        return AnswerPlan(timing, None, None)
    if timing is Timing.PROMPT:
        return AnswerPlan(timing, None, request.occurred_at.astimezone(WIB).date())
    not_before = terms.escalate_at(request.occurred_at, calendar) + margin
    return AnswerPlan(timing, not_before, not_before.astimezone(WIB).date())
