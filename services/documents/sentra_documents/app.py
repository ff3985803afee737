"""Wiring only: build the documents service from its settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SpanExporter
from sentra_shared.events import DocumentsAuditChainHead
from sentra_shared.runtime import build_http_app, build_runtime

from sentra_documents.api import router
from sentra_documents.assessment import MatchingPolicy
from sentra_documents.auth import token_verifier
from sentra_documents.config import DocumentsSettings
from sentra_documents.handlers import documents_handlers
from sentra_documents.review import router as review_router
from sentra_documents.sealing import Sealer
from sentra_documents.timeliness import on_due

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: DocumentsSettings, span_exporter: SpanExporter | None = None) -> FastAPI:
    policy = MatchingPolicy(
        secret=settings.identifier_key.get_secret_value().encode(),
        thresholds=settings.sharing_thresholds,
    )
    # Identity numbers are sealed at rest; a keyring that cannot be read stops the start.
    sealer = Sealer.from_setting(settings.data_keys.get_secret_value())
    handlers = documents_handlers(policy, sealer)
    runtime = build_runtime(
        "documents",
        settings,
        MIGRATIONS,
        handlers,
        span_exporter,
        on_due=on_due,
        audit_head=DocumentsAuditChainHead,
    )

    def configure(app: FastAPI) -> None:
        app.state.sealer = sealer
        app.include_router(router)
        # Officers act on red-flag cases with a bearer token; None: no keys configured.
        app.state.officer_tokens = token_verifier(settings)
        app.include_router(review_router)

    return build_http_app(runtime, configure)
