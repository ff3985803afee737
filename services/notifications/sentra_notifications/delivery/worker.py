"""The delivery worker: claims due messages, sends each outside any transaction, records
the result in a new one.

  claim (lease, attempt n) -> send with the message's idempotency key -> record:
  sent -> ApplicantNotified; transient failure -> retry after a backoff; permanent
  failure or attempts used up -> failed, ApplicantNotificationFailed and a timeline row.

A crash between sending and recording leaves the row leased; after the lease it is sent
again with the same key (docs/delivery.md says what each channel makes of that). Each
channel has its own slots, so a slow gateway delays only its own messages.

Results are recorded in batches: every result that arrived while the previous
transaction ran goes into the next one (up to `RECORD_BATCH`), so a busy worker pays one
transaction for many messages. A send keeps its slot until its result is recorded. A
batch that fails for another reason than a lost database is recorded again one message
at a time, so that one bad row cannot hold back the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import asyncpg
from opentelemetry import trace
from opentelemetry.instrumentation.utils import suppress_instrumentation
from sentra_shared import clock
from sentra_shared.events import ApplicantNotificationFailed, ApplicantNotified, Channel, Event
from sentra_shared.failures import is_transient
from sentra_shared.faults import crash_point
from sentra_shared.metrics import ServiceMetrics
from sentra_shared.outbox import add_to_outbox
from sentra_shared.telemetry import context_from_traceparent, current_traceparent

from sentra_notifications import repository
from sentra_notifications.delivery import store
from sentra_notifications.delivery.store import NOTIFY_CHANNEL, Claimed
from sentra_notifications.delivery.transports import Outcome, Transport, transient
from sentra_notifications.domain import compose
from sentra_notifications.domain.delivery import backoff

log = logging.getLogger(__name__)

# Test-only crash point (sentra_shared.faults): the message went out, its result is not
# recorded yet.
AFTER_SEND_BEFORE_RECORD = "delivery_after_send_before_record"
# Results recorded in one transaction at most.
RECORD_BATCH = 200
# A sent message's result, waiting to be recorded: the message, what the transport said,
# the trace context of its sending (the events it causes continue that trace) and the
# future its sender waits on.
Result = tuple[Claimed, Outcome, str | None, asyncio.Future[None]]


def clock_span(real: timedelta) -> timedelta:
    """A real duration in the process clock's time (the demo's clock runs faster): leases
    and backoffs are about gateways and crashed processes, which live in real time."""
    return real / clock.current().real_seconds(timedelta(seconds=1))


class DeliveryWorker:
    def __init__(
        self,
        pool_of: Callable[[], asyncpg.Pool],
        transports: Mapping[Channel, Transport],
        tracer: trace.Tracer,
        *,
        max_attempts: int = 6,
        backoff_base: timedelta = timedelta(seconds=30),
        backoff_cap: timedelta = timedelta(hours=1),
        lease: timedelta = timedelta(minutes=2),
        poll_interval: float = 1.0,
        concurrency: int = 8,
        metrics: ServiceMetrics | None = None,
    ) -> None:
        self._pool_of = pool_of
        self._transports = dict(transports)
        self._tracer = tracer
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._lease = lease
        self._poll_interval = poll_interval
        self._concurrency = concurrency
        # Half the slots, so that a busy channel claims in batches rather than one row
        # (and one claim query per channel) each time a send ends.
        self._claim_at_least = max(1, concurrency // 2)
        self._metrics = metrics
        self._in_flight: dict[Channel, set[asyncio.Task[None]]] = {c: set() for c in transports}
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._listener: asyncpg.Connection | None = None
        self._results: list[Result] = []
        self._results_waiting = asyncio.Event()
        self._closing = False
        self._recorder: asyncio.Task[None] | None = None

    async def start(self) -> None:
        for channel in ("sms", "email"):
            if channel not in self._transports:
                log.warning(
                    "no %s transport configured: %s messages wait until one is", channel, channel
                )
        with suppress_instrumentation():
            listener = await self._pool_of().acquire()
            await listener.add_listener(NOTIFY_CHANNEL, self._on_notify)
        self._listener = listener
        self._recorder = asyncio.create_task(self._record_results(), name="delivery-recorder")
        self._task = asyncio.create_task(self._run(), name="delivery-worker")

    async def stop(self) -> None:
        """Claim nothing more; let the sends in flight finish and record their results."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
        pending = [task for tasks in self._in_flight.values() for task in tasks]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        self._closing = True
        self._results_waiting.set()
        if self._recorder is not None:
            await self._recorder
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.remove_listener(NOTIFY_CHANNEL, self._on_notify)
                await self._pool_of().release(self._listener)
        for transport in self._transports.values():
            await transport.close()

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.claim_and_send()
            except Exception:
                # The database is away: the rows stay, the next wake tries again.
                log.exception("delivery worker could not claim; will retry")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_interval)

    async def claim_and_send(self) -> int:
        """Claim what is due on every channel with free slots and start sending it."""
        started = 0
        now = clock.now()
        for channel, transport in self._transports.items():
            free = self._concurrency - len(self._in_flight[channel])
            if free < self._claim_at_least:
                continue  # claimed again when half the slots are free: fewer, larger claims
            with suppress_instrumentation():
                async with self._pool_of().acquire() as conn:
                    claimed = await store.claim(
                        conn, channel, free, now, now + clock_span(self._lease)
                    )
            for message in claimed:
                task = asyncio.create_task(self._deliver(transport, message))
                self._in_flight[channel].add(task)
                task.add_done_callback(self._finished(channel))
            started += len(claimed)
        return started

    def _finished(self, channel: Channel) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            self._in_flight[channel].discard(task)
            if self._concurrency - len(self._in_flight[channel]) >= self._claim_at_least:
                self._wake.set()  # enough slots are free: more may be waiting

        return done

    async def _deliver(self, transport: Transport, message: Claimed) -> None:
        parent = context_from_traceparent(message.traceparent)
        with self._tracer.start_as_current_span(f"deliver {message.channel}", context=parent):
            try:
                outcome = await transport.send(message)
            except Exception as error:  # a transport bug must not kill the worker
                log.exception("delivery %s: %s transport failed", message.id, message.channel)
                outcome = transient(type(error).__name__)
            crash_point(AFTER_SEND_BEFORE_RECORD)
            recorded: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._results.append((message, outcome, current_traceparent(), recorded))
            self._results_waiting.set()
            try:
                await recorded
            except Exception:
                # Left leased: retried (with the same key) once the lease has run out.
                log.exception("delivery %s: result not recorded", message.id)

    async def _record_results(self) -> None:
        """Record what the sends brought back, many results per transaction."""
        while True:
            await self._results_waiting.wait()
            self._results_waiting.clear()
            while self._results:
                batch = self._results[:RECORD_BATCH]
                del self._results[:RECORD_BATCH]
                await self._record_batch(batch)
            if self._closing:
                return

    async def _record_batch(self, batch: list[Result]) -> None:
        try:
            await self._record([(message, outcome, trace) for message, outcome, trace, _ in batch])
        except Exception as error:
            if len(batch) > 1 and not is_transient(error):
                for one in batch:
                    await self._record_batch([one])
                return
            for *_, recorded in batch:
                if not recorded.done():
                    recorded.set_exception(error)
            return
        for *_, recorded in batch:
            if not recorded.done():
                recorded.set_result(None)

    async def _record(self, results: list[tuple[Claimed, Outcome, str | None]]) -> None:
        now = clock.now()
        settled: list[tuple[str, Channel]] = []  # for the metrics, once committed
        async with self._pool_of().acquire() as conn, conn.transaction():
            # The sent ones in one statement: most results are.
            sent = await store.mark_all_sent(conn, [m for m, o, _ in results if o.sent], now)
            told: list[Event] = []
            traces: list[str | None] = []
            for message, outcome, trace in results:
                done: tuple[str, Event] | None
                if outcome.sent:
                    done = ("sent", _notified(message, now)) if message.id in sent else None
                else:
                    done = await self._settle(conn, message, outcome, now)
                if done is not None:
                    settled.append((done[0], message.channel))
                    told.append(done[1])
                    traces.append(trace)
            await add_to_outbox(conn, *told, traceparents=traces)
        # Counted once committed: a result lost with its transaction is sent again later.
        if self._metrics is not None:
            for how, channel in settled:
                if how == "sent":
                    self._metrics.notification_sent(channel)
                else:
                    self._metrics.notification_failed(channel)

    async def _settle(
        self, conn: asyncpg.Connection, message: Claimed, outcome: Outcome, now: datetime
    ) -> tuple[str, Event] | None:
        """Record one failed send; ("failed", the event to publish) when it settled the
        message, None when it is to be tried again or was settled before."""
        if outcome.transient and message.attempts < self._max_attempts:
            wait = backoff(message.attempts, self._backoff_base, self._backoff_cap)
            retry_at = now + clock_span(wait)
            if await store.mark_retry(conn, message, now, retry_at, outcome.error):
                log.info(
                    "delivery %s: %s attempt %d failed (%s); next in %s",
                    message.id,
                    message.channel,
                    message.attempts,
                    outcome.error,
                    wait,
                )
        elif await store.mark_failed(conn, message, now, outcome.error):
            log.warning(
                "delivery %s: %s failed after %d attempts (%s)",
                message.id,
                message.channel,
                message.attempts,
                outcome.error,
            )
            return "failed", await _tell_failure(conn, message, outcome.error, now)
        return None


def _notified(message: Claimed, now: datetime) -> ApplicantNotified:
    return ApplicantNotified(
        application_id=message.application_id,
        occurred_at=now,
        channel=message.channel,
        about=message.about,
        final=message.final,
    )


async def _tell_failure(
    conn: asyncpg.Connection, message: Claimed, error: str, now: datetime
) -> ApplicantNotificationFailed:
    """The failure on the applicant's timeline; the event, for the caller's outbox."""
    failed = ApplicantNotificationFailed(
        application_id=message.application_id,
        occurred_at=now,
        channel=message.channel,
        about=message.about,
        attempts=message.attempts,
        reason=error[:500] or "unknown",
    )
    notice = compose(failed)
    assert notice is not None  # domain.delivery always has words for a failure
    await repository.append(
        conn, message.application_id, failed.event_id, failed.ce_type(), notice, now
    )
    return failed
