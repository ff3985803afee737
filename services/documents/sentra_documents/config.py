from __future__ import annotations

from pydantic_settings import SettingsConfigDict
from sentra_shared.config import ServiceSettings


class DocumentsSettings(ServiceSettings):
    """`SENTRA_DOCUMENTS_DATABASE_URL`, `SENTRA_DOCUMENTS_HTTP_PORT`, ..."""

    model_config = SettingsConfigDict(env_prefix="SENTRA_DOCUMENTS_")

    http_port: int = 8001
