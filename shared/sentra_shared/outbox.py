"""Transactional outbox: events are written with the state change, then relayed to Kafka.

Handlers never publish. They call `add_to_outbox(conn, ...)` inside the transaction that
changes state; the relay publishes committed rows and marks them. A crash between the
publish and the mark re-publishes the row later (at-least-once); consumers are idempotent.

Several processes of one service share one outbox, and each runs a relay. One
application's events must leave in the order they were written, so only one relay
publishes at a time: each claim runs under a transaction-level advisory lock
(`pg_try_advisory_xact_lock(OUTBOX_RELAY_LOCK)`, one per database). The holder claims the
oldest unpublished rows in id order, publishes them, waits for the broker's
acknowledgements, marks them and commits, which frees the lock; the next batch (by any
relay) starts only after that. A relay that finds the lock taken does nothing this turn:
the holder was woken by the same NOTIFY and drains what is pending. When the holder dies,
PostgreSQL ends its session and the lock goes with it, so another relay takes over at its
next turn (at most a poll interval later) and re-publishes the unmarked batch from its
first row: the broker may then hold a row twice, but the first copy of each event still
comes in id order, and consumers drop the second copy (inbox). Why not the alternatives
is in docs/several-instances.md.

Ids follow the order of one application's writes. `add_to_outbox` takes a lock on each
application it writes for (a transaction-level advisory lock, `lock_applications_sql`) in
the statement that inserts, and keeps it until the writer commits: a second writer of the same
application, in any process (a handler, an officer's request, the deadline scheduler),
draws its ids only after the first one committed. So one application's rows become
visible in id order, and the relay, which publishes the oldest committed rows first,
publishes them in the order they were written. The deadline scheduler only tries the
lock (`try_hold_application`) and leaves a deadline for its next turn when a writer of
that application is at work: it holds deadline rows a handler may want to close, so it
must never wait on one. The consumer takes a batch's writer locks before it locks any row;
an HTTP request that changes an existing application does the same (`writing_for`), so
that no two writers take the two kinds of lock in opposite orders.

A published row is kept for `retention` (by default the request topics' own 7 days), then
purged: its payload may be personal data (an agency request carries the NIK) that has no
purpose here once the broker holds the event. Unpublished rows are never purged.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextvars import ContextVar
from datetime import timedelta

import asyncpg

from sentra_shared.envelope import encode, headers_for
from sentra_shared.events import Event
from sentra_shared.telemetry import current_traceparent

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "outbox"
# How long a published row is kept: as long as the request topics keep their messages.
DEFAULT_RETENTION = timedelta(days=7)
# The purge runs at most this often (on the process clock), from the relay's loop.
PURGE_EVERY = timedelta(minutes=10)
# The advisory lock of the one active relay of a database (apart from the migrator's
# and the audit chain's locks).
OUTBOX_RELAY_LOCK = 0x5E47_0B0C
# Rows deleted per statement: bounded, so a large backlog never holds a long transaction.
PURGE_BATCH = 1000
# The key space of the per-application writer locks: advisory locks on two int4 keys,
# (this class, the hash of the application id), apart from the single-key locks above.
APPLICATION_LOCK_CLASS = 0x5E48


async def try_hold_application(conn: asyncpg.Connection, application_id: uuid.UUID) -> bool:
    """Hold the application's writer lock if no one else does; never waits."""
    held: bool = await conn.fetchval(
        "SELECT pg_try_advisory_xact_lock($1, hashtext($2))",
        APPLICATION_LOCK_CLASS,
        str(application_id),
    )
    return held


def lock_applications_sql(ids: str) -> str:
    """A statement (or CTE body) that takes the writer locks of the applications in the
    uuid[] parameter `ids` (e.g. "$2"), in the order of their lock keys: every writer
    that locks more than one application takes them in that same order, so two writers
    never wait for each other in a cycle."""
    return f"""SELECT count(pg_advisory_xact_lock({APPLICATION_LOCK_CLASS}, h)) AS held
        FROM (SELECT DISTINCT hashtext(a::text) AS h FROM unnest({ids}::uuid[]) AS a
              ORDER BY h) AS keys"""


_INSERT_COLUMNS = "INSERT INTO outbox (event_id, topic, key, headers, payload, traceparent)"
_ROWS = """SELECT e, t, k, h::jsonb, p, c FROM unnest($1::uuid[], $2::text[], $3::bytea[],
               $4::text[], $5::bytea[], $6::text[]) WITH ORDINALITY AS r(e, t, k, h, p, c, n)"""
