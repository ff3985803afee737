from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict
from sentra_shared.config import ServiceSettings


class NotificationsSettings(ServiceSettings):
    """`SENTRA_NOTIFICATIONS_DATABASE_URL`, `SENTRA_NOTIFICATIONS_HTTP_PORT`, ...

    Delivery (docs/delivery.md): a channel without its transport configured (no SMTP host,
    no SMS gateway URL) is not sent; its messages wait, pending, until it is configured.
    """

    model_config = SettingsConfigDict(env_prefix="SENTRA_NOTIFICATIONS_")

    http_port: int = 8004

    # Email over SMTP.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_sender: str = "Sentra <no-reply@sentra.local>"
    # none: plain (a relay on loopback); starttls: upgrade on 587; tls: implicit TLS on 465.
    smtp_tls: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = Field(default=30.0, gt=0)

    # SMS through the gateway's HTTP interface (POST {sms_url}/messages).
    sms_url: str | None = None
    sms_key: SecretStr = SecretStr("")
    sms_timeout_s: float = Field(default=15.0, gt=0)

    # Attempts per message before it counts as failed; the wait after the n-th failure is
    # base * 2^(n-1), at most cap (real seconds, whatever the process clock's speed).
    delivery_max_attempts: int = Field(default=6, ge=1)
    delivery_backoff_base_s: float = Field(default=30.0, gt=0)
    delivery_backoff_cap_s: float = Field(default=3600.0, gt=0)
    # How long a claimed message is the claimant's alone: a sender that died mid-send
    # leaves it to be retried after this (real seconds). Longer than any send takes.
    delivery_lease_s: float = Field(default=120.0, gt=0)
    # The worker wakes on NOTIFY; it also looks at least this often (retries fall due).
    delivery_poll_interval_s: float = Field(default=1.0, gt=0)
    # Messages in flight per channel: a slow gateway holds only its own channel's slots.
    delivery_concurrency: int = Field(default=16, ge=1)
