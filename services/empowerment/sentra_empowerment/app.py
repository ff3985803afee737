"""Wiring only: build the empowerment service from its settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SpanExporter
from sentra_shared.calendar import indonesian_calendar
from sentra_shared.deadlines import agency_terms
from sentra_shared.events import EmpowermentAuditChainHead
from sentra_shared.runtime import build_http_app, build_runtime

from sentra_empowerment import api, catalogue, consultation_api
from sentra_empowerment.config import EmpowermentSettings
from sentra_empowerment.consultations import ConsultationHandlers
from sentra_empowerment.handlers import empowerment_handlers, on_due_by_step
from sentra_empowerment.programmes import ProgrammeHandlers, load_programmes

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: EmpowermentSettings, span_exporter: SpanExporter | None = None) -> FastAPI:
    calendar, terms = indonesian_calendar(), agency_terms()
    # A programmes file that cannot be read stops the start, with the file and the line.
    offered = load_programmes(settings.programmes_file)
    programmes = ProgrammeHandlers(calendar=calendar, terms=terms)
    consultations = ConsultationHandlers(calendar=calendar, terms=terms)
    runtime = build_runtime(
        "empowerment",
        settings,
        MIGRATIONS,
        empowerment_handlers(programmes, consultations),
        span_exporter,
        on_due=on_due_by_step(programmes, consultations),
        audit_head=EmpowermentAuditChainHead,
    )

    def configure(app: FastAPI) -> None:
        app.state.programmes = offered
        app.state.programme_handlers = programmes
        app.state.consultation_handlers = consultations
        app.include_router(api.router)
        app.include_router(catalogue.router)
        app.include_router(consultation_api.router)

    return build_http_app(runtime, configure)