# One round trip for the rows and, when the caller does not hold them yet, the writer
# locks of their applications. The rows come out of a join with the lock's one-row
# result, so no row exists (and no id is drawn) before every lock is held.
_INSERT = f"{_INSERT_COLUMNS} {_ROWS} ORDER BY n"
_LOCK_AND_INSERT = (
    f"WITH locked AS ({lock_applications_sql('$7')}) {_INSERT_COLUMNS} {_ROWS}, locked ORDER BY n"
)

# The applications whose writer locks the current task's transaction already holds
# (the consumer takes them for a whole batch at once); `add_to_outbox` skips those.
_held: ContextVar[frozenset[uuid.UUID]] = ContextVar(
    "sentra_held_applications", default=frozenset()
)


@contextlib.contextmanager
def applications_held(application_ids: Iterable[uuid.UUID]) -> Iterator[None]:
    """Within a transaction that has just taken these applications' writer locks (with
    `lock_applications_sql`), tell `add_to_outbox` not to take them again. Only around
    that transaction, and never inside a savepoint: a rolled-back savepoint frees the
    locks taken in it."""
    token = _held.set(_held.get() | frozenset(application_ids))
    try:
        yield
    finally:
        _held.reset(token)


@contextlib.asynccontextmanager
async def writing_for(
    conn: asyncpg.Connection, application_ids: Iterable[uuid.UUID]
) -> AsyncIterator[None]:
    """Take these applications' writer locks now, before the caller locks any row of
    theirs, and keep `add_to_outbox` from taking them again. Every writer outside the
    consumer that reads rows FOR UPDATE and then writes events (an officer's decision, an
    enrolment) must start so: the consumer takes a batch's writer locks first and then
    its rows, and a writer taking the two in the other order would deadlock with it."""
    ids = list(application_ids)
    await conn.execute(lock_applications_sql("$1"), ids)
    with applications_held(ids):
        yield


class OutboxBuffer:
    """Rows added while it is active (`outbox_buffered`), written by `flush` in one
    statement, in the order they were added."""

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._traceparents: list[str | None] = []

    def add(self, events: Sequence[Event], traceparents: Sequence[str | None]) -> None:
        self._events.extend(events)
        self._traceparents.extend(traceparents)

    async def flush(self, conn: asyncpg.Connection) -> None:
        events, traceparents = self._events, self._traceparents
        self._events, self._traceparents = [], []
        await _write(conn, events, traceparents)


_buffer: ContextVar[OutboxBuffer | None] = ContextVar("sentra_outbox_buffer", default=None)


@contextlib.contextmanager
def outbox_buffered() -> Iterator[OutboxBuffer]:
    """Within one transaction, collect what `add_to_outbox` is given instead of writing
    it at once; the caller flushes the buffer before it commits (the consumer writes a
    whole batch's rows in one statement). Rows keep the order they were added in, each
    with the trace context of its caller, and their applications' writer locks are taken
    by the flush, in the statement that draws their ids: the guarantee of the module
    docstring holds. Never around savepoints that may roll back: a flushed row would
    outlive its savepoint, an unflushed one would escape the rollback's scope."""
    buffer = OutboxBuffer()
    token = _buffer.set(buffer)
    try:
        yield buffer
    finally:
        _buffer.reset(token)


async def add_to_outbox(
    conn: asyncpg.Connection, *events: Event, traceparents: Sequence[str | None] | None = None
) -> None:
    """Record events in the caller's transaction, with the caller's trace context (or,
    for a caller that records events of several traces at once, `traceparents`: one per
    event, in order).

    The caller holds each application's writer lock from here to its commit (see the
    module docstring): taken here, in one statement with the rows, unless the caller
    took it already (`applications_held`). Inside `outbox_buffered` the rows wait for
    the buffer's flush.
    """
    if not events:
        return
    if traceparents is None:
        traceparents = [current_traceparent()] * len(events)
    elif len(traceparents) != len(events):
        raise ValueError(f"{len(events)} events but {len(traceparents)} trace contexts")
    buffer = _buffer.get()
    if buffer is not None:
        buffer.add(events, traceparents)
        return
    await _write(conn, events, traceparents)


async def _write(
    conn: asyncpg.Connection, events: Sequence[Event], traceparents: Sequence[str | None]
) -> None:
    if not events:
        return
    columns = (
        [event.event_id for event in events],
        [event.topic for event in events],
        [event.key for event in events],
        [json.dumps(headers_for(event)) for event in events],
        [encode(event) for event in events],
        list(traceparents),
    )
    to_lock = {event.application_id for event in events} - _held.get()
    if to_lock:
        await conn.execute(_LOCK_AND_INSERT, *columns, list(to_lock))
    else:
        await conn.execute(_INSERT, *columns)
