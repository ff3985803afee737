"""Wiring only: build the insurance service from its settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SpanExporter
from sentra_shared.calendar import indonesian_calendar
from sentra_shared.deadlines import agency_terms
from sentra_shared.events import Agency, InsuranceAuditChainHead
from sentra_shared.runtime import build_http_app, build_runtime

from sentra_insurance.config import InsuranceSettings
from sentra_insurance.domain.eps import ExchangeRate
from sentra_insurance.handlers import Insurer, build_handlers
from sentra_insurance.overdue import on_due

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: InsuranceSettings, span_exporter: SpanExporter | None = None) -> FastAPI:
    rate = ExchangeRate(
        idr_per_krw=settings.idr_per_krw,
        as_of=settings.idr_per_krw_as_of,
        source=settings.idr_per_krw_source,
    )
    insurer = Insurer(terms=agency_terms()[Agency.INSURER], calendar=indonesian_calendar())
    runtime = build_runtime(
        "insurance",
        settings,
        MIGRATIONS,
        build_handlers(rate, insurer),
        span_exporter,
        on_due=on_due,
        audit_head=InsuranceAuditChainHead,
    )
    return build_http_app(runtime, lambda app: None)
