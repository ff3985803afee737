"""The sandbox the conformance check runs consumers in: a fresh Kafka on loopback, secured
like production (every principal of access.toml with its own generated password), and the
consumer under test as a process of its own, signed in as the agency it plays."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sentra_local.kafka import KafkaNode
from sentra_local.paths import state_dir
from sentra_local.processes import free_port
from sentra_shared.access import load_principals
from sentra_shared.contract.rules import BUILTIN_RESPONDERS_GROUP
from sentra_shared.kafka_login import KafkaLogin

RESPONDERS = "responders"  # the built-in stand-in's principal (access.toml)
CONFORMANCE = "conformance"  # the kit's own principal
EXAMPLE_CONSUMER = Path(__file__).resolve().parents[1] / "example_consumer.py"


@dataclass(frozen=True)
class Subject:
    """A consumer under test: a command, and the agencies one process of it answers."""

    name: str
    command: list[str]
    per_agency: bool  # one process per agency (SENTRA_AGENCY set) or one for all


def builtin_subject() -> Subject:
    return Subject("built-in responders", [sys.executable, "-m", "sentra_agencies"], False)


def example_subject() -> Subject:
    return Subject("example consumer", [sys.executable, str(EXAMPLE_CONSUMER)], True)


@dataclass(frozen=True)
class Sandbox:
    """Where the check runs: the broker, the kit's own login (it plays Sentra: sends
    requests, reads answers) and each consumer's (None: the consumer brings its own)."""

    kit: KafkaLogin
    logins: dict[str, KafkaLogin] | None = None

    @classmethod
    def on(cls, node: KafkaNode) -> Sandbox:
        """A provisioned broker: the kit as `conformance`, each consumer as its principal."""
        logins = {name: node.login(name) for name in load_principals()}
        return cls(kit=logins[CONFORMANCE], logins=logins)

    def login(self, principal: str) -> dict[str, str]:
        """The consumer's `SENTRA_KAFKA_*` variables (empty: its environment already has them)."""
        if self.logins is None:
            return {}
        return self.logins[principal].environment()


@contextlib.contextmanager
def consumer_process(
    sandbox: Sandbox, subject: Subject, agencies: list[str], log_dir: Path
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    # An agency's consumer signs in as that agency; the built-in stand-in (all agencies in
    # one process) as its own principal.
    principal = agencies[0] if subject.per_agency else RESPONDERS
    login = sandbox.login(principal)
    env = {
        **os.environ,
        "SENTRA_KAFKA_BOOTSTRAP": sandbox.kit.bootstrap,
        **login,
        **{
            f"SENTRA_AGENCIES_KAFKA_{k.removeprefix('SENTRA_KAFKA_')}": v
            for k, v in login.items()
            if k != "SENTRA_KAFKA_BOOTSTRAP"
        },
        "SENTRA_AGENCY": agencies[0],
        # For the built-in responders: only these agencies, on a free loopback port, in a
        # consumer group of their own so a running stack's responders do not answer.
        "SENTRA_AGENCIES_ONLY": json.dumps(agencies),
        "SENTRA_AGENCIES_HTTP_PORT": str(free_port()),
        "SENTRA_AGENCIES_GROUP_ID": f"{BUILTIN_RESPONDERS_GROUP}.conformance-{uuid.uuid4()}",
        # The sandbox checks answers on time: no deliberately late or missing ones.
        "SENTRA_AGENCIES_LATE_RATE": "0",
        "SENTRA_AGENCIES_NEVER_RATE": "0",
    }
    log_file = log_dir / f"{subject.name.replace(' ', '-')}-{'-'.join(agencies)[:60]}.log"
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            subject.command,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        yield process, log_file
    finally:
        # Only the process we started, by its id.
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def sandbox_kafka() -> Iterator[Sandbox]:
    """A fresh single-broker Kafka on loopback with the declared topics, users and ACLs;
    removed afterwards."""
    home = state_dir() / f"conformance-kafka-{os.getpid()}"
    shutil.rmtree(home, ignore_errors=True)
    node = KafkaNode(home, port=free_port(), controller_port=free_port())
    try:
        node.start()
        node.provision()
        yield Sandbox.on(node)
    finally:
        node.stop()
        shutil.rmtree(home, ignore_errors=True)
