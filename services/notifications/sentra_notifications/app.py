"""Wiring only: build the notifications service from its settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SpanExporter
from sentra_shared.runtime import build_http_app, build_runtime
from sentra_shared.telemetry import tracer

from sentra_notifications.api import router
from sentra_notifications.config import NotificationsSettings
from sentra_notifications.delivery import worker_from
from sentra_notifications.handlers import handlers
from sentra_notifications.status import StatusSettings, status_router
from sentra_notifications.transparency import router as transparency_router

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(
    settings: NotificationsSettings, span_exporter: SpanExporter | None = None
) -> FastAPI:
    runtime = build_runtime("notifications", settings, MIGRATIONS, handlers, span_exporter)

    def routes(app: FastAPI) -> None:
        app.include_router(router)
        app.include_router(status_router(StatusSettings()))
        app.include_router(transparency_router)

    app = build_http_app(runtime, routes)
    worker = worker_from(
        settings, lambda: runtime.pool, tracer(runtime.tracer_provider), runtime.metrics
    )
    app.state.delivery = worker
    runtime_lifespan = app.router.lifespan_context

    # The delivery worker runs inside the runtime's lifespan: it starts once the database
    # is migrated and stops (finishing its sends) before the pool and the relay close.
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime_lifespan(app):
            await worker.start()
            try:
                yield
            finally:
                await worker.stop()

    app.router.lifespan_context = lifespan
    return app
