"""The end-to-end benchmark's load: an open-loop generator of applications and a reader
of final notifications.

Open loop: application k of a step is *scheduled* at t0 + k/rate and sent then, whether
or not earlier ones have been answered; a slow system cannot slow the offered load down,
and its queue shows in the latency, which runs from the scheduled time (not from when the
POST went out) to the arrival of the application's first final `ApplicantNotified`.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from sentra_shared.events import NOTIFICATIONS_TOPIC, ApplicantNotified
from sentra_shared.kafka_login import KafkaLogin

from sentra_local.load_counters import topic_partitions
from sentra_local.load_http import HttpError, KeepAliveClient
from sentra_local.on_kafka import assign_at_end

NOTIFIED_TYPE = ApplicantNotified.ce_type().encode()


class FinalReader:
    """Reads the notifications topic from its end (taken when started) and records when
    each application's first final notification arrived (monotonic seconds)."""

    def __init__(self, kafka: KafkaLogin) -> None:
        self._kafka = kafka
        self._consumer = AIOKafkaConsumer(**kafka.aiokafka(), group_id=None)
        self.final_at: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        admin = AIOKafkaAdminClient(**self._kafka.aiokafka())
        await admin.start()
        try:
            partitions = await topic_partitions(admin, [NOTIFICATIONS_TOPIC])
        finally:
            await admin.close()
        await self._consumer.start()
        if not partitions:
            raise RuntimeError(f"{NOTIFICATIONS_TOPIC} has no partitions (is it declared?)")
        await assign_at_end(self._consumer, partitions)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            batches = await self._consumer.getmany(timeout_ms=200, max_records=5000)
            now = time.monotonic()
            for records in batches.values():
                for record in records:
                    # The type header first: most records on the topic are not the final
                    # notice, and decoding their payloads would cost the machine we measure.
                    if ("ce_type", NOTIFIED_TYPE) not in record.headers:
                        continue
                    if record.key is None or not json.loads(record.value or b"{}").get("final"):
                        continue
                    self.final_at.setdefault(record.key.decode(), now)

    def failed(self) -> BaseException | None:
        if self._task is not None and self._task.done() and not self._task.cancelled():
            return self._task.exception()
        return None

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        await self._consumer.stop()


@dataclass
class StepRun:
    """What the generator saw during one step (monotonic seconds)."""

    rate: float
    duration: float
    began: float  # the first scheduled submit
    scheduled: list[float] = field(default_factory=list)
    ids: list[str | None] = field(default_factory=list)  # None: the POST failed
    errors: list[str] = field(default_factory=list)
    backlog: list[tuple[float, float]] = field(default_factory=list)  # (since began, backlog)
    last_scheduled: float = 0.0

    def latencies_ms(self, final_at: dict[str, float]) -> list[float]:
        """Per application of the step; infinite for one that failed or never finished."""
        return [
            (final_at[app] - at) * 1000 if app is not None and app in final_at else math.inf
            for app, at in zip(self.ids, self.scheduled, strict=True)
        ]

    def completed(self, final_at: dict[str, float]) -> int:
        return sum(1 for app in self.ids if app is not None and app in final_at)


async def run_step(
    client: KeepAliveClient,
    bodies: Sequence[bytes],
    rate: float,
    duration: float,
    reader: FinalReader,
    drain: float,
) -> StepRun:
    """Offer `bodies` (already JSON-encoded) at `rate` per second; return once every
    accepted application is final, or `drain` seconds after the last scheduled submit."""
    count = len(bodies)
    began = time.monotonic() + 0.2  # a moment to set up before the first submit is due
    run = StepRun(rate, duration, began, ids=[None] * count)
    run.scheduled = [began + k / rate for k in range(count)]
    run.last_scheduled = run.scheduled[-1] if count else began
    fired = 0
    posts: list[asyncio.Task[None]] = []

    async def post(k: int) -> None:
        try:
            answer = await client.post("/applications", bodies[k])
        except HttpError as error:
            run.errors.append(str(error))
            return
        if answer.status != 202:
            run.errors.append(f"HTTP {answer.status}: {answer.body[:200]!r}")
            return
        run.ids[k] = str(json.loads(answer.body)["application_id"])

    async def watch() -> None:
        """Once a second: the backlog sample and a progress line."""
        tick = began
        while True:
            tick += 1.0
            await asyncio.sleep(max(0.0, tick - time.monotonic()))
            done = run.completed(reader.final_at)
            since = time.monotonic() - began
            if since <= duration:
                run.backlog.append((since, float(fired - done)))
            print(
                f"    {since:5.0f}s  offered {fired:>6}  done {done:>6}  "
                f"backlog {fired - done:>6}  errors {len(run.errors)}",
                flush=True,
            )

    watcher = asyncio.create_task(watch())
    try:
        for k, at in enumerate(run.scheduled):
            delay = at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            posts.append(asyncio.create_task(post(k)))
            fired += 1
        await asyncio.gather(*posts)
        deadline = run.last_scheduled + drain
        while run.completed(reader.final_at) < count - len(run.errors):
            if (problem := reader.failed()) is not None:
                raise RuntimeError(f"the notifications reader stopped: {problem!r}")
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
    finally:
        watcher.cancel()
        for task in posts:
            task.cancel()
    return run
