"""Wiring only: the built-in agency responders as one process with a health endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sentra_shared.events import Agency

from sentra_agencies.kit import Responder
from sentra_agencies.rules import answer


class AgenciesSettings(BaseSettings):
    """`SENTRA_KAFKA_BOOTSTRAP`, `SENTRA_AGENCIES_HTTP_PORT`, `SENTRA_AGENCIES_ONLY`, ..."""

    model_config = SettingsConfigDict(env_prefix="SENTRA_AGENCIES_", frozen=True)

    kafka_bootstrap: str = Field(
        default="127.0.0.1:19092",
        validation_alias=AliasChoices("SENTRA_KAFKA_BOOTSTRAP", "kafka_bootstrap"),
    )
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8005, ge=0, le=65535)
    # The agencies played here; a real agency's consumer replaces one by leaving it out.
    only: tuple[Agency, ...] = tuple(Agency)
    group_id: str = "sentra-builtin-agencies"


def create_app(settings: AgenciesSettings) -> FastAPI:
    responder = Responder(settings.kafka_bootstrap, settings.only, answer, settings.group_id)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await responder.start()
        try:
            yield
        finally:
            await responder.stop()

    app = FastAPI(title="Sentra built-in agencies", lifespan=lifespan)

    @app.get("/health")
    async def health() -> JSONResponse:
        # Unhealthy when the answering loop has stopped, so an orchestrator restarts us.
        body = {
            "service": "agencies",
            "agencies": [a.value for a in settings.only],
            "answering": responder.running,
        }
        return JSONResponse(body, status_code=200 if responder.running else 503)

    return app
