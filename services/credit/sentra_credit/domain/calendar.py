"""Working-day arithmetic for bank deadlines.

The credit service does not own a holiday calendar (the documents service does, and
services never import each other), so the caller passes in which dates are holidays.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

IsHoliday = Callable[[date], bool]


def is_working_day(day: date, is_holiday: IsHoliday) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def add_working_days(start: date, days: int, is_holiday: IsHoliday) -> date:
    """The `days`-th working day after `start`; the start day itself never counts."""
    if days < 0:
        raise ValueError("days must not be negative")
    current, remaining = start, days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current, is_holiday):
            remaining -= 1
    return current
