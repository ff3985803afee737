"""The one place handlers read the time; domain rules take dates as arguments instead."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
