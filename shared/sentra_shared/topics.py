"""The declared topic list (topics.toml) and creating what is missing on a broker."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

TOPICS_FILE = Path(__file__).with_name("topics.toml")
DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    retention_ms: int
    cleanup_policy: str
    description: str


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
                )
            )
    return specs


async def ensure_topics(bootstrap: str, specs: list[TopicSpec] | None = None) -> list[str]:
    """Create the declared topics that do not exist yet; return the names created."""
    specs = declared_topics() if specs is None else specs
    replication = int(os.environ.get("SENTRA_TOPIC_REPLICATION_FACTOR", "1"))
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
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
