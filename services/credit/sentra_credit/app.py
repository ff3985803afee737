"""Wiring only: build the credit service from its settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SpanExporter
from sentra_shared.runtime import build_http_app, build_runtime

from sentra_credit.config import CreditSettings
from sentra_credit.handlers import handlers

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: CreditSettings, span_exporter: SpanExporter | None = None) -> FastAPI:
    runtime = build_runtime("credit", settings, MIGRATIONS, handlers, span_exporter)
    return build_http_app(runtime, lambda app: None)
