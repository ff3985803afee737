from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from sentra_shared.config import ServiceSettings


class InsuranceSettings(ServiceSettings):
    """`SENTRA_INSURANCE_DATABASE_URL`, `SENTRA_INSURANCE_HTTP_PORT`, ..."""

    model_config = SettingsConfigDict(env_prefix="SENTRA_INSURANCE_")

    http_port: int = 8003
    # Rupiah per won used for the IDR equivalent shown to the applicant. Operators update
    # it (with its date and source) from Bank Indonesia's JISDOR/transaction rates.
    idr_per_krw: Decimal = Field(default=Decimal("11.40"), gt=0)
    idr_per_krw_as_of: date = date(2026, 11, 2)
    idr_per_krw_source: str = "Bank Indonesia transaction rate (KRW), configured by operators"
