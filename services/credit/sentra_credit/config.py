from __future__ import annotations

from pydantic_settings import SettingsConfigDict
from sentra_shared.config import ServiceSettings


class CreditSettings(ServiceSettings):
    """`SENTRA_CREDIT_DATABASE_URL`, `SENTRA_CREDIT_HTTP_PORT`, ..."""

    model_config = SettingsConfigDict(env_prefix="SENTRA_CREDIT_")

    http_port: int = 8002
