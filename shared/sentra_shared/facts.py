"""Facts more than one party relies on, stated once (the services and the built-in
agencies read them from here rather than each keeping a copy)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

# Perpres 64/2011 art. 14(5): the health and psychological certificate is valid 3 months.
MEDICAL_CERTIFICATE_VALID_MONTHS = 3


def medical_certificate_last_valid_day(issued_on: date) -> date:
    """Valid for 3 months counted from the issue day itself: the last valid day is the eve
    of the same date three months later, or the end of that month when it has no such date
    (issued 30 Nov -> valid through 28/29 Feb)."""
    month_index = issued_on.month - 1 + MEDICAL_CERTIFICATE_VALID_MONTHS
    year, month = issued_on.year + month_index // 12, month_index % 12 + 1
    days_in_month = calendar.monthrange(year, month)[1]
    if issued_on.day > days_in_month:
        return date(year, month, days_in_month)
    return date(year, month, issued_on.day) - timedelta(days=1)


def rupiah(amount: int) -> str:
    """Whole rupiah the Indonesian way: Rp 25.000.000."""
    return f"Rp {amount:,}".replace(",", ".")
