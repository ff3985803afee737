"""What one benchmark step cost: CPU per process (from /proc), PostgreSQL transactions
(pg_stat_database) and Kafka records (end offsets); and whether the system has settled
(every consumer group caught up, every outbox drained) before the next step starts.

The bench's own reads must not be counted as the system's work: the settle check keeps
its connections open and counts the transactions it makes in the sentra databases, so
they can be taken off; the statistics are read from the `postgres` database.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sentra_shared.kafka_login import KafkaLogin
from sentra_shared.topics import declared_agencies, declared_topics

from sentra_local.on_kafka import AGENCIES_GROUP, CONSUMED_TOPICS

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PG_TRANSACTIONS = (
    "SELECT coalesce(sum(xact_commit + xact_rollback), 0)::bigint AS n "
    "FROM pg_stat_database WHERE datname LIKE 'sentra\\_%'"
)


@dataclass(frozen=True)
class ProcStat:
    """The fields of /proc/<pid>/stat the benchmark reads (times in clock ticks)."""

    ppid: int
    utime: int
    stime: int
    cutime: int
    cstime: int


def parse_stat(line: str) -> ProcStat:
    """Parse a /proc/<pid>/stat line. The command name (field 2) sits in parentheses and
    may itself hold spaces and parentheses, so the fields are counted from the last ')'."""
    rest = line[line.rindex(")") + 2 :].split()
    # rest[0] is field 3 (state): field n is rest[n - 3].
    return ProcStat(
        ppid=int(rest[1]),
        utime=int(rest[11]),
        stime=int(rest[12]),
        cutime=int(rest[13]),
        cstime=int(rest[14]),
    )


def read_stat(pid: int) -> ProcStat | None:
    try:
        return parse_stat(Path(f"/proc/{pid}/stat").read_text())
    except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
        return None


def process_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system, all threads) a live process has used so far."""
    stat = read_stat(pid)
    return None if stat is None else (stat.utime + stat.stime) / CLOCK_TICKS


def tree_cpu_s(root: int, stats: Mapping[int, ProcStat] | None = None) -> float | None:
    """CPU seconds of a process, of every live descendant, and of the children that
    ended and were waited for (its cutime + cstime): a PostgreSQL server's backends come
    and go, and each one's time must land somewhere."""
    stats = stats if stats is not None else _all_stats()
    if root not in stats:
        return None
    children: dict[int, list[int]] = {}
    for pid, stat in stats.items():
        children.setdefault(stat.ppid, []).append(pid)
    top = stats[root]
    ticks = top.cutime + top.cstime
    todo = [root]
    while todo:
        pid = todo.pop()
        ticks += stats[pid].utime + stats[pid].stime
        todo += children.get(pid, [])
    return ticks / CLOCK_TICKS


def _all_stats() -> dict[int, ProcStat]:
    stats: dict[int, ProcStat] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := read_stat(int(entry))) is not None:
            stats[int(entry)] = stat
    return stats


def postmaster_pid(data_dir: Path) -> int | None:
    try:
        return int(Path(data_dir, "postmaster.pid").read_text().splitlines()[0])
    except (FileNotFoundError, PermissionError, ValueError, IndexError):
        return None


def cpu_snapshot(pids: Mapping[str, int | None], postgres: int | None) -> dict[str, float]:
    """CPU seconds so far per label; `postgres`: the postmaster, counted with its tree."""
    stats = _all_stats()
    snapshot: dict[str, float] = {}
    for label, pid in pids.items():
        if pid is not None and pid in stats:
            snapshot[label] = (stats[pid].utime + stats[pid].stime) / CLOCK_TICKS
    if postgres is not None and (seconds := tree_cpu_s(postgres, stats)) is not None:
        snapshot["postgres"] = seconds
    return snapshot


async def topic_partitions(admin: AIOKafkaAdminClient, topics: list[str]) -> list[TopicPartition]:
    """Every partition of these topics, as the broker describes them now."""
    described = await admin.describe_topics(topics)
    return [
        TopicPartition(topic["topic"], int(p["partition"]))
        for topic in described
        for p in topic["partitions"]
    ]


