"""The image's HEALTHCHECK: GET /health of the process this container runs.

The process is PID 1's module (`python -m sentra_credit` -> credit); its port is the one
its settings read (`SENTRA_CREDIT_HTTP_PORT`), or that process's default. Standard
library only, and it writes nothing: the root filesystem may be read-only. A container
that runs a one-shot tool has no health endpoint and counts as healthy.
"""

from __future__ import annotations

import os
import sys
import urllib.request
from pathlib import Path

DEFAULT_PORTS = {
    "documents": 8001,
    "credit": 8002,
    "insurance": 8003,
    "notifications": 8004,
    "agencies": 8005,
    "empowerment": 8007,
    "sinks": 8006,
}
MODULES = {
    "sentra_documents": "documents",
    "sentra_credit": "credit",
    "sentra_insurance": "insurance",
    "sentra_notifications": "notifications",
    "sentra_empowerment": "empowerment",
    "sentra_agencies": "agencies",
    "sentra_local.sinks": "sinks",
}


def process_name(cmdline: list[str]) -> str | None:
    return next((MODULES[arg] for arg in cmdline if arg in MODULES), None)


def main() -> int:
    cmdline = Path("/proc/1/cmdline").read_bytes().decode().split("\0")
    name = process_name(cmdline)
    if name is None:
        return 0
    port = os.environ.get(f"SENTRA_{name.upper()}_HTTP_PORT", str(DEFAULT_PORTS[name]))
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=4) as answer:
            return 0 if answer.status == 200 else 1
    except OSError as error:
        print(f"{name}: /health on port {port}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
