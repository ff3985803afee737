"""Running the five services and the built-in agencies as processes, for `make up`/`make demo`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sentra_shared import clock

from sentra_local.processes import StartupError, running_pid, stop_pid, tail
from sentra_local.programmes import write_programmes
from sentra_local.sinks import DEVELOPMENT_SMS_KEY
from sentra_local.stack import SERVICES, Stack
from sentra_local.tokens import development_data_keys, development_keys

DEFAULT_PORTS = {
    "documents": 8001,
    "credit": 8002,
    "insurance": 8003,
    "notifications": 8004,
    "agencies": 8005,
    "empowerment": 8007,
    "sinks": 8006,  # the SMS gateway sink's HTTP port; its SMTP server listens on SMTP_PORT
}
SMTP_PORT = 8025
# Instance n (from 2) of a service listens on its port + (n - 1) * INSTANCE_PORT_STEP:
# documents-2 on 8101, documents-3 on 8201.
INSTANCE_PORT_STEP = 100
MAX_INSTANCES = 9

# The built-in agency responders (deploy/agencies) run beside the services so that every
# check a service asks of an agency is answered.
# The sinks (sinks.py) receive what notifications sends: emails over SMTP, SMS through the
# gateway interface.
PROCESSES = (*SERVICES, "agencies", "sinks")
MODULES = {"sinks": "sentra_local.sinks"}
# The principal each process signs in as, when not its own name (None: no Kafka at all).
PRINCIPALS: dict[str, str | None] = {"agencies": "responders", "sinks": None}


@dataclass(frozen=True)
class ServiceProcess:
    name: str
    home: Path
    host: str = "127.0.0.1"
    http_port: int | None = None  # tests pick free ports
    extra_env: tuple[tuple[str, str], ...] = ()  # e.g. SENTRA_FAULT for fault tests
    # Several processes of one service: the same settings and consumer group, each with
    # its own HTTP port, pid file and log.
    instance: int = 1

    @property
    def label(self) -> str:
        """documents, documents-2, ...: names this process in files and listings."""
        return self.name if self.instance == 1 else f"{self.name}-{self.instance}"

    @property
    def port(self) -> int:
        if self.http_port is not None:
            return self.http_port
        configured = os.environ.get(f"SENTRA_{self.name.upper()}_HTTP_PORT")
        base = int(configured) if configured else DEFAULT_PORTS[self.name]
        return base + (self.instance - 1) * INSTANCE_PORT_STEP

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.home / f"{self.label}.pid"

    @property
    def log_file(self) -> Path:
        return self.home / f"{self.label}.log"

    def environment(self, stack: Stack) -> dict[str, str]:
        prefix = f"SENTRA_{self.name.upper()}_"
        return {
            **os.environ,
            **self._kafka(stack, prefix),
            prefix + "DATABASE_URL": stack.database_url(self.name),
            prefix + "HTTP_HOST": self.host,
            prefix + "HTTP_PORT": str(self.port),
            **self._officer_keys(),
            **self._data_keys(),
            **self._sinks(),
            **self._programmes(),
            **dict(self.extra_env),
        }

    def _kafka(self, stack: Stack, prefix: str) -> dict[str, str]:
        """Each process signs in to the broker as its own principal (access.toml)."""
        principal = PRINCIPALS.get(self.name, self.name)
        if principal is None:
            return {"SENTRA_KAFKA_BOOTSTRAP": stack.kafka.bootstrap}
        return stack.kafka.login(principal).environment(prefix + "KAFKA_")

    def _sinks(self) -> dict[str, str]:
        """The sinks keep their journal here; notifications sends to them, unless the
        environment already names an SMTP server or an SMS gateway."""
        if self.name == "sinks":
            return {
                "SENTRA_SINKS_SMTP_PORT": os.environ.get("SENTRA_SINKS_SMTP_PORT", str(SMTP_PORT)),
                "SENTRA_SINKS_JOURNAL": str(self.home / "sinks.jsonl"),
            }
        if self.name != "notifications":
            return {}
        sinks = ServiceProcess("sinks", self.home)
        defaults = {
            "SENTRA_NOTIFICATIONS_SMTP_HOST": sinks.host,
            "SENTRA_NOTIFICATIONS_SMTP_PORT": os.environ.get(
                "SENTRA_SINKS_SMTP_PORT", str(SMTP_PORT)
            ),
            "SENTRA_NOTIFICATIONS_SMS_URL": sinks.url,
            "SENTRA_NOTIFICATIONS_SMS_KEY": DEVELOPMENT_SMS_KEY,
        }
        if os.environ.get("SENTRA_NOTIFICATIONS_SMTP_HOST") or os.environ.get(
            "SENTRA_NOTIFICATIONS_SMS_URL"
        ):
            return {}
        return defaults

    def _programmes(self) -> dict[str, str]:
        """empowerment offers the sample programmes, dated from today by the runner's
        clock, unless the environment names a programmes file."""
        if self.name != "empowerment" or os.environ.get("SENTRA_EMPOWERMENT_PROGRAMMES_FILE"):
            return {}
        path = write_programmes(self.home / "programmes.toml", clock.now().date())
        return {"SENTRA_EMPOWERMENT_PROGRAMMES_FILE": str(path)}

    def _officer_keys(self) -> dict[str, str]:
        """documents trusts the development officer key (`sentra-local token`), unless
        the environment already points it at an identity provider."""
        if self.name != "documents" or any(
            os.environ.get(f"SENTRA_DOCUMENTS_OFFICER_JWKS_{source}") for source in ("URL", "FILE")
        ):
            return {}
        return {"SENTRA_DOCUMENTS_OFFICER_JWKS_FILE": str(development_keys().ensure())}

    def _data_keys(self) -> dict[str, str]:
        """documents seals identity numbers under a key generated for this machine, unless
        the environment already gives it a keyring."""
        if self.name != "documents" or os.environ.get("SENTRA_DOCUMENTS_DATA_KEYS"):
            return {}
        return {"SENTRA_DOCUMENTS_DATA_KEYS": development_data_keys()}

    def start(self, stack: Stack) -> bool:
        if running_pid(self.pid_file) is not None:
            return False
        self.home.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", MODULES.get(self.name, f"sentra_{self.name}")],
                env=self.environment(stack),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pid_file.write_text(str(process.pid))
        return True

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if running_pid(self.pid_file) is None:
                raise StartupError(
                    f"service {self.label} exited during startup; log {self.log_file}:\n"
                    f"{tail(self.log_file)}"
                )
            try:
                if httpx.get(f"{self.url}/health", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise StartupError(f"service {self.label} not healthy after {timeout:.0f}s")

    def stop(self) -> bool:
        pid = running_pid(self.pid_file)
        self.pid_file.unlink(missing_ok=True)
        if pid is None:
            return False
        stop_pid(pid, timeout=30.0)
        return True


def parse_instances(text: str) -> dict[str, int]:
    """`documents=2,notifications=2` -> {"documents": 2, "notifications": 2}; raises
    ValueError saying what is wrong (an unknown service, a count out of range)."""
    counts: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, equals, count = part.partition("=")
        name = name.strip()
        if not equals or not count.strip().isdigit():
            raise ValueError(f"{part!r}: write SERVICE=COUNT, e.g. documents=2")
        if name not in SERVICES:
            raise ValueError(f"{name!r} is not a service; one of {', '.join(SERVICES)}")
        if name in counts:
            raise ValueError(f"{name} is given twice")
        n = int(count)
        if not 1 <= n <= MAX_INSTANCES:
            raise ValueError(f"{name}={n}: the count must be 1 to {MAX_INSTANCES}")
        counts[name] = n
    if not counts:
        raise ValueError("no SERVICE=COUNT given, e.g. documents=2")
    return counts


def service_processes(home: Path, instances: dict[str, int] | None = None) -> list[ServiceProcess]:
    """Every process to run: one of each, or `instances[name]` of a service. Without
    `instances`, also the further instances already started (their pid files say so)."""
    wanted = dict(instances or {})
    if instances is None:
        for name in SERVICES:
            for pid_file in home.glob(f"{name}-*.pid"):
                suffix = pid_file.stem.removeprefix(f"{name}-")
                if suffix.isdigit():
                    wanted[name] = max(wanted.get(name, 1), int(suffix))
    return [
        ServiceProcess(name, home, instance=n)
        for name in PROCESSES
        for n in range(1, wanted.get(name, 1) + 1)
    ]


def start_services(stack: Stack, home: Path, instances: dict[str, int] | None = None) -> list[str]:
    """Start the processes that are not running and wait until all are healthy."""
    processes = service_processes(home, instances)
    started = [p.label for p in processes if p.start(stack)]
    for process in processes:
        process.wait_healthy()
    return started


def stop_services(home: Path, names: list[str] | None = None) -> list[str]:
    """Stop every instance of `names` (default: all) that runs."""
    return [
        p.label for p in service_processes(home) if (names is None or p.name in names) and p.stop()
    ]
