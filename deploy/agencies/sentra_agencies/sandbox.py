"""The sandbox the conformance check runs consumers in: a fresh Kafka on loopback and the
consumer under test as a process of its own."""

from __future__ import annotations

import asyncio
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
from sentra_shared.topics import ensure_topics

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


@contextlib.contextmanager
def consumer_process(
    bootstrap: str, subject: Subject, agencies: list[str], log_dir: Path
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    env = {
        **os.environ,
        "SENTRA_KAFKA_BOOTSTRAP": bootstrap,
        "SENTRA_AGENCY": agencies[0],
        # For the built-in responders: only these agencies, on a free loopback port, in a
        # consumer group of their own so a running stack's responders do not answer.
        "SENTRA_AGENCIES_ONLY": json.dumps(agencies),
        "SENTRA_AGENCIES_HTTP_PORT": str(free_port()),
        "SENTRA_AGENCIES_GROUP_ID": f"conformance-{uuid.uuid4()}",
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
def sandbox_kafka() -> Iterator[str]:
    """A fresh single-broker Kafka on loopback with the declared topics; removed afterwards."""
    home = state_dir() / f"conformance-kafka-{os.getpid()}"
    shutil.rmtree(home, ignore_errors=True)
    node = KafkaNode(home, port=free_port(), controller_port=free_port())
    try:
        node.start()
        asyncio.run(ensure_topics(node.bootstrap))
        yield node.bootstrap
    finally:
        node.stop()
        shutil.rmtree(home, ignore_errors=True)
