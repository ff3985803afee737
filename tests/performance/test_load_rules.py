"""The end-to-end benchmark's pure rules: percentiles, the backlog trend and the pass
rule, the saturation search, and reading /proc/<pid>/stat."""

from __future__ import annotations

import math

import pytest
from sentra_local.load_counters import CLOCK_TICKS, ProcStat, parse_stat, tree_cpu_s
from sentra_local.load_report import (
    backlog_growing,
    next_rate,
    percentile,
    saturation,
    slope,
    step_passes,
)

LADDER = (25.0, 50.0, 100.0, 150.0, 200.0, 300.0)


def test_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile([7.0], 99) == 7
    assert percentile([3.0, 1.0, 2.0], 50) == 2  # rank ceil(1.5) = 2 of the sorted values


def test_an_unfinished_application_is_infinitely_late() -> None:
    values = [10.0] * 99 + [math.inf]
    assert percentile(values, 99) == 10  # one missing in 100 is within the 1%
    assert percentile([*values, math.inf], 99) == math.inf  # two in 101 is not
    assert percentile([], 50) != percentile([], 50)  # nan: no applications, no latency


def test_backlog_slope_and_growth() -> None:
    assert slope([(0, 0), (1, 2), (2, 4)]) == pytest.approx(2)
    assert slope([(1, 5)]) == 0
    rate, duration = 100.0, 30.0
    # Warming up, then level: the early climb is outside the second half.
    level = [(t, min(t, 5) * 20.0) for t in range(1, 31)]
    assert not backlog_growing(level, duration, rate)
    # Past saturation: 10 more each second (10% of the rate) keeps piling up.
    rising = [(t, t * 10.0) for t in range(1, 31)]
    assert backlog_growing(rising, duration, rate)
    # 4 more a second is noise below 5% of the rate.
    assert not backlog_growing([(t, t * 4.0) for t in range(1, 31)], duration, rate)


def test_pass_rule() -> None:
    assert step_passes(1999.0, 0, 100, 100, growing=False)
    assert not step_passes(2000.0, 0, 100, 100, growing=False)
    assert not step_passes(math.inf, 0, 99, 100, growing=False)
    assert not step_passes(100.0, 1, 99, 100, growing=False)
    assert not step_passes(100.0, 0, 99, 100, growing=False)
    assert not step_passes(100.0, 0, 100, 100, growing=True)


def test_search_climbs_the_ladder_until_a_rate_fails() -> None:
    assert next_rate(LADDER, []) == 25
    assert next_rate(LADDER, [(25, True), (50, True)]) == 100
    every = [(r, True) for r in LADDER]
    assert next_rate(LADDER, every) is None
    assert saturation(every) == 300


def test_search_bisects_between_the_highest_pass_and_the_lowest_fail() -> None:
    tried = [(25.0, True), (50.0, True), (100.0, True), (150.0, False)]
    assert next_rate(LADDER, tried) == 125
    tried.append((125.0, True))
    assert next_rate(LADDER, tried) == 138  # round(137.5)
    tried.append((138.0, False))
    # 125 and 138 are within 10% of each other: done.
    assert next_rate(LADDER, tried) is None
    assert saturation(tried) == 125


def test_search_bisects_at_most_four_times() -> None:
    tried = [(25.0, True), (50.0, False), (38.0, True), (44.0, False), (41.0, True)]
    assert next_rate(LADDER, tried, max_bisections=3) is None
    assert next_rate(LADDER, tried, max_bisections=4) is None  # 41..44 within 10%
    far = [(25.0, True), (300.0, False), (162.0, False), (94.0, False), (60.0, False)]
    assert next_rate(LADDER, far) == 42  # three bisections so far: one more
    assert next_rate(LADDER, [*far, (42.0, False)]) is None  # four spent, though 25..42


def test_search_below_the_first_rate() -> None:
    tried = [(25.0, False)]
    assert next_rate(LADDER, tried) == 12  # round(12.5): half way to nothing
    assert saturation(tried) is None


def test_parse_stat_with_spaces_and_parentheses_in_the_command_name() -> None:
    fields_after_comm = "S 4242 100 100 0 -1 4194560 5000 0 0 0 1234 567 89 10 20 0 8 0 999"
    line = f"4321 (python (worker) 1) {fields_after_comm}"
    stat = parse_stat(line)
    assert stat == ProcStat(ppid=4242, utime=1234, stime=567, cutime=89, cstime=10)


def test_a_process_tree_counts_live_descendants_and_ended_children() -> None:
    stats = {
        1: ProcStat(ppid=0, utime=100, stime=0, cutime=0, cstime=0),
        10: ProcStat(ppid=1, utime=10, stime=10, cutime=7, cstime=3),  # the postmaster
        11: ProcStat(ppid=10, utime=5, stime=5, cutime=0, cstime=0),  # a backend
        12: ProcStat(ppid=11, utime=1, stime=0, cutime=0, cstime=0),  # its child
        20: ProcStat(ppid=1, utime=50, stime=50, cutime=0, cstime=0),  # not in the tree
    }
    assert tree_cpu_s(10, stats) == pytest.approx((20 + 10 + 10 + 1) / CLOCK_TICKS)
    assert tree_cpu_s(99, stats) is None
