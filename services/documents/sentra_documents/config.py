from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict
from sentra_shared.config import ServiceSettings


class DocumentsSettings(ServiceSettings):
    """`SENTRA_DOCUMENTS_DATABASE_URL`, `SENTRA_DOCUMENTS_HTTP_PORT`, ..."""

    model_config = SettingsConfigDict(env_prefix="SENTRA_DOCUMENTS_")

    http_port: int = 8001
    # Key for the worker pseudonym shared with other services. Set a secret per deployment;
    # the default is for local runs only.
    pseudonym_key: SecretStr = SecretStr("sentra-local-development-key")
