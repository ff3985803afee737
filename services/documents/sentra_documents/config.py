from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict
from sentra_shared.config import ServiceSettings

from sentra_documents.domain.red_flags import SharingThresholds
from sentra_documents.sealing import DEVELOPMENT_DATA_KEYS


class DocumentsSettings(ServiceSettings):
    """`SENTRA_DOCUMENTS_DATABASE_URL`, `SENTRA_DOCUMENTS_HTTP_PORT`, ..."""

    model_config = SettingsConfigDict(env_prefix="SENTRA_DOCUMENTS_")

    http_port: int = 8001
    # Key for the worker pseudonym shared with other services. Set a secret per deployment;
    # the default is for local runs only.
    pseudonym_key: SecretStr = SecretStr("sentra-local-development-key")
    # Key of the HMAC under which NIK, passport, phone and account numbers are compared
    # across applicants. Set a secret per deployment (and keep it: a new key makes every
    # stored hash unmatchable); the default is for local runs only.
    identifier_key: SecretStr = SecretStr("sentra-local-identifier-key")
    # The keyring that seals identity numbers at rest: `id=base64key,...`, 32-byte keys;
    # the first seals, the others only open (rotation: docs/data-at-rest.md). Set keys of
    # your own per deployment; the default is for local runs only and is warned of.
    data_keys: SecretStr = SecretStr(DEVELOPMENT_DATA_KEYS)
    # How many placement applications may share a value before it is flagged, e.g.
    # SENTRA_DOCUMENTS_SHARING_THRESHOLDS='{"phone": 4}'.
    sharing_thresholds: SharingThresholds = SharingThresholds()
    # Officers' bearer tokens (JWT) for the red-flag review: the identity provider's
    # issuer and audience, and its public keys from a JWKS URL or a JWKS file. With
    # neither key source set, the officer endpoints answer 503 (intake keeps working).
    officer_jwt_issuer: str = "sentra-local"
    officer_jwt_audience: str = "sentra-documents"
    officer_jwks_url: str | None = None
    officer_jwks_file: Path | None = None
    # Clock skew tolerated between the identity provider and this service.
    officer_jwt_leeway_s: float = Field(default=30.0, ge=0, le=300)
