"""pytest plugin: a real Kafka broker and a real PostgreSQL cluster for the test session.

Loaded through the `pytest11` entry point. The session stack is fresh (own ports, own data
directory) and is stopped and removed at the end. If it cannot start, every test that
needs it fails with the reason: nothing is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TypeVar

import pytest
import uvicorn
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI
from playwright.async_api import Browser
from sentra_shared.config import default_consumer_group
from sentra_shared.contract.rules import BUILTIN_RESPONDERS_GROUP
from sentra_shared.envelope import UndecodableEvent, decode, decode_headers, encode, headers_for
from sentra_shared.events import Event
from sentra_shared.kafka_login import KafkaLogin
from sentra_shared.topics import declared_topics

from sentra_local.browser import NoBrowser, chromium
from sentra_local.kafka import KafkaNode
from sentra_local.paths import state_dir
from sentra_local.postgres import PostgresCluster, reachable_home
from sentra_local.processes import StartupError, free_port
from sentra_local.stack import SERVICES, Stack

# Tests that simulate weeks on a ManualClock, or run a fleet 50,000 times faster than real
# time, read the outboxes as the record of what each service published; the production
# retention (7 days, then published rows are purged) would remove that record mid-test.
# So the session keeps published rows for ten years unless told otherwise; a test of the
# purge passes its own `outbox_retention_s`.
TEST_OUTBOX_RETENTION_S = str(10 * 365 * 24 * 3600)


def pytest_configure(config: pytest.Config) -> None:
    for name in (*SERVICES, "agencies"):
        os.environ.setdefault(f"SENTRA_{name.upper()}_OUTBOX_RETENTION_S", TEST_OUTBOX_RETENTION_S)


@pytest.fixture(scope="session")
def local_stack() -> Iterator[Stack]:
    with fresh_stack("session") as stack:
        yield stack


@pytest.fixture
async def producer(local_stack: Stack) -> AsyncIterator[AIOKafkaProducer]:
    """A plain producer on the session broker, for tests that play another service (signed
    in as the broker's super user: what a service may write is tested elsewhere)."""
    producer = AIOKafkaProducer(**local_stack.kafka.admin.aiokafka())
    await producer.start()
    try:
        yield producer
    finally:
        await producer.stop()


async def publish(producer: AIOKafkaProducer, *events: Event) -> None:
    """Publish events as their owning service's relay would (CloudEvents headers, key)."""
    for event in events:
        headers = [(k, v.encode()) for k, v in headers_for(event).items()]
        await producer.send_and_wait(event.topic, encode(event), key=event.key, headers=headers)


async def start_at_the_end(kafka: KafkaLogin, group: str) -> None:
    """Commit `group`'s position at the end of every declared topic, so that a service
    started under that group reads only what the test produces from now on (the
    session's other tests share the topics). `kafka`: the super user's login."""
    admin = AIOKafkaAdminClient(**kafka.aiokafka())
    await admin.start()
    try:
        described = await admin.describe_topics([spec.name for spec in declared_topics()])
    finally:
        await admin.close()
    partitions = [
        TopicPartition(topic["topic"], int(p["partition"]))
        for topic in described
        for p in topic["partitions"]
    ]
    consumer = AIOKafkaConsumer(**kafka.aiokafka(), group_id=group)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.commit(dict(await consumer.end_offsets(partitions)))
    finally:
        await consumer.stop()


def group_of(process: str, name: str) -> str:
    """A consumer group of a test's own for a service (or the built-in responders) that
    the process's principal may join: its usual group, a dot, and `name`."""
    root = BUILTIN_RESPONDERS_GROUP if process == "agencies" else default_consumer_group(process)
    return f"{root}.{name}"


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Headless Debian Chromium through Playwright; fails (never skips) when missing."""
    try:
        async with chromium() as launched:
            yield launched
    except NoBrowser as error:
        pytest.fail(str(error), False)


@contextlib.contextmanager
def fresh_stack(name: str) -> Iterator[Stack]:
    """A Kafka broker and a PostgreSQL cluster of their own (own ports and directories),
    for tests that kill or restart parts of the stack; stopped and removed afterwards."""
    home = state_dir() / f"test-stack-{os.getpid()}-{name}"
    shutil.rmtree(home, ignore_errors=True)
    stack = Stack(
        kafka=KafkaNode(home / "kafka", port=free_port(), controller_port=free_port()),
        postgres=PostgresCluster(reachable_home(home / "postgres"), port=free_port()),
        database_suffix="_test",
    )
    try:
        stack.up()
    except StartupError as error:
        stack.down()
        pytest.fail(f"the test stack (Kafka + PostgreSQL) could not start:\n{error}", False)
    try:
        yield stack
    finally:
        stack.down()
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(stack.postgres.home, ignore_errors=True)


@contextlib.asynccontextmanager
async def serving(app: FastAPI, port: int | None = None) -> AsyncIterator[str]:
    """Run an app (with its lifespan: database, broker, relay) on a loopback port."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()  # surfaces the startup error
                raise RuntimeError("server stopped during startup")
            await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def wait_until(
    check: Callable[[], object], within: float = 30.0, interval: float = 0.2
) -> None:
    """Poll an async or sync check until it returns truthy; fail after `within` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(interval)


E = TypeVar("E", bound=Event)


class EventRecorder:
    """Every event on some topics, from the beginning, as the tests read them back."""

    def __init__(self, kafka: KafkaLogin, *topics: str) -> None:
        self._consumer = AIOKafkaConsumer(
            *topics, **kafka.aiokafka(), group_id=None, auto_offset_reset="earliest"
        )
        self.events: list[Event] = []
        self.headers: dict[uuid.UUID, dict[str, str]] = {}
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> EventRecorder:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def start(self) -> None:
        await self._consumer.start()
        self._task = asyncio.create_task(self._read())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.stop()

    async def _read(self) -> None:
        async for record in self._consumer:
            try:
                headers = decode_headers(record.headers)
                event = decode(headers, record.value)
            except UndecodableEvent:
                continue  # other tests put poison on shared topics on purpose
            self.headers[event.event_id] = headers
            self.events.append(event)

    def of(self, application_id: object, kind: type[E]) -> list[E]:
        return [
            e
            for e in self.events
            if isinstance(e, kind) and str(e.application_id) == str(application_id)
        ]

    async def first(self, application_id: object, kind: type[E], within: float = 30) -> E:
        await wait_until(lambda: self.of(application_id, kind), within=within)
        return self.of(application_id, kind)[0]


__all__ = ["EventRecorder", "fresh_stack", "group_of", "local_stack", "serving", "wait_until"]
