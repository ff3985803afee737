"""Settings every service shares, read from environment variables (pydantic-settings).

The broker address is common to all services (`SENTRA_KAFKA_BOOTSTRAP`); the rest is per
service, prefixed with the service's name, e.g. `SENTRA_CREDIT_DATABASE_URL`, and so is the
service's own Kafka identity (`SENTRA_CREDIT_KAFKA_USERNAME` / `..._KAFKA_PASSWORD`): each
service signs in as itself and may only do what `access.toml` grants it.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from sentra_shared.kafka_login import KafkaLogin


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    kafka_bootstrap: str = Field(
        default="127.0.0.1:19092",
        validation_alias=AliasChoices("SENTRA_KAFKA_BOOTSTRAP", "kafka_bootstrap"),
    )
    # The service's principal on a secured broker (None: a PLAINTEXT broker).
    kafka_username: str | None = None
    kafka_password: SecretStr | None = None
    # SASL over TLS, for a production cluster.
    kafka_tls: bool = False
    database_url: str
    http_host: str = "127.0.0.1"
    http_port: int = Field(ge=0, le=65535)
    # How often the outbox relay looks for rows when no NOTIFY arrived.
    outbox_poll_interval_s: float = Field(default=1.0, gt=0)
    # How long a published outbox row is kept before it is purged (default 7 days, the
    # request topics' retention): payloads may hold personal data.
    outbox_retention_s: float = Field(default=7 * 24 * 3600.0, gt=0)
    # How often the deadline scheduler looks for due rows, at most (it also wakes for
    # the next due time).
    deadline_poll_interval_s: float = Field(default=1.0, gt=0)
    # How often a deciding service writes its audit chain's head to the outbox (only when
    # it moved), by the process clock.
    audit_head_interval_s: float = Field(default=60.0, gt=0)
    # How long each part may take to stop on SIGTERM (flushing the outbox, committing the
    # consumer) before the process goes anyway; nothing is lost (see runtime.stop).
    stop_step_timeout_s: float = Field(default=15.0, gt=0)
    # Consumer group; defaults to `default_consumer_group(service)`.
    consumer_group: str | None = None
    # When a fetch brings fewer records than a full batch, wait this long for more before
    # applying them: a batch costs one transaction, one inbox statement and one offset
    # commit however many records it holds, so under load a few milliseconds per hop buy
    # far fewer of each (docs/performance.md). 0: apply at once.
    consumer_linger_ms: int = Field(default=10, ge=0, le=500)
    # The relay lets rows gather this long after a wake-up before it claims them: one
    # claim, one transaction and fewer produce requests for the commits of that moment.
    outbox_linger_ms: int = Field(default=5, ge=0, le=500)

    @property
    def kafka(self) -> KafkaLogin:
        password = self.kafka_password.get_secret_value() if self.kafka_password else None
        return KafkaLogin(self.kafka_bootstrap, self.kafka_username, password, self.kafka_tls)


def default_consumer_group(service: str) -> str:
    """The group a service consumes in unless configured otherwise (also published in
    the contract, so an operator can find a service's lag by it)."""
    return f"sentra-{service}"
