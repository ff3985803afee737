"""Wiring only: the built-in agency responders as one process with a health endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sentra_shared import clock
from sentra_shared.calendar import indonesian_calendar
from sentra_shared.deadlines import agency_terms
from sentra_shared.events import Agency, AgencyCheckRequested
from sentra_shared.kafka_login import KafkaLogin

from sentra_agencies.kit import Responder
from sentra_agencies.rules import answer
from sentra_agencies.timing import AnswerPlan, TimingPolicy, late_margin, plan_answer


class AgenciesSettings(BaseSettings):
    """`SENTRA_KAFKA_BOOTSTRAP`, `SENTRA_AGENCIES_KAFKA_USERNAME` / `_PASSWORD`,
    `SENTRA_AGENCIES_HTTP_PORT`, `SENTRA_AGENCIES_ONLY`, ..."""

    model_config = SettingsConfigDict(env_prefix="SENTRA_AGENCIES_", frozen=True)

    kafka_bootstrap: str = Field(
        default="127.0.0.1:19092",
        validation_alias=AliasChoices("SENTRA_KAFKA_BOOTSTRAP", "kafka_bootstrap"),
    )
    # The stand-in's own principal (`responders` in access.toml), never an agency's.
    kafka_username: str | None = None
    kafka_password: SecretStr | None = None
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8005, ge=0, le=65535)
    # The agencies played here; a real agency's consumer replaces one by leaving it out.
    only: tuple[Agency, ...] = tuple(Agency)
    group_id: str = "sentra-builtin-agencies"
    # Realistic timing for the demo and the chaos test (see timing.py): the share of
    # requests answered only after their deadline and escalation, and of bank loans and
    # insurer payouts never answered; drawn per request from the seed.
    late_rate: float = Field(default=0.0, ge=0, le=1)
    never_rate: float = Field(default=0.0, ge=0, le=1)
    seed: int = 2016
    # Deferred answers held in memory; when full, fetching pauses until some are given.
    max_deferred: int = Field(default=10_000, ge=1)

    @model_validator(mode="after")
    def _rates_fit(self) -> AgenciesSettings:
        self.timing_policy()  # late_rate + never_rate must not exceed 1
        return self

    @property
    def kafka(self) -> KafkaLogin:
        password = self.kafka_password.get_secret_value() if self.kafka_password else None
        return KafkaLogin(self.kafka_bootstrap, self.kafka_username, password)

    def timing_policy(self) -> TimingPolicy:
        return TimingPolicy(late_rate=self.late_rate, never_rate=self.never_rate, seed=self.seed)


def create_app(settings: AgenciesSettings) -> FastAPI:
    policy = settings.timing_policy()
    terms = agency_terms()
    calendar = indonesian_calendar()

    def schedule(request: AgencyCheckRequested) -> AnswerPlan:
        # The process clock's speed, read per request: the demo runs it faster.
        speedup = 1 / clock.current().real_seconds(timedelta(seconds=1))
        margin = late_margin(speedup)
        return plan_answer(request, policy, terms[request.agency], calendar, margin)

    responder = Responder(
        settings.kafka,
        settings.only,
        answer,
        settings.group_id,
        schedule=schedule,
        max_deferred=settings.max_deferred,
    )

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
            "deferred_answers": responder.deferred,
        }
        return JSONResponse(body, status_code=200 if responder.running else 503)

    return app
