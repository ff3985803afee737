"""A single-node Apache Kafka broker (KRaft, combined broker + controller) without Docker.

The broker is its runtime classpath plus a properties file. The classpath is resolved
by Maven (kafka_classpath.py) and cached outside the clone.

It is secured like a production cluster: clients sign in with SASL/SCRAM-SHA-512 and the
KRaft `StandardAuthorizer` denies whatever the access file does not grant
(`allow.everyone.if.no.acl.found=false`). The controller listener takes SASL/PLAIN with a
password of its own, so no listener accepts an anonymous client. The generated passwords
(the broker's `admin`, the controller's, each principal's) are kept in the node's
`credentials.json` (mode 0600) under `.sentra/`.
"""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from sentra_shared.access import ADMIN, BROKER_USERS, CONTROLLER, grants, load_principals
from sentra_shared.access_admin import Applied, CredentialStore, apply_access
from sentra_shared.kafka_login import KafkaLogin
from sentra_shared.topics import ensure_topics

from sentra_local.kafka_classpath import ensure_classpath
from sentra_local.processes import StartupError, port_open, running_pid, stop_pid, tail

SCRAM = "SCRAM-SHA-512"

LOG4J2_PROPERTIES = """\
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
"""


def _cluster_id() -> str:
    # Kafka cluster ids are a UUID in URL-safe base64 without padding.
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()


