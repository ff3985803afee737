"""The declared topic list (topics.toml) and creating what is missing on a broker.

`python -m sentra_shared.topics` creates the missing topics on `SENTRA_KAFKA_BOOTSTRAP`,
signed in as `SENTRA_KAFKA_USERNAME` (the local runner and Compose run exactly that; on
Kubernetes the Strimzi topic operator creates them from generated KafkaTopic resources).
Services never create topics: on a secured broker only its administrator may.
"""

from __future__ import annotations

import asyncio
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from sentra_shared.kafka_login import KafkaLogin

TOPICS_FILE = Path(__file__).with_name("topics.toml")
DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    retention_ms: int
    cleanup_policy: str
    description: str
    agency: str | None = None  # set on an agency's request and result topics
    # Its readers outside Sentra's services (`read_by`); never set on a dead-letter topic.
    read_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgencySpec:
    """An agency's topic pair and the reply times it agreed to."""

    agency: str
    name: str
    requests_topic: str
    results_topic: str
    sla_days: int
    sla_day_kind: str
    sla_source: str
    sandbox_reply_s: float
    escalate_after_days: int
    supervisor: str


def declared_topics(path: Path = TOPICS_FILE) -> list[TopicSpec]:
    data = tomllib.loads(path.read_text())
    defaults = data.get("defaults", {})
    specs: list[TopicSpec] = []
    for name, overrides in data["topics"].items():
        settings = {**defaults, **overrides}
        for topic in (name, name + DLQ_SUFFIX):
            specs.append(
                TopicSpec(
                    name=topic,
                    partitions=int(settings["partitions"]),
                    retention_ms=int(settings["retention_ms"]),
                    cleanup_policy=str(settings["cleanup_policy"]),
                    description=str(settings.get("description", "")),
                    agency=settings.get("agency"),
                    read_by=tuple(settings.get("read_by", ())) if topic == name else (),
                )
            )
    return specs


def declared_agencies(path: Path = TOPICS_FILE) -> dict[str, AgencySpec]:
    """Each agency with its request/result topics (the ones declared with its name)."""
    data = tomllib.loads(path.read_text())
    agencies: dict[str, AgencySpec] = {}
    for agency, table in data.get("agencies", {}).items():
        pair = [name for name, t in data["topics"].items() if t.get("agency") == agency]
        agencies[agency] = AgencySpec(
            agency=agency,
            name=str(table["name"]),
            requests_topic=next(t for t in pair if ".requests." in t),
            results_topic=next(t for t in pair if ".results." in t),
            sla_days=int(table["sla_days"]),
            sla_day_kind=str(table["sla_day_kind"]),
            sla_source=str(table["sla_source"]),
            sandbox_reply_s=float(table["sandbox_reply_s"]),
            escalate_after_days=int(table["escalate_after_days"]),
            supervisor=str(table["supervisor"]),
        )
    return agencies


async def ensure_topics(login: KafkaLogin, specs: list[TopicSpec] | None = None) -> list[str]:
    """Create the declared topics that do not exist yet; return the names created."""
    specs = declared_topics() if specs is None else specs
    replication = int(os.environ.get("SENTRA_TOPIC_REPLICATION_FACTOR", "1"))
    admin = AIOKafkaAdminClient(**login.aiokafka())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [spec for spec in specs if spec.name not in existing]
        if missing:
            await admin.create_topics(
                [
                    NewTopic(
                        name=spec.name,
                        num_partitions=spec.partitions,
                        replication_factor=replication,
                        topic_configs={
                            "retention.ms": str(spec.retention_ms),
                            "cleanup.policy": spec.cleanup_policy,
                        },
                    )
                    for spec in missing
                ]
            )
        return [spec.name for spec in missing]
    finally:
        await admin.close()


def main() -> None:
    login = KafkaLogin.from_env()
    created = asyncio.run(ensure_topics(login))
    print(
        f"created {len(created)} topics on {login.bootstrap}: "
        f"{', '.join(created) or 'none missing'}"
    )


if __name__ == "__main__":
    main()
