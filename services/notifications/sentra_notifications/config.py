from __future__ import annotations

from pydantic_settings import SettingsConfigDict
from sentra_shared.config import ServiceSettings


class NotificationsSettings(ServiceSettings):
    """`SENTRA_NOTIFICATIONS_DATABASE_URL`, `SENTRA_NOTIFICATIONS_HTTP_PORT`, ..."""

    model_config = SettingsConfigDict(env_prefix="SENTRA_NOTIFICATIONS_")

    http_port: int = 8004
