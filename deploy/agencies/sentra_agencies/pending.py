"""Answers held back until their time, and how far each partition may be committed.

Deferred answers live only in memory. What keeps them safe is the offset: a partition is
committed only up to its first request not yet answered, so after a crash or a rebalance
the requests from there on are read again, answered again where they were answered
(same reply id: a duplicate for Sentra) and deferred again where they were not.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, TypeVar

from sentra_shared.events import AgencyCheckRequested

P = TypeVar("P", bound=Hashable)  # a partition (aiokafka's TopicPartition)


@dataclass(frozen=True)
class Deferred(Generic[P]):
    partition: P
    offset: int
    not_before: datetime
    on: date
    request: AgencyCheckRequested
    headers: dict[str, str] = field(compare=False)


class PendingAnswers(Generic[P]):
    """At most `limit` deferred answers; past that the reader must stop fetching."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._by_partition: dict[P, dict[int, Deferred[P]]] = {}
        self._queue: list[tuple[datetime, int, P, int]] = []
        self._sequence = 0
        self._read_to: dict[P, int] = {}
        self._committed: dict[P, int] = {}

    def __len__(self) -> int:
        return sum(len(items) for items in self._by_partition.values())

    @property
    def room(self) -> int:
        return max(self.limit - len(self), 0)

    def defer(self, item: Deferred[P]) -> None:
        waiting = self._by_partition.setdefault(item.partition, {})
        if item.offset in waiting:  # the same record read twice: one answer is enough
            return
        waiting[item.offset] = item
        self._sequence += 1
        heapq.heappush(self._queue, (item.not_before, self._sequence, item.partition, item.offset))

    def read_to(self, partition: P, next_offset: int) -> None:
        """Every request of `partition` before `next_offset` is answered or deferred."""
        self._read_to[partition] = max(next_offset, self._read_to.get(partition, 0))

    def next_due(self) -> datetime | None:
        return self._queue[0][0] if self._queue else None

    def take_due(self, now: datetime) -> list[Deferred[P]]:
        """Remove and return the deferred answers due by `now`, earliest first."""
        due: list[Deferred[P]] = []
        while (head := self.next_due()) is not None and head <= now:
            _, _, partition, offset = heapq.heappop(self._queue)
            due.append(self._by_partition[partition].pop(offset))
        return due

    def commit_points(self) -> dict[P, int]:
        """For each partition read past its last commit: the offset to commit now, the
        first deferred request's, or everything read when nothing there is deferred."""
        points: dict[P, int] = {}
        for partition, read_to in self._read_to.items():
            waiting = self._by_partition.get(partition)
            point = min(waiting) if waiting else read_to
            if point > self._committed.get(partition, -1):
                points[partition] = point
        return points

    def committed(self, points: dict[P, int]) -> None:
        self._committed.update(points)

    def forget(self, partitions: Iterable[P]) -> None:
        """The partitions were revoked or rewound: their requests will be read again."""
        gone = set(partitions)
        for partition in gone:
            self._by_partition.pop(partition, None)
            self._read_to.pop(partition, None)
            self._committed.pop(partition, None)
        self._queue = [entry for entry in self._queue if entry[2] not in gone]
        heapq.heapify(self._queue)
