"""How a process reaches the broker: the address and, on a secured broker, its identity.

Every principal (service, agency, operator tool) signs in with SASL/SCRAM-SHA-512 under
its own name; what it may do is declared in `access.toml`. Without a username the client
speaks PLAINTEXT, for a broker that has no listener but that (a developer's own broker).
The password is never printed: `repr` hides it, and errors name the principal only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from faststream.security import BaseSecurity, SASLScram512

SCRAM_MECHANISM = "SCRAM-SHA-512"
DEFAULT_BOOTSTRAP = "127.0.0.1:19092"


@dataclass(frozen=True)
class KafkaLogin:
    bootstrap: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    # SASL over TLS (a production cluster) instead of SASL over plain TCP (loopback).
    tls: bool = False

    def __post_init__(self) -> None:
        if (self.username is None) != (self.password is None):
            raise ValueError("a Kafka username needs a password, and a password a username")

    @property
    def secured(self) -> bool:
        return self.username is not None

    @property
    def protocol(self) -> str:
        if not self.secured:
            return "SSL" if self.tls else "PLAINTEXT"
        return "SASL_SSL" if self.tls else "SASL_PLAINTEXT"

    def aiokafka(self) -> dict[str, Any]:
        """Keyword arguments for aiokafka's producer, consumer and admin client."""
        options: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap,
            "security_protocol": self.protocol,
        }
        if self.tls:
            from aiokafka.helpers import create_ssl_context

            options["ssl_context"] = create_ssl_context()
        if self.secured:
            options |= {
                "sasl_mechanism": SCRAM_MECHANISM,
                "sasl_plain_username": self.username,
                "sasl_plain_password": self.password,
            }
        return options

    def librdkafka(self) -> dict[str, str]:
        """Configuration for confluent-kafka (librdkafka) clients."""
        config = {"bootstrap.servers": self.bootstrap, "security.protocol": self.protocol}
        if self.secured:
            assert self.username is not None and self.password is not None
            config |= {
                "sasl.mechanism": SCRAM_MECHANISM,
                "sasl.username": self.username,
                "sasl.password": self.password,
            }
        return config

    def faststream(self) -> BaseSecurity | None:
        """FastStream's `security=` for a KafkaBroker (None: PLAINTEXT)."""
        if not self.secured:
            return None
        assert self.username is not None and self.password is not None
        return SASLScram512(username=self.username, password=self.password, use_ssl=self.tls)

    def environment(self, prefix: str = "SENTRA_KAFKA_") -> dict[str, str]:
        """The variables `from_env(prefix)` reads back (for a child process)."""
        env = {"SENTRA_KAFKA_BOOTSTRAP": self.bootstrap}
        if self.secured:
            assert self.username is not None and self.password is not None
            env |= {f"{prefix}USERNAME": self.username, f"{prefix}PASSWORD": self.password}
        if self.tls:
            env[f"{prefix}TLS"] = "true"
        return env

    @classmethod
    def from_env(cls, prefix: str = "SENTRA_KAFKA_", bootstrap: str | None = None) -> KafkaLogin:
        """`SENTRA_KAFKA_BOOTSTRAP` and `<prefix>USERNAME` / `<prefix>PASSWORD` / `<prefix>TLS`."""
        username = os.environ.get(f"{prefix}USERNAME") or None
        password = os.environ.get(f"{prefix}PASSWORD") or None
        if (username is None) != (password is None):
            missing = f"{prefix}PASSWORD" if password is None else f"{prefix}USERNAME"
            raise SystemExit(f"{missing} is not set (a Kafka login needs both)")
        return cls(
            bootstrap=bootstrap or os.environ.get("SENTRA_KAFKA_BOOTSTRAP", DEFAULT_BOOTSTRAP),
            username=username,
            password=password,
            tls=os.environ.get(f"{prefix}TLS", "").lower() in {"1", "true", "yes"},
        )
