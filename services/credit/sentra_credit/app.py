"""Wiring only: build the credit service from its settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SpanExporter
from sentra_shared.calendar import indonesian_calendar
from sentra_shared.deadlines import agency_terms
from sentra_shared.events import Agency, CreditAuditChainHead
from sentra_shared.runtime import build_http_app, build_runtime

from sentra_credit.config import CreditSettings
from sentra_credit.handlers import CreditHandlers

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: CreditSettings, span_exporter: SpanExporter | None = None) -> FastAPI:
    credit = CreditHandlers(calendar=indonesian_calendar(), bank_terms=agency_terms()[Agency.BANK])
    runtime = build_runtime(
        "credit",
        settings,
        MIGRATIONS,
        credit.registry(),
        span_exporter,
        on_due=credit.on_due,
        audit_head=CreditAuditChainHead,
    )
    return build_http_app(runtime, lambda app: None)
