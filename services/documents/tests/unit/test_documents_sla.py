from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sentra_documents.domain.sla import (
    SERVICE_LEVELS,
    Pause,
    Step,
    clock_status,
    deadline_for,
)
from sentra_shared.calendar import DayKind, WorkingDayCalendar, indonesian_calendar

WIB = timezone(timedelta(hours=7))
CALENDAR = indonesian_calendar()
NO_HOLIDAYS = WorkingDayCalendar.from_days_off(())


def at(*parts):
    return datetime(*parts, tzinfo=WIB)


def test_calendar_knows_public_holidays_and_joint_leave():
    assert not CALENDAR.is_working_day(date(2025, 5, 29))  # Ascension Day
    assert not CALENDAR.is_working_day(date(2025, 5, 30))  # joint leave (cuti bersama)
    assert not CALENDAR.is_working_day(date(2025, 8, 17))
    assert CALENDAR.is_working_day(date(2025, 5, 28))
    with_extra_day_off = indonesian_calendar(extra_days_off=[date(2025, 5, 28)])
    assert not with_extra_day_off.is_working_day(date(2025, 5, 28))
    assert CALENDAR.add_working_days(date(2025, 5, 26), 5) == date(2025, 6, 4)


def test_table_has_the_commitments_named_in_the_program():
    assert SERVICE_LEVELS[Step.PASSPORT_RECOMMENDATION].days == 1
    assert SERVICE_LEVELS[Step.PRE_DEPARTURE_ORIENTATION_SCHEDULING].days == 1
    assert SERVICE_LEVELS[Step.BANK_CREDIT_DECISION].days == 5
    assert SERVICE_LEVELS[Step.INSURER_PAYOUT].days == 14
    assert SERVICE_LEVELS[Step.INSURER_PAYOUT].day_kind is DayKind.CALENDAR
    assert all(level.source for level in SERVICE_LEVELS.values())


def test_holidays_in_the_middle_of_a_working_day_deadline():
    start = at(2025, 5, 26, 9)  # Monday; Thursday is Ascension, Friday joint leave
    assert deadline_for(Step.BANK_CREDIT_DECISION, start, CALENDAR) == at(2025, 6, 4, 9)
    assert deadline_for(Step.BANK_CREDIT_DECISION, start, NO_HOLIDAYS) == at(2025, 6, 2, 9)


def test_work_submitted_on_a_weekend_starts_counting_on_monday():
    assert deadline_for(Step.PASSPORT_RECOMMENDATION, at(2025, 6, 14, 10), CALENDAR) == at(
        2025, 6, 17, 0
    )


def test_insurer_payout_counts_calendar_days_through_holidays():
    assert deadline_for(Step.INSURER_PAYOUT, at(2025, 3, 27, 10), CALENDAR) == at(2025, 4, 10, 10)


def test_pause_while_waiting_for_the_applicant():
    start = at(2025, 6, 3, 10)
    pause = Pause(start=at(2025, 6, 3, 12), end=at(2025, 6, 3, 15))
    assert deadline_for(Step.PASSPORT_RECOMMENDATION, start, CALENDAR, [pause]) == at(
        2025, 6, 4, 13
    )
    before = clock_status(
        Step.PASSPORT_RECOMMENDATION, start, at(2025, 6, 4, 12), CALENDAR, [pause]
    )
    assert before.remaining == timedelta(hours=1) and not before.breached
    after = clock_status(
        Step.PASSPORT_RECOMMENDATION, start, at(2025, 6, 4, 13, 30), CALENDAR, [pause]
    )
    assert after.breached and after.remaining == timedelta(minutes=-30)


def test_an_open_pause_stops_the_clock():
    start = at(2025, 6, 3, 10)
    waiting = Pause(start=at(2025, 6, 3, 11))
    status = clock_status(Step.PASSPORT_RECOMMENDATION, start, at(2025, 7, 1), CALENDAR, [waiting])
    assert status.deadline is None and not status.breached
    assert status.remaining == timedelta(hours=23)


def test_calendar_without_working_days_is_refused():
    class Never(WorkingDayCalendar):
        def is_working_day(self, day):
            return False

    with pytest.raises(ValueError):
        deadline_for(Step.PASSPORT_RECOMMENDATION, at(2025, 1, 1), Never(()))


moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 6, 30)).map(
    lambda d: d.replace(tzinfo=WIB)
)


@st.composite
def pauses(draw):
    start = draw(moments)
    return Pause(
        start=start,
        end=start + draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=5))),
    )


@given(st.sampled_from(list(Step)), moments, st.lists(pauses(), max_size=3))
def test_a_deadline_is_never_earlier_than_its_start(step, start, paused):
    deadline = deadline_for(step, start, CALENDAR, paused)
    assert deadline is not None and deadline >= start
    if step is Step.INSURER_PAYOUT:
        assert deadline >= start + timedelta(days=14)


@given(st.sampled_from(list(Step)), moments, st.lists(pauses(), max_size=2), pauses())
def test_another_pause_never_brings_the_deadline_forward(step, start, paused, extra):
    assert deadline_for(step, start, CALENDAR, [*paused, extra]) >= deadline_for(
        step, start, CALENDAR, paused
    )


@given(
    st.sampled_from(list(Step)),
    moments,
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
)
def test_breached_exactly_after_the_deadline(step, start, offset):
    now = start + offset
    status = clock_status(step, start, now, CALENDAR)
    assert status.breached == (now > status.deadline)
    assert (status.remaining < timedelta(0)) <= status.breached
