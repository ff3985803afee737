"""The local infrastructure: one Kafka broker and one PostgreSQL cluster, started idempotently."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from sentra_local.kafka import KafkaNode, node_from_env
from sentra_local.paths import state_dir
from sentra_local.postgres import PostgresCluster, cluster_from_env

SERVICES = ("documents", "credit", "insurance", "notifications", "empowerment")


def database_name(service: str, suffix: str = "") -> str:
    """Each service has a database of its own; services never share tables."""
    return f"sentra_{service}{suffix}"


@dataclass(frozen=True)
class Stack:
    kafka: KafkaNode
    postgres: PostgresCluster
    database_suffix: str = ""

    def database_url(self, service: str) -> str:
        return self.postgres.dsn(database_name(service, self.database_suffix))

    def kafka_settings(self, principal: str) -> dict[str, str]:
        """A service's broker settings: the address and its own principal's login."""
        login = self.kafka.login(principal)
        assert login.username is not None and login.password is not None
        return {
            "kafka_bootstrap": login.bootstrap,
            "kafka_username": login.username,
            "kafka_password": login.password,
        }

    def up(self) -> list[str]:
        """Start what is down, leave what runs alone; return the names of what we started."""
        started: list[str] = []
        if self.postgres.start():
            started.append("postgres")
        self.postgres.ensure_databases([database_name(s, self.database_suffix) for s in SERVICES])
        if self.kafka.start():
            started.append("kafka")
        self.kafka.provision()
        return started

    def down(self, parts: list[str] | None = None) -> list[str]:
        """Stop the named parts (default: both); return what was running and is now stopped."""
        parts = ["kafka", "postgres"] if parts is None else parts
        stopped: list[str] = []
        if "kafka" in parts and self.kafka.stop():
            stopped.append("kafka")
        if "postgres" in parts and self.postgres.stop():
            stopped.append("postgres")
        return stopped


def remove_throwaway(stack: Stack, home: Path) -> list[str]:
    """Stop a stack started for one run (a benchmark's) and delete its files; return what
    was running and is now stopped."""
    stopped = stack.down()
    shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(stack.postgres.home, ignore_errors=True)
    return stopped


def local_stack(home: Path | None = None) -> Stack:
    """The stack of `make up` / `make demo`, configured by SENTRA_* variables."""
    home = home or state_dir() / "stack"
    return Stack(kafka=node_from_env(home / "kafka"), postgres=cluster_from_env(home / "postgres"))