@dataclass(frozen=True)
class KafkaNode:
    home: Path
    port: int
    controller_port: int
    host: str = "127.0.0.1"
    heap: str = "512m"

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def credentials(self) -> CredentialStore:
        return CredentialStore(self.home / "credentials.json")

    @property
    def admin(self) -> KafkaLogin:
        """The broker's super user: creates topics, users and ACLs; local tools only."""
        return self.credentials.login(ADMIN, self.bootstrap)

    def login(self, principal: str) -> KafkaLogin:
        """A principal of the access file, with its generated password."""
        return self.credentials.login(principal, self.bootstrap)

    @property
    def pid_file(self) -> Path:
        return self.home / "kafka.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "logs" / "server.log"

    def running_pid(self) -> int | None:
        return running_pid(self.pid_file)

    def _write_config(self) -> Path:
        (self.home / "logs").mkdir(parents=True, exist_ok=True)
        (self.home / "data").mkdir(parents=True, exist_ok=True)
        (self.home / "log4j2.properties").write_text(LOG4J2_PROPERTIES)
        config = self.home / "server.properties"
        admin_password = self.credentials.password(ADMIN)
        controller_password = self.credentials.password(CONTROLLER)
        settings = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.bootstrap.servers": f"{self.host}:{self.controller_port}",
            "listeners": (
                f"SASL_PLAINTEXT://{self.host}:{self.port},"
                f"CONTROLLER://{self.host}:{self.controller_port}"
            ),
            "advertised.listeners": (
                f"SASL_PLAINTEXT://{self.host}:{self.port},"
                f"CONTROLLER://{self.host}:{self.controller_port}"
            ),
            "listener.security.protocol.map": (
                "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT"
            ),
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "SASL_PLAINTEXT",
            # Clients and the broker itself: SCRAM, with credentials kept in the metadata log.
            "sasl.enabled.mechanisms": SCRAM,
            "sasl.mechanism.inter.broker.protocol": SCRAM,
            "listener.name.sasl_plaintext.sasl.enabled.mechanisms": SCRAM,
            "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config": (
                "org.apache.kafka.common.security.scram.ScramLoginModule required "
                f'username="{ADMIN}" password="{admin_password}";'
            ),
            # The controller cannot use SCRAM (its credentials live in the log it serves):
            # PLAIN with one static user, never anonymous.
            "sasl.mechanism.controller.protocol": "PLAIN",
            "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
            "listener.name.controller.plain.sasl.jaas.config": (
                "org.apache.kafka.common.security.plain.PlainLoginModule required "
                f'username="{CONTROLLER}" password="{controller_password}" '
                f'user_{CONTROLLER}="{controller_password}";'
            ),
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "allow.everyone.if.no.acl.found": "false",
            "super.users": f"User:{ADMIN};User:{CONTROLLER}",
            "log.dirs": str(self.home / "data"),
            "num.partitions": "3",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            # Topics come from the declared list (shared/sentra_shared/topics.toml), never
            # from a typo in a producer.
            "auto.create.topics.enable": "false",
        }
        # The file holds passwords: readable by its owner only.
        fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write("".join(f"{k}={v}\n" for k, v in settings.items()))
        return config

    def _java(self, libs: Path, main: str, *args: str) -> list[str]:
        return [
            "java",
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.home / 'log4j2.properties'}",
            f"-Dkafka.logs.dir={self.home / 'logs'}",
            "-cp",
            f"{libs}/*",
            main,
            *args,
        ]

    def start(self, timeout: float = 90.0) -> bool:
        """Start the broker unless it already runs; wait until it answers. True if started."""
        if self.running_pid() is not None:
            self.wait_ready(timeout)
            return False
        if port_open(self.host, self.port) or port_open(self.host, self.controller_port):
            raise StartupError(
                f"Port {self.port} or {self.controller_port} on {self.host} is taken by another "
                "process; set SENTRA_KAFKA_PORT / SENTRA_KAFKA_CONTROLLER_PORT to free ports."
            )
        libs = ensure_classpath()
        formatted_before = (self.home / "data" / "meta.properties").exists()
        if formatted_before and not (self.home / "credentials.json").exists():
            raise StartupError(
                f"{self.home / 'data'} holds a broker formatted without SASL users (an older "
                f"unsecured one). Remove {self.home} (its topics are lost) and start again."
            )
        config = self._write_config()
        if not formatted_before:
            formatted = subprocess.run(
                self._java(
                    libs,
                    "kafka.tools.StorageTool",
                    "format",
                    "--standalone",
                    "--ignore-formatted",
                    # One argument: an id may start with '-', which would read as an option.
                    f"--cluster-id={_cluster_id()}",
                    # The super user exists before the first start: the broker signs in to
                    # itself with it, and creates every other user.
                    "--add-scram",
                    f"{SCRAM}=[name={ADMIN},password={self.credentials.password(ADMIN)}]",
                    "-c",
                    str(config),
                ),
                capture_output=True,
                text=True,
                check=False,
            )
            if formatted.returncode != 0:
                raise StartupError(f"Kafka storage format failed:\n{formatted.stderr}")
        console = (self.home / "logs" / "console.log").open("ab")
        process = subprocess.Popen(
            self._java(libs, "kafka.Kafka", str(config)),
            stdout=console,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=self.home,
        )
        console.close()
        self.pid_file.write_text(str(process.pid))
        self.wait_ready(timeout)
        return True

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.running_pid() is None:
                raise StartupError(
                    f"Kafka exited during startup. Last log lines ({self.log_file}):\n"
                    f"{tail(self.log_file)}\n{tail(self.home / 'logs' / 'console.log')}"
                )
            if port_open(self.host, self.port) and asyncio.run(self._answers_metadata()):
                return
            time.sleep(0.3)
        raise StartupError(
            f"Kafka did not become ready within {timeout:.0f}s. Last log lines:\n"
            f"{tail(self.log_file)}"
        )

    async def _answers_metadata(self) -> bool:
        admin = AIOKafkaAdminClient(**self.admin.aiokafka(), request_timeout_ms=3000)
        try:
            await admin.start()
            await admin.list_topics()
            return True
        except Exception:
            return False
        finally:
            await admin.close()

    def provision(self) -> Applied:
        """Create the declared topics, then the access file's users and ACLs (idempotent;
        a principal removed from the file loses its ACLs and credential)."""
        asyncio.run(ensure_topics(self.admin))
        principals = load_principals()
        self.credentials.forget(keep=[*principals, *BROKER_USERS])
        passwords = {name: self.credentials.password(name) for name in principals}
        return apply_access(self.admin, principals, grants(principals), passwords)

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the broker we started (by its recorded pid). True if one was running."""
        pid = self.running_pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        stop_pid(pid, timeout)
        self.pid_file.unlink(missing_ok=True)
        return True


def node_from_env(home: Path) -> KafkaNode:
    return KafkaNode(
        home=home,
        port=int(os.environ.get("SENTRA_KAFKA_PORT", "19092")),
        controller_port=int(os.environ.get("SENTRA_KAFKA_CONTROLLER_PORT", "19093")),
    )
