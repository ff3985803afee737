"""The process clock: real, moved by hand in tests, or accelerated for the demo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sentra_shared import clock
from sentra_shared.clock import ManualClock, ScaledClock, SystemClock, clock_from_env


def test_a_manual_clock_moves_only_forward_and_only_when_told() -> None:
    manual = ManualClock()
    before = manual.now()
    moved = manual.advance(timedelta(days=3))
    assert moved - before >= timedelta(days=3)
    with pytest.raises(ValueError, match="forward"):
        manual.advance(timedelta(seconds=-1))


def test_the_installed_clock_is_what_handlers_read_and_is_restored() -> None:
    manual = ManualClock(timedelta(days=10))
    with clock.installed(manual):
        assert clock.now() - datetime.now(UTC) > timedelta(days=9)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_a_scaled_clock_runs_faster_from_its_epoch() -> None:
    epoch = datetime.now(UTC) - timedelta(seconds=2)
    scaled = ScaledClock(epoch, 50_000)
    assert scaled.now() - epoch >= timedelta(days=1)  # 2 s x 50,000 = 27 hours
    assert scaled.real_seconds(timedelta(days=1)) == pytest.approx(86_400 / 50_000)


def test_the_environment_chooses_the_clock_and_says_what_is_wrong() -> None:
    assert isinstance(clock_from_env({}), SystemClock)
    epoch = "2026-11-25T20:00:00+00:00"
    scaled = clock_from_env({"SENTRA_CLOCK_SPEEDUP": "20000", "SENTRA_CLOCK_EPOCH": epoch})
    assert isinstance(scaled, ScaledClock) and scaled.speedup == 20_000
    with pytest.raises(ValueError, match="SENTRA_CLOCK_SPEEDUP must be a number"):
        clock_from_env({"SENTRA_CLOCK_SPEEDUP": "fast"})
    with pytest.raises(ValueError, match="needs SENTRA_CLOCK_EPOCH"):
        clock_from_env({"SENTRA_CLOCK_SPEEDUP": "10"})
    with pytest.raises(ValueError, match="SENTRA_CLOCK_EPOCH must be an ISO 8601"):
        clock_from_env({"SENTRA_CLOCK_SPEEDUP": "10", "SENTRA_CLOCK_EPOCH": "yesterday"})
    with pytest.raises(ValueError, match="time zone"):
        clock_from_env({"SENTRA_CLOCK_SPEEDUP": "10", "SENTRA_CLOCK_EPOCH": "2026-11-25T20:00"})
    with pytest.raises(ValueError, match="at least 1"):
        clock_from_env({"SENTRA_CLOCK_SPEEDUP": "0.5", "SENTRA_CLOCK_EPOCH": epoch})
