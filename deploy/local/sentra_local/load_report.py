"""The end-to-end benchmark's rules and tables: nearest-rank percentiles, the backlog
trend, when a step passes, which rate to try next, and the printed report. Pure: no I/O
but `print`, no clock."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

P99_LIMIT_MS = 2000.0
GROWTH_LIMIT = 0.05  # a backlog growing faster than 5% of the offered rate is growing
CLOSE_ENOUGH = 0.10  # the search stops when the pass and the fail are within 10%
MAX_BISECTIONS = 4
PROCESS_ORDER = (
    "documents",
    "credit",
    "insurance",
    "notifications",
    "empowerment",
    "agencies",
    "sinks",
    "kafka",
    "postgres",
    "loadgen",
)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p% of the values at or below it.
    An application that never finished is `math.inf`, so it counts (as infinitely late)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of y over x (0 with fewer than two distinct x)."""
    if len(points) < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    var = sum((x - mean_x) ** 2 for x, _ in points)
    if var == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / var


def backlog_growing(samples: Sequence[tuple[float, float]], duration: float, rate: float) -> bool:
    """`samples`: (seconds since the step began, submitted - completed). Growing when the
    slope over the second half of the step is above 5% of the offered rate: a queue that
    only fills while the pipeline warms up levels off, one past saturation keeps rising."""
    second_half = [(t, b) for t, b in samples if t >= duration / 2]
    return slope(second_half) > GROWTH_LIMIT * rate


def step_passes(
    p99_ms: float, post_errors: int, completed: int, offered: int, growing: bool
) -> bool:
    return p99_ms < P99_LIMIT_MS and post_errors == 0 and completed == offered and not growing


def next_rate(
    ladder: Sequence[float],
    tried: Sequence[tuple[float, bool]],
    max_bisections: int = MAX_BISECTIONS,
) -> float | None:
    """The saturation search: climb `ladder` (ascending) until a rate fails, then bisect
    between the highest pass and the lowest fail until they are within 10%, at most
    `max_bisections` more steps. `tried`: (rate, passed) in the order run. None: done."""
    failed = [rate for rate, ok in tried if not ok]
    if not failed:
        higher = [r for r in ladder if all(r > rate for rate, _ in tried)]
        return higher[0] if higher else None
    first_fail = next(i for i, (_, ok) in enumerate(tried) if not ok)
    if len(tried) - (first_fail + 1) >= max_bisections:
        return None
    high = min(failed)
    low = max((rate for rate, ok in tried if ok and rate < high), default=0.0)
    if low > 0 and high - low <= CLOSE_ENOUGH * high:
        return None
    middle = float(round((low + high) / 2))
    if not low < middle < high:
        return None
    return middle


def saturation(tried: Sequence[tuple[float, bool]]) -> float | None:
    """The highest rate that passed (None: none did)."""
    return max((rate for rate, ok in tried if ok), default=None)


def _ms(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "inf"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def _per_app(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def steps_table(steps: Sequence[Mapping[str, Any]]) -> str:
    """One row per step; fits in 100 columns."""
    header = (
        f"{'rate/s':>7} {'sent':>6} {'err':>4} {'done':>6} {'done/s':>7} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'p99 ms':>7} {'CPU ms':>7} {'PG tx':>6} {'records':>7}  result"
    )
    lines = [header, "-" * len(header)]
    for s in steps:
        lines.append(
            f"{s['rate']:>7g} {s['submitted']:>6} {s['post_errors']:>4} {s['completed']:>6} "
            f"{s['completions_per_s']:>7.1f} {_ms(s['p50_ms']):>7} {_ms(s['p95_ms']):>7} "
            f"{_ms(s['p99_ms']):>7} {_per_app(s['cpu_ms_per_app'].get('total')):>7} "
            f"{_per_app(s['pg_transactions_per_app']):>6} "
            f"{_per_app(s['kafka_records_per_app']):>7}  "
            + ("pass" if s["passed"] else "FAIL" + (" (backlog growing)" if s["growing"] else ""))
        )
    lines.append(
        "CPU ms = CPU per completed application, all processes; PG tx and records likewise."
    )
    return "\n".join(lines)


def cpu_table(steps: Sequence[Mapping[str, Any]]) -> str:
    """CPU ms per completed application, per process, per step."""
    present = PROCESS_ORDER  # n/a where not measured (a remote stack: loadgen only)
    short = {
        "notifications": "notify",
        "insurance": "insure",
        "documents": "docs",
        "empowerment": "empower",
    }
    names = [short.get(p, p) for p in present]
    header = f"{'rate/s':>7} " + " ".join(f"{n:>8}" for n in names) + f" {'total':>7}"
    lines = [header, "-" * len(header)]
    for s in steps:
        cpu = s["cpu_ms_per_app"]
        cells = " ".join(f"{_per_app(cpu.get(p)):>8}" for p in present)
        lines.append(f"{s['rate']:>7g} {cells} {_per_app(cpu.get('total')):>7}")
    return "\n".join(lines)
