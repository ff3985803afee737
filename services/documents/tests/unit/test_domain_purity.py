"""No domain module may read the clock, the network, the database or the environment."""

import ast
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[3]
DOMAIN_PACKAGES = [
    SERVICES / "documents" / "sentra_documents" / "domain",
    SERVICES / "credit" / "sentra_credit" / "domain",
    SERVICES / "insurance" / "sentra_insurance" / "domain",
]
SHARED_REASONS = SERVICES.parent / "shared" / "sentra_shared" / "reasons.py"
MODULES = [
    *sorted(path for package in DOMAIN_PACKAGES for path in package.glob("*.py")),
    SHARED_REASONS,
]

FORBIDDEN_MODULES = {
    "time", "os", "sys", "socket", "asyncio", "asyncpg", "aiokafka", "faststream", "httpx",
    "requests", "urllib", "http", "random", "secrets", "subprocess", "sqlite3", "psycopg",
    "sqlalchemy", "fastapi", "uvicorn", "opentelemetry", "logging", "pathlib", "io", "shutil",
}  # fmt: skip
CLOCK_CALLS = {"now", "utcnow", "today", "time", "monotonic", "perf_counter", "time_ns"}
ENVIRONMENT_NAMES = {"environ", "getenv", "putenv"}
# Shared plumbing does I/O; shared contracts (reasons, events) are plain data and allowed.
SHARED_PLUMBING = {
    "clock", "config", "consumer", "database", "envelope", "inbox", "outbox", "runtime",
    "telemetry", "topics",
}  # fmt: skip
SIBLING_SERVICES = ("sentra_documents", "sentra_credit", "sentra_insurance", "sentra_notifications")


def violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    own_service = path.parts[-3]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            names = []
        for name in names:
            root = name.split(".")[0]
            if root in FORBIDDEN_MODULES:
                found.append(f"imports {name}")
            if root in SIBLING_SERVICES and root != own_service:
                found.append(f"imports another service: {name}")
            parts = name.split(".")
            if root == "sentra_shared" and len(parts) > 1 and parts[1] in SHARED_PLUMBING:
                found.append(f"imports shared plumbing: {name}")
        if isinstance(node, ast.Attribute) and node.attr in CLOCK_CALLS | ENVIRONMENT_NAMES:
            found.append(f"uses .{node.attr} (line {node.lineno})")
        if isinstance(node, ast.Name) and node.id in ENVIRONMENT_NAMES | {
            "open",
            "input",
            "eval",
            "exec",
        }:
            found.append(f"uses {node.id} (line {node.lineno})")
    return found


def test_the_scan_covers_every_domain_package():
    assert len(MODULES) >= 15
    assert all(package.is_dir() for package in DOMAIN_PACKAGES)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_domain_module_is_pure(path):
    assert violations(path) == []


def test_the_scan_catches_a_clock_read(tmp_path):
    sneaky = tmp_path / "svc" / "domain" / "sneaky.py"
    sneaky.parent.mkdir(parents=True)
    sneaky.write_text(
        "import os\nfrom datetime import date\nfrom sentra_shared.clock import Clock\n"
        "x = date.today()\ny = os.environ['A']\n"
    )
    assert len(violations(sneaky)) == 4
