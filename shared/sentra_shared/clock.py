"""The one place handlers and schedulers read the time; domain rules take dates as arguments.

The process has one clock. It is the system clock unless something else is installed:
tests install a `ManualClock` and move it (never sleep); the demo installs a
`ScaledClock` so that deadlines measured in working days fall due within minutes. Every
process of one stack must use the same clock: event times from different services are
compared (`SENTRA_CLOCK_SPEEDUP` and `SENTRA_CLOCK_EPOCH`, read by `clock_from_env`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def real_seconds(self, span: timedelta) -> float:
        """How long, in real seconds, this clock takes to move by `span`."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def real_seconds(self, span: timedelta) -> float:
        return span.total_seconds()


class ManualClock:
    """Real time shifted by an offset that tests move forward with `advance`."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self._offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, by: timedelta) -> datetime:
        if by < timedelta(0):
            raise ValueError("time only moves forward")
        self._offset += by
        return self.now()

    def real_seconds(self, span: timedelta) -> float:
        return span.total_seconds()


class ScaledClock:
    """Time that runs `speedup` times faster than real time from `epoch` on (demo only)."""

    def __init__(self, epoch: datetime, speedup: float) -> None:
        if speedup < 1:
            raise ValueError("speedup must be at least 1")
        if epoch.tzinfo is None:
            raise ValueError("epoch must carry a time zone")
        self.epoch = epoch
        self.speedup = speedup

    def now(self) -> datetime:
        return self.epoch + (datetime.now(UTC) - self.epoch) * self.speedup

    def real_seconds(self, span: timedelta) -> float:
        return span.total_seconds() / self.speedup


def clock_from_env(environ: Mapping[str, str] = os.environ) -> Clock:
    """`SENTRA_CLOCK_SPEEDUP` (default 1: real time) from `SENTRA_CLOCK_EPOCH` (ISO 8601)."""
    text = environ.get("SENTRA_CLOCK_SPEEDUP", "1")
    try:
        speedup = float(text)
    except ValueError:
        raise ValueError(f"SENTRA_CLOCK_SPEEDUP must be a number, not {text!r}") from None
    if speedup == 1:
        return SystemClock()
    epoch_text = environ.get("SENTRA_CLOCK_EPOCH")
    if not epoch_text:
        raise ValueError("SENTRA_CLOCK_SPEEDUP needs SENTRA_CLOCK_EPOCH (an ISO 8601 time)")
    try:
        epoch = datetime.fromisoformat(epoch_text)
    except ValueError:
        raise ValueError(
            f"SENTRA_CLOCK_EPOCH must be an ISO 8601 time, not {epoch_text!r}"
        ) from None
    return ScaledClock(epoch, speedup)


_clock: Clock = SystemClock()


def now() -> datetime:
    return _clock.now()


def current() -> Clock:
    return _clock


def install(clock: Clock) -> Clock:
    """Make `clock` the process clock; returns the one it replaces."""
    global _clock
    previous, _clock = _clock, clock
    return previous


@contextmanager
def installed(clock: Clock) -> Iterator[Clock]:
    previous = install(clock)
    try:
        yield clock
    finally:
        install(previous)
