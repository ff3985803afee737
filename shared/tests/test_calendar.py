"""The one working-day calendar: weekends, public holidays and joint leave, in WIB."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sentra_shared.calendar import WIB, DayKind, WorkingDayCalendar, indonesian_calendar
from sentra_shared.facts import medical_certificate_last_valid_day, rupiah

CALENDAR = indonesian_calendar()


def test_weekends_public_holidays_and_joint_leave_are_days_off() -> None:
    assert not CALENDAR.is_working_day(date(2026, 11, 28))  # Saturday
    assert not CALENDAR.is_working_day(date(2026, 8, 17))  # Independence Day
    # Joint leave (cuti bersama) around Eid al-Fitr 2026 closes offices too.
    assert not CALENDAR.is_working_day(date(2026, 3, 20))
    assert not CALENDAR.is_working_day(date(2026, 3, 23))
    assert not CALENDAR.is_working_day(date(2026, 12, 24))  # Christmas joint leave
    assert CALENDAR.is_working_day(date(2026, 11, 25))  # an ordinary Wednesday


def test_working_days_skip_the_eid_break() -> None:
    # Requested Tuesday 17 Mar 2026: 18 (joint leave), 19 (Nyepi), 20 (joint leave),
    # 21-22 (weekend + Eid), 23-24 (joint leave) are all off; the first working day after
    # is Wednesday 25 March, and five working days end on Tuesday 31 March.
    assert CALENDAR.add_working_days(date(2026, 3, 17), 1) == date(2026, 3, 25)
    assert CALENDAR.add_working_days(date(2026, 3, 17), 5) == date(2026, 3, 31)


def test_a_deadline_ends_at_local_midnight_after_its_last_day() -> None:
    # Asked Friday 27 Nov 2026 at 16:00 WIB, 1 working day -> due at the end of Monday 30.
    asked = datetime(2026, 11, 27, 16, 0, tzinfo=WIB)
    due = CALENDAR.due_at(asked, 1, DayKind.WORKING)
    assert due == datetime(2026, 12, 1, 0, 0, tzinfo=WIB)
    # Calendar days count weekends: 14 days from 27 Nov ends with 11 Dec.
    assert CALENDAR.due_at(asked, 14, DayKind.CALENDAR) == datetime(2026, 12, 12, tzinfo=WIB)


def test_the_local_date_decides_not_the_utc_date() -> None:
    # 18:00 UTC on Thursday is already Friday 01:00 in Jakarta.
    asked = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)
    assert CALENDAR.due_at(asked, 1, DayKind.WORKING) == datetime(2026, 12, 1, tzinfo=WIB)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        CALENDAR.due_at(datetime(2026, 11, 27, 9, 0), 1, DayKind.WORKING)


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)), st.integers(0, 30))
def test_working_days_land_on_working_days_and_count_exactly(start: date, days: int) -> None:
    end = CALENDAR.add_working_days(start, days)
    counted = sum(
        CALENDAR.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1)
    )
    assert counted == days
    if days:
        assert CALENDAR.is_working_day(end)


def test_a_calendar_from_a_list_of_days_off() -> None:
    calendar = WorkingDayCalendar.from_days_off([date(2026, 11, 26)])
    assert calendar.add_working_days(date(2026, 11, 25), 1) == date(2026, 11, 27)


def test_shared_facts() -> None:
    assert medical_certificate_last_valid_day(date(2026, 1, 15)) == date(2026, 4, 14)
    assert medical_certificate_last_valid_day(date(2025, 11, 30)) == date(2026, 2, 28)
    assert rupiah(25_000_000) == "Rp 25.000.000"
