"""Wiring only: build the notifications service from its settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SpanExporter
from sentra_shared.runtime import build_http_app, build_runtime

from sentra_notifications.api import router
from sentra_notifications.config import NotificationsSettings
from sentra_notifications.handlers import handlers
from sentra_notifications.transparency import router as transparency_router

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(
    settings: NotificationsSettings, span_exporter: SpanExporter | None = None
) -> FastAPI:
    runtime = build_runtime("notifications", settings, MIGRATIONS, handlers, span_exporter)

    def routes(app: FastAPI) -> None:
        app.include_router(router)
        app.include_router(transparency_router)

    return build_http_app(runtime, routes)
