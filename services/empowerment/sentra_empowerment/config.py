from __future__ import annotations

from pathlib import Path

from pydantic_settings import SettingsConfigDict
from sentra_shared.config import ServiceSettings


class EmpowermentSettings(ServiceSettings):
    """`SENTRA_EMPOWERMENT_DATABASE_URL`, `SENTRA_EMPOWERMENT_HTTP_PORT`, ..."""

    model_config = SettingsConfigDict(env_prefix="SENTRA_EMPOWERMENT_")

    http_port: int = 8007
    # The training and mentoring programmes on offer (TOML, see docs/empowerment.md):
    # loaded at start, added or updated by id. None: no programmes (yet).
    programmes_file: Path | None = None
