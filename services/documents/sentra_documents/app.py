"""Wiring only: build the documents service from its settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SpanExporter
from sentra_shared.runtime import build_http_app, build_runtime

from sentra_documents.api import router
from sentra_documents.auth import token_verifier
from sentra_documents.config import DocumentsSettings
from sentra_documents.handlers import handlers
from sentra_documents.review import router as review_router

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: DocumentsSettings, span_exporter: SpanExporter | None = None) -> FastAPI:
    runtime = build_runtime("documents", settings, MIGRATIONS, handlers, span_exporter)

    def configure(app: FastAPI) -> None:
        app.include_router(router)
        # Officers act on red-flag cases with a bearer token; None: no keys configured.
        app.state.officer_tokens = token_verifier(settings)
        app.include_router(review_router)

    return build_http_app(runtime, configure)
