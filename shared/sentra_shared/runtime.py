"""The process around a service: database, broker, outbox relay, HTTP app and their order.

Each service's `create_app(settings)` builds one of these with its own handlers and
routes; nothing connects anywhere until the app's lifespan starts.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import asyncpg
import uvicorn
import uvloop
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from faststream.kafka import KafkaBroker
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter
from prometheus_client import CONTENT_TYPE_LATEST

from sentra_shared import clock
from sentra_shared.answers import open_count
from sentra_shared.audit_heads import AuditHeadPublisher
from sentra_shared.config import ServiceSettings, default_consumer_group
from sentra_shared.consumer import EventConsumer, EventHandlers
from sentra_shared.database import create_pool, migrate
from sentra_shared.deadlines import OnDue
from sentra_shared.events import AuditChainHead
from sentra_shared.http_errors import install_validation_errors
from sentra_shared.logs import keep_records_out_of_logs
from sentra_shared.metrics import ServiceMetrics
from sentra_shared.relay import OutboxRelay
from sentra_shared.scheduler import DeadlineScheduler
from sentra_shared.telemetry import (
    KafkaTelemetry,
    build_tracer_provider,
    instrument_asyncpg,
    records_spans,
    tracer,
)

log = logging.getLogger(__name__)


@dataclass
class ServiceRuntime:
    name: str
    settings: ServiceSettings
    migrations: Path
    tracer_provider: TracerProvider
    broker: KafkaBroker
    handlers: EventHandlers | None = None
    # What to do when one of this service's deadlines falls due (None: it owns none).
    on_due: OnDue | None = None
    # The head event of its audit chain, for a deciding service (None: it decides nothing).
    audit_head: type[AuditChainHead] | None = None
    _pool: asyncpg.Pool | None = field(default=None, init=False)
    _consumer: EventConsumer | None = field(default=None, init=False)
    _relay: OutboxRelay | None = field(default=None, init=False)
    _relay_producer: AIOKafkaProducer | None = field(default=None, init=False)
    _scheduler: DeadlineScheduler | None = field(default=None, init=False)
    _audit_heads: AuditHeadPublisher | None = field(default=None, init=False)
    # Its own registry, not the process-wide one: tests run several services in a process.
    metrics: ServiceMetrics = field(init=False)

    def __post_init__(self) -> None:
        self.metrics = ServiceMetrics(self.name)

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError(f"{self.name} is not started")
        return self._pool

    @property
    def relay(self) -> OutboxRelay:
        if self._relay is None:
            raise RuntimeError(f"{self.name} is not started")
        return self._relay

    @property
    def audit_heads(self) -> AuditHeadPublisher:
        if self._audit_heads is None:
            raise RuntimeError(f"{self.name} keeps no audit chain or is not started")
        return self._audit_heads

    @property
    def scheduler(self) -> DeadlineScheduler:
        if self._scheduler is None:
            raise RuntimeError(f"{self.name} owns no deadlines or is not started")
        return self._scheduler

    async def start(self) -> None:
        self._pool = await create_pool(self.settings.database_url)
        applied = await migrate(self._pool, self.migrations)
        if applied:
            log.info("%s: applied migrations %s", self.name, applied)
        # The broker connects its producer before the relay may publish, and subscribers
        # start consuming only once the database is ready.
        await self.broker.start()
        self._relay_producer = AIOKafkaProducer(
            **self.settings.kafka.aiokafka(),
            client_id=f"sentra-{self.name}-relay",
            enable_idempotence=True,  # implies acks=all: a published event survives a broker crash
            linger_ms=self.settings.outbox_linger_ms,
        )
        await self._relay_producer.start()
        self._relay = OutboxRelay(
            self._pool,
            self._relay_producer,
            tracer(self.tracer_provider),
            poll_interval=self.settings.outbox_poll_interval_s,
            retention=timedelta(seconds=self.settings.outbox_retention_s),
            linger=self.settings.outbox_linger_ms / 1000,
        )
        await self._relay.start()
        if self.handlers is not None:
            self._consumer = EventConsumer(
                self.handlers,
                lambda: self.pool,
                self.broker,
                tracer(self.tracer_provider),
                login=self.settings.kafka,
                group_id=self.settings.consumer_group or default_consumer_group(self.name),
                metrics=self.metrics,
                linger_ms=self.settings.consumer_linger_ms,
            )
            await self._consumer.start()
        if self.on_due is not None:
            self._scheduler = DeadlineScheduler(
                lambda: self.pool,
                self.on_due,
                tracer(self.tracer_provider),
                poll_interval=self.settings.deadline_poll_interval_s,
                metrics=self.metrics,
            )
            await self._scheduler.start()
        if self.audit_head is not None:
            self._audit_heads = AuditHeadPublisher(
                lambda: self.pool,
                self.audit_head,
                interval_s=self.settings.audit_head_interval_s,
                check_every_s=self.settings.outbox_poll_interval_s,
            )
            await self._audit_heads.start()

    async def stop(self) -> None:
        """Stop fetching and finish in-flight messages, flush the relay, then disconnect."""
        # The scheduler and the consumer first (finishing and committing what they hold),
        # the producer last: the relay still needs it for the final flush.
        # Each step is bounded: with the broker or the database gone, a flush would retry
        # forever and SIGTERM would never end the process. What a step leaves is safe: rows
        # stay in the outbox for the next start, uncommitted records are delivered again
        # and the inbox drops what was applied.
        steps = [
            ("audit chain", self._audit_heads.stop if self._audit_heads else None),
            ("deadline scheduler", self._scheduler.stop if self._scheduler else None),
            ("consumer", self._consumer.stop if self._consumer else None),
            ("outbox relay", self._relay.stop if self._relay else None),
            ("relay producer", self._relay_producer.stop if self._relay_producer else None),
            ("producer", self.broker.stop),
            ("database pool", self._pool.close if self._pool else None),
        ]
        for name, stop in steps:
            if stop is None:
                continue
            try:
                async with asyncio.timeout(self.settings.stop_step_timeout_s):
                    await stop()
            except TimeoutError:
                log.warning(
                    "%s: %s did not stop within %.0fs (broker or database unreachable?); "
                    "what it held is left for the next start",
                    self.name,
                    name,
                    self.settings.stop_step_timeout_s,
                )
            except (Exception, asyncio.CancelledError) as error:
                # aiokafka lets a CancelledError of its own tasks escape when the broker is
                # gone; only a cancellation of this task itself must go on up.
                task = asyncio.current_task()
                if isinstance(error, asyncio.CancelledError) and task and task.cancelling():
                    raise
                log.warning(
                    "%s: %s failed to stop (%s); what it held is left for the next start",
                    self.name,
                    name,
                    type(error).__name__,
                )
        if self._pool is not None:
            self._pool.terminate()  # whatever the bounded close left open
        self.tracer_provider.force_flush()

    async def scrape(self) -> bytes:
        """The Prometheus text of this process, its database and broker gauges read now."""
        await self.metrics.refresh(self._pool, self._consumer.lag if self._consumer else None)
        return self.metrics.exposition()

    async def health(self) -> dict[str, str]:
        async with self.pool.acquire() as conn:
            # Agency answers waiting for an operator: a count to watch, not an outage.
            unexpected = await open_count(conn)
        broker_ok = await self.broker.ping(timeout=2.0)
        return {
            "service": self.name,
            "database": "ok",
            "kafka": "ok" if broker_ok else "down",
            "unexpected_answers": str(unexpected),
        }


def build_runtime(
    name: str,
    settings: ServiceSettings,
    migrations: Path,
    handlers: EventHandlers | None = None,
    span_exporter: SpanExporter | None = None,
    on_due: OnDue | None = None,
    audit_head: type[AuditChainHead] | None = None,
) -> ServiceRuntime:
    keep_records_out_of_logs()
    provider = build_tracer_provider(name, span_exporter)
    if records_spans(span_exporter):
        instrument_asyncpg(provider)
    broker = KafkaBroker(
        settings.kafka_bootstrap,
        security=settings.kafka.faststream(),
        client_id=f"sentra-{name}",
        enable_idempotence=True,  # implies acks=all: a published event survives a broker crash
        # Producer spans and `traceparent` injection, with the record key as text.
        middlewares=[KafkaTelemetry(tracer_provider=provider)],
        logger=logging.getLogger(f"sentra.{name}.broker"),
    )
    return ServiceRuntime(
        name, settings, migrations, provider, broker, handlers, on_due, audit_head
    )


def build_http_app(runtime: ServiceRuntime, configure: Callable[[FastAPI], None]) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=f"Sentra {runtime.name}", lifespan=lifespan)
    install_validation_errors(app)
    app.state.runtime = runtime
    app.state.settings = runtime.settings

    @app.get("/health")
    async def health() -> JSONResponse:
        try:
            status = await runtime.health()
        except Exception as error:
            return JSONResponse({"service": runtime.name, "error": str(error)}, status_code=503)
        code = 200 if status["kafka"] == "ok" else 503
        return JSONResponse(status, status_code=code)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(await runtime.scrape(), media_type=CONTENT_TYPE_LATEST)

    configure(app)
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=runtime.tracer_provider, excluded_urls="health,metrics"
    )
    return app


class _Server(uvicorn.Server):
    """uvicorn re-raises SIGTERM after its graceful shutdown, so the process would end
    "killed by signal"; a shutdown that finished its work exits 0 instead."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in _EXIT_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


_EXIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Run one service until SIGTERM/SIGINT; the lifespan's shutdown then runs `stop()`."""
    logging.basicConfig(
        level=os.environ.get("SENTRA_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    keep_records_out_of_logs()
    # One clock per process; the demo runs every process on the same accelerated one.
    clock.install(clock.clock_from_env())
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_level="warning",
        timeout_graceful_shutdown=20,
    )
    server = _Server(config)
    # libuv's event loop: the services spend much of their time in socket reads and
    # writes (PostgreSQL, Kafka, HTTP), which it does in C (docs/performance.md).
    uvloop.run(server.serve())
    if not server.started:
        sys.exit(3)  # startup failed; uvicorn has logged why
