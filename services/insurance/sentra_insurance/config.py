from __future__ import annotations

from pydantic_settings import SettingsConfigDict
from sentra_shared.config import ServiceSettings


class InsuranceSettings(ServiceSettings):
    """`SENTRA_INSURANCE_DATABASE_URL`, `SENTRA_INSURANCE_HTTP_PORT`, ..."""

    model_config = SettingsConfigDict(env_prefix="SENTRA_INSURANCE_")

    http_port: int = 8003
