"""What is on Kafka after a run: consumer lag per group, dead letters, the records of a
topic and the event ids on the wire (read as the harness's super user)."""

from __future__ import annotations

from collections import Counter

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sentra_shared.dead_letters import ATTEMPTS, ERROR_CLASS, ERROR_MESSAGE
from sentra_shared.events import Agency, results_topic
from sentra_shared.kafka_login import KafkaLogin
from sentra_shared.topics import DLQ_SUFFIX, declared_agencies, declared_topics

from sentra_local.fleet import Fleet

# Which topics each service's consumer group reads.
CONSUMED_TOPICS = {
    "documents": ["sentra.documents.events.v1"],
    "credit": ["sentra.documents.events.v1", results_topic(Agency.BANK)],
    "insurance": ["sentra.documents.refund-payees.v1", results_topic(Agency.INSURER)],
    "notifications": [
        "sentra.credit.events.v1",
        "sentra.documents.events.v1",
        "sentra.insurance.events.v1",
        "sentra.oversight.escalations.v1",
    ],
}

AGENCIES_GROUP = "sentra-builtin-agencies"


async def consumer_lag(kafka: KafkaLogin) -> dict[str, int]:
    """Per service group: end offsets minus committed offsets over every topic it reads
    (the known event topics plus any other topic the group has committed on)."""
    admin = AIOKafkaAdminClient(**kafka.aiokafka())
    reader = AIOKafkaConsumer(**kafka.aiokafka(), group_id=None)
    await admin.start()
    await reader.start()
    try:
        lag: dict[str, int] = {}
        for service, known in CONSUMED_TOPICS.items():
            committed = await admin.list_consumer_group_offsets(f"sentra-{service}")
            topics = set(known) | {tp.topic for tp in committed}
            partitions = [
                TopicPartition(topic, p)
                for topic in topics
                for p in await _partitions(admin, topic)
            ]
            ends = await reader.end_offsets(partitions)
            lag[service] = sum(
                ends[tp] - (committed[tp].offset if tp in committed else 0) for tp in partitions
            )
        return lag
    finally:
        await reader.stop()
        await admin.close()


async def assign_at_end(consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> None:
    """Read these partitions from what arrives next: assigned, positioned at their ends."""
    consumer.assign(partitions)
    for partition, end in (await consumer.end_offsets(partitions)).items():
        consumer.seek(partition, end)


async def _partitions(admin: AIOKafkaAdminClient, topic: str) -> list[int]:
    (described,) = await admin.describe_topics([topic])
    partitions = [int(p["partition"]) for p in described["partitions"]]
    if not partitions:
        raise AssertionError(f"topic {topic} has no partitions (does it exist?)")
    return partitions


async def wire_event_ids(kafka: KafkaLogin, topic: str) -> Counter[str]:
    """How often each event id (`ce_id`) is on `topic` now; > 1 means republished."""
    return Counter(
        dict(record.headers).get("ce_id", b"").decode()
        for record in await topic_records(kafka, topic)
    )


async def group_lag(kafka: KafkaLogin, group: str, topics: list[str]) -> int:
    """End offsets minus `group`'s committed offsets over `topics`."""
    admin = AIOKafkaAdminClient(**kafka.aiokafka())
    reader = AIOKafkaConsumer(**kafka.aiokafka(), group_id=None)
    await admin.start()
    await reader.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        partitions = [
            TopicPartition(topic, p) for topic in topics for p in await _partitions(admin, topic)
        ]
        ends = await reader.end_offsets(partitions)
        return sum(ends[tp] - (committed[tp].offset if tp in committed else 0) for tp in partitions)
    finally:
        await reader.stop()
        await admin.close()


async def dead_letters(kafka: KafkaLogin) -> list[str]:
    """Every message on a dead-letter topic, as "topic: error class: reason (attempts)"."""
    dlq_topics = [spec.name for spec in declared_topics() if spec.name.endswith(DLQ_SUFFIX)]
    admin = AIOKafkaAdminClient(**kafka.aiokafka())
    await admin.start()
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in dlq_topics
            for p in await _partitions(admin, topic)
        ]
    finally:
        await admin.close()
    reader = AIOKafkaConsumer(**kafka.aiokafka(), group_id=None)
    await reader.start()
    try:
        reader.assign(partitions)
        starts = await reader.beginning_offsets(partitions)
        ends = await reader.end_offsets(partitions)
        held = [tp for tp in partitions if ends[tp] > starts[tp]]
        for tp in partitions:
            reader.seek(tp, starts[tp])
        found: list[str] = []
        while [tp for tp in held if await reader.position(tp) < ends[tp]]:
            for records in (await reader.getmany(*held, timeout_ms=500)).values():
                for record in records:
                    h = {k: (v or b"").decode(errors="replace") for k, v in record.headers}
                    found.append(
                        f"{record.topic}: {h.get(ERROR_CLASS)}: {h.get(ERROR_MESSAGE)} "
                        f"({h.get(ATTEMPTS)} attempts)"
                    )
        return found
    finally:
        await reader.stop()


async def topic_records(kafka: KafkaLogin, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record on `topic` now, partition by partition (no consumer group)."""
    admin = AIOKafkaAdminClient(**kafka.aiokafka())
    await admin.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await _partitions(admin, topic)]
    finally:
        await admin.close()
    reader = AIOKafkaConsumer(**kafka.aiokafka(), group_id=None)
    await reader.start()
    try:
        reader.assign(partitions)
        starts = await reader.beginning_offsets(partitions)
        ends = await reader.end_offsets(partitions)
        for tp in partitions:
            reader.seek(tp, starts[tp])
        found: list[ConsumerRecord[bytes, bytes]] = []
        while [tp for tp in partitions if await reader.position(tp) < ends[tp]]:
            for records in (await reader.getmany(timeout_ms=500)).values():
                found += records
        return found
    finally:
        await reader.stop()


async def all_lag(fleet: Fleet) -> dict[str, int]:
    """Consumer lag of the five services and of the built-in agency responders."""
    kafka = fleet.stack.kafka.admin
    lag = await consumer_lag(kafka)
    lag["agencies"] = await group_lag(
        kafka, AGENCIES_GROUP, [spec.requests_topic for spec in declared_agencies().values()]
    )
    return lag
