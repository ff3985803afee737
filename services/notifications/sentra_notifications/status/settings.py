"""Settings of the applicant's status page: `SENTRA_NOTIFICATIONS_STATUS_SECRET`, ..."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# DEVELOPMENT ONLY. Anyone who knows this value can forge a status-page session: every
# deployment sets SENTRA_NOTIFICATIONS_STATUS_SECRET to its own random value (32+ bytes).
DEV_SECRET = "dev-only-status-secret-change-me"


class StatusSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SENTRA_NOTIFICATIONS_STATUS_", frozen=True, extra="ignore"
    )

    # Signs the session cookie and keys the rate-limit counters (HMAC-SHA256).
    secret: SecretStr = SecretStr(DEV_SECRET)
    # How long the page stays open after a successful check (for the language switch and
    # a reload); short, because phones are often shared.
    session_minutes: int = Field(default=15, ge=1, le=120)
    # Attempts to open a page, counted per tracking code and per client address in fixed
    # windows. Per code it stops guessing birth dates for a known code; per address, guessing
    # codes. The address limit is higher: an LTSA office's kiosk is one address for many.
    window_minutes: int = Field(default=15, ge=1)
    attempts_per_code: int = Field(default=5, ge=1)
    attempts_per_address: int = Field(default=30, ge=1)
    # Mark the cookie Secure even when the request looks like plain HTTP (a TLS proxy that
    # does not forward the scheme). It is always Secure on HTTPS requests.
    secure_cookie: bool = False

    @property
    def uses_dev_secret(self) -> bool:
        return self.secret.get_secret_value() == DEV_SECRET
