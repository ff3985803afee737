"""The one working-day calendar every service counts deadlines with.

Working days are Monday to Friday minus Indonesian public holidays *and* the joint leave
days (cuti bersama, set yearly by a joint ministerial decree), which close government
offices and banks too. Both come from the maintained `holidays` package (categories
`public` and `government`), computed per year on first use. Dates are local to WIB
(Asia/Jakarta): a holiday is a local date, so a deadline ends at local midnight.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import holidays

WIB = ZoneInfo("Asia/Jakarta")
HOLIDAY_SOURCE = (
    "holidays package, Indonesia: public holidays (Keppres / SKB) and joint leave "
    "(cuti bersama, SKB 3 Menteri), categories 'public' and 'government'"
)


class DayKind(StrEnum):
    WORKING = "working"
    CALENDAR = "calendar"


class WorkingDayCalendar:
    """Which dates are working days. Pure once built: lookups compute a year at most once."""

    def __init__(self, is_day_off: Callable[[date], bool]) -> None:
        self._is_day_off = is_day_off

    @classmethod
    def from_days_off(cls, days_off: Iterable[date]) -> WorkingDayCalendar:
        frozen = frozenset(days_off)
        return cls(frozen.__contains__)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and not self._is_day_off(day)

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (`start` itself never counts)."""
        if days < 0:
            raise ValueError("days must not be negative")
        current, remaining = start, days
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def last_day(self, start: date, days: int, kind: DayKind) -> date:
        """The last day of a period of `days` working or calendar days after `start`."""
        if kind is DayKind.WORKING:
            return self.add_working_days(start, days)
        return start + timedelta(days=days)

    def due_at(self, requested_at: datetime, days: int, kind: DayKind) -> datetime:
        """When a request made at `requested_at` with `days` to answer becomes overdue: the
        end (local midnight, WIB) of its last day. The request's own day never counts."""
        if requested_at.tzinfo is None:
            raise ValueError("requested_at must carry a time zone")
        last = self.last_day(requested_at.astimezone(WIB).date(), days, kind)
        return datetime.combine(last + timedelta(days=1), time(0), tzinfo=WIB)


def indonesian_calendar(extra_days_off: Iterable[date] = ()) -> WorkingDayCalendar:
    days_off = holidays.country_holidays("ID", categories=("public", "government"))
    extra = frozenset(extra_days_off)
    return WorkingDayCalendar(lambda day: day in extra or day in days_off)
