"""Settings every service shares, read from environment variables (pydantic-settings).

The broker address is common to all services (`SENTRA_KAFKA_BOOTSTRAP`); the rest is per
service, prefixed with the service's name, e.g. `SENTRA_CREDIT_DATABASE_URL`.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    kafka_bootstrap: str = Field(
        default="127.0.0.1:19092",
        validation_alias=AliasChoices("SENTRA_KAFKA_BOOTSTRAP", "kafka_bootstrap"),
    )
    database_url: str
    http_host: str = "127.0.0.1"
    http_port: int = Field(ge=0, le=65535)
    # How often the outbox relay looks for rows when no NOTIFY arrived.
    outbox_poll_interval_s: float = Field(default=1.0, gt=0)
    # How often the deadline scheduler looks for due rows, at most (it also wakes for
    # the next due time).
    deadline_poll_interval_s: float = Field(default=1.0, gt=0)
    # How often a deciding service writes its audit chain's head to the outbox (only when
    # it moved), by the process clock.
    audit_head_interval_s: float = Field(default=60.0, gt=0)
    # Consumer group; defaults to `default_consumer_group(service)`.
    consumer_group: str | None = None


def default_consumer_group(service: str) -> str:
    """The group a service consumes in unless configured otherwise (also published in
    the contract, so an operator can find a service's lag by it)."""
    return f"sentra-{service}"