class Observer:
    """Long-lived connections for the counters and the settle check of every step."""

    def __init__(
        self,
        kafka: KafkaLogin,
        postgres_dsn: str | None,
        service_dsns: Mapping[str, str] | None = None,
    ) -> None:
        """`postgres_dsn`: any database of the cluster, for pg_stat_database (None: no
        transactions column). `service_dsns`: each service's database, to check that its
        outbox is drained (None: a remote stack; only final notifications are awaited)."""
        self.kafka = kafka
        self.postgres_dsn = postgres_dsn
        self.service_dsns = dict(service_dsns or {})
        self.own_transactions = 0  # the settle check's reads in the sentra databases
        self._admin = AIOKafkaAdminClient(**kafka.aiokafka())
        self._reader = AIOKafkaConsumer(**kafka.aiokafka(), group_id=None)
        self._stats: asyncpg.Connection | None = None
        self._outboxes: dict[str, asyncpg.Connection] = {}
        self._partitions: list[TopicPartition] | None = None

    async def start(self) -> None:
        await self._admin.start()
        await self._reader.start()
        if self.postgres_dsn is not None:
            self._stats = await asyncpg.connect(self.postgres_dsn)
        for service, dsn in self.service_dsns.items():
            self._outboxes[service] = await asyncpg.connect(dsn)

    async def stop(self) -> None:
        for conn in [*self._outboxes.values(), *([self._stats] if self._stats else [])]:
            await conn.close()
        await self._reader.stop()
        await self._admin.close()

    async def pg_transactions(self) -> int | None:
        """Committed + rolled back transactions so far in the sentra databases, less the
        ones this observer made there."""
        if self._stats is None:
            return None
        # A new snapshot of the statistics for each read, not the one cached in this
        # connection's first read of the view (stats_fetch_consistency).
        await self._stats.execute("SELECT pg_stat_clear_snapshot()")
        total = int(await self._stats.fetchval(PG_TRANSACTIONS))
        return total - self.own_transactions

    async def kafka_records(self) -> int | None:
        """Records on every topic but the broker's internal ones, counted by end offsets.
        None when this login may not see every declared topic (a reader's login on a
        remote stack): a partial count would understate the column."""
        topics = [t for t in await self._admin.list_topics() if not t.startswith("__")]
        if {spec.name for spec in declared_topics()} - set(topics):
            return None
        ends = await self._reader.end_offsets(await topic_partitions(self._admin, topics))
        return int(sum(ends.values()))

    async def lag(self) -> dict[str, int]:
        """Per group (the five services, the built-in agency responders): records it has
        yet to commit, over the topics it reads."""
        groups = {f"sentra-{service}": topics for service, topics in CONSUMED_TOPICS.items()}
        groups[AGENCIES_GROUP] = [spec.requests_topic for spec in declared_agencies().values()]
        if self._partitions is None:
            every = sorted({t for topics in groups.values() for t in topics})
            self._partitions = await topic_partitions(self._admin, every)
        lag: dict[str, int] = {}
        for group, topics in groups.items():
            committed = await self._admin.list_consumer_group_offsets(group)
            partitions = [tp for tp in self._partitions if tp.topic in topics]
            ends = await self._reader.end_offsets(partitions)
            lag[group] = sum(
                ends[tp] - (committed[tp].offset if tp in committed else 0) for tp in partitions
            )
        return lag

    async def outbox_pending(self) -> int:
        total = 0
        for conn in self._outboxes.values():
            total += int(
                await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            )
            self.own_transactions += 1
        return total

    async def settled(self) -> tuple[bool, str]:
        """Every group caught up and every outbox drained; else what is still pending."""
        if not self.service_dsns:
            return True, ""
        lag = await self.lag()
        pending = await self.outbox_pending()
        busy = {group: n for group, n in lag.items() if n}
        if pending or busy:
            return False, f"{pending} outbox rows unpublished, lag {busy}"
        return True, ""
