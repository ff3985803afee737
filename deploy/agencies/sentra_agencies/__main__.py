"""python -m sentra_agencies: run the built-in agency responders until SIGTERM."""

from __future__ import annotations

import logging
import os

import uvicorn
from sentra_shared import clock

from sentra_agencies.app import AgenciesSettings, create_app


def main() -> None:
    logging.basicConfig(
        level=os.environ.get("SENTRA_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # The stack's one clock: the demo runs every process on the same accelerated one.
    clock.install(clock.clock_from_env())
    settings = AgenciesSettings()
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_level="warning",
        timeout_graceful_shutdown=10,
        loop="uvloop",  # as the services (sentra_shared.runtime.serve)
    )


if __name__ == "__main__":
    main()
