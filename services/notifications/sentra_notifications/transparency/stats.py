"""Small-number suppression and the order statistics the dashboard publishes. Pure.

A published cell is a `Cell`: its value, or None with `suppressed` set. Counts from 1 to
4 are suppressed (a zero singles out no one); a median, p90 or share computed from fewer
than 5 items is suppressed too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 5


@dataclass(frozen=True)
class Cell:
    value: float | None
    suppressed: bool = False
    # What the page shows instead of a suppressed value: "<5" where the number itself is
    # small, a dash for a total hidden because it would give a small cell away.
    mark: str = "<5"

    @property
    def published(self) -> bool:
        return not self.suppressed


SUPPRESSED = Cell(None, suppressed=True)
HIDDEN_TOTAL = Cell(None, suppressed=True, mark="\u2013")


def count(n: int) -> Cell:
    return SUPPRESSED if 0 < n < THRESHOLD else Cell(n)


def total_of(cells: Sequence[Cell]) -> Cell:
    """A total is published only when every cell it adds up is: a published total beside
    a suppressed cell would give that cell away (total minus the others)."""
    if any(cell.suppressed for cell in cells):
        return HIDDEN_TOTAL
    return Cell(sum(cell.value or 0 for cell in cells))


def median(values: Sequence[float]) -> float:
    """The middle value; the mean of the two middle ones for an even count."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def p90(values: Sequence[float]) -> float:
    """Nearest rank: the smallest value with at least 90% of the values at or below it."""
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def measured(values: Sequence[float], statistic: str) -> Cell:
    """`statistic` ("median", "p90" or "share", the mean of 0/1 values) of `values`,
    rounded for display; suppressed under the threshold."""
    if len(values) < THRESHOLD:
        return SUPPRESSED
    if statistic == "median":
        return Cell(round(median(values), 1))
    if statistic == "p90":
        return Cell(round(p90(values), 1))
    if statistic == "share":
        return Cell(round(sum(values) / len(values), 3))
    raise ValueError(f"unknown statistic {statistic!r}")
