"""`sentra-dlq`: list dead letters and replay them to the topic they came from.

    sentra-dlq list [--application ID]
    sentra-dlq replay --application ID          every dead letter of one application
    sentra-dlq replay --offset TOPIC:PARTITION:OFFSET   one dead letter (its .dlq position)

The broker is `--bootstrap` or `SENTRA_KAFKA_BOOTSTRAP`; on a secured broker the command
signs in as SENTRA_KAFKA_USERNAME / SENTRA_KAFKA_PASSWORD (the `operator` principal of
access.toml: it reads the dead-letter topics and writes back). Reading uses no consumer group:
listing changes nothing. A replay sends the original key, value and headers (without the
`dlq_*` reasons, with `sentra_replayed_from`) to the original topic, so the consumers
apply it like any message; if it still fails it dead-letters again with a new reason.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from sentra_shared.dead_letters import (
    ATTEMPTS,
    ERROR_CLASS,
    ERROR_MESSAGE,
    ORIGINAL_OFFSET,
    ORIGINAL_PARTITION,
    ORIGINAL_TOPIC,
    REPLAYED_FROM,
    original_headers,
)
from sentra_shared.kafka_login import KafkaLogin
from sentra_shared.topics import DLQ_SUFFIX


@dataclass(frozen=True)
class StoredDeadLetter:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]

    @property
    def position(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"

    @property
    def application(self) -> str:
        return self.headers.get("ce_subject") or (self.key or b"").decode(errors="replace")


async def read_dead_letters(kafka: KafkaLogin) -> list[StoredDeadLetter]:
    """Every record now in every `*.dlq` topic, oldest first per partition."""
    admin = AIOKafkaAdminClient(**kafka.aiokafka())
    await admin.start()
    try:
        topics = sorted(t for t in await admin.list_topics() if t.endswith(DLQ_SUFFIX))
        described = await admin.describe_topics(topics) if topics else []
    finally:
        await admin.close()
    partitions = [
        TopicPartition(topic["topic"], int(p["partition"]))
        for topic in described
        for p in topic["partitions"]
    ]
    consumer = AIOKafkaConsumer(**kafka.aiokafka(), enable_auto_commit=False, group_id=None)
    await consumer.start()
    try:
        if not partitions:
            return []
        consumer.assign(partitions)
        starts = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
        pending = {tp for tp in partitions if ends[tp] > starts[tp]}
        for tp in pending:
            consumer.seek(tp, starts[tp])
        letters: list[StoredDeadLetter] = []
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=1000)
            for tp, records in batch.items():
                for record in records:
                    if record.offset < ends[tp]:
                        letters.append(
                            StoredDeadLetter(
                                topic=record.topic,
                                partition=record.partition,
                                offset=record.offset,
                                key=record.key,
                                value=record.value or b"",
                                headers={
                                    k: (v or b"").decode(errors="backslashreplace")
                                    for k, v in record.headers
                                },
                            )
                        )
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
        return letters
    finally:
        await consumer.stop()


async def replay(kafka: KafkaLogin, letters: Sequence[StoredDeadLetter]) -> int:
    """Send each dead letter back to its original topic; return how many were sent."""
    producer = AIOKafkaProducer(**kafka.aiokafka(), enable_idempotence=True)
    await producer.start()
    try:
        for letter in letters:
            headers = {**original_headers(letter.headers), REPLAYED_FROM: letter.position}
            await producer.send_and_wait(
                letter.headers[ORIGINAL_TOPIC],
                letter.value,
                key=letter.key,
                headers=[(k, v.encode()) for k, v in headers.items()],
            )
        return len(letters)
    finally:
        await producer.stop()


def _print_table(letters: Sequence[StoredDeadLetter]) -> None:
    print(f"{'dead letter':<44} {'application':<37} {'from':<40} {'tries':>5}  reason")
    for letter in letters:
        h = letter.headers
        origin = f"{h.get(ORIGINAL_TOPIC)}:{h.get(ORIGINAL_PARTITION)}:{h.get(ORIGINAL_OFFSET)}"
        reason = f"{h.get(ERROR_CLASS)}: {h.get(ERROR_MESSAGE)}"
        print(
            f"{letter.position:<44} {letter.application:<37} {origin:<40} "
            f"{h.get(ATTEMPTS, '?'):>5}  {reason}"
        )
    print(f"{len(letters)} dead letter(s)")


async def _main(args: argparse.Namespace) -> int:
    letters = await read_dead_letters(KafkaLogin.from_env(bootstrap=args.bootstrap))
    if args.application:
        letters = [d for d in letters if d.application == args.application]
    if args.command == "list":
        _print_table(letters)
        return 0
    if args.offset:
        letters = [d for d in letters if d.position == args.offset]
    if not letters:
        print("no matching dead letter", file=sys.stderr)
        return 1
    sent = await replay(KafkaLogin.from_env(bootstrap=args.bootstrap), letters)
    for letter in letters:
        print(f"replayed {letter.position} -> {letter.headers[ORIGINAL_TOPIC]}")
    print(f"{sent} replayed")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sentra-dlq", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--bootstrap", default=os.environ.get("SENTRA_KAFKA_BOOTSTRAP", "127.0.0.1:19092")
    )
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="show dead letters and their reasons")
    listing.add_argument("--application", help="only this application id")
    replaying = commands.add_parser("replay", help="send dead letters back to their topic")
    which = replaying.add_mutually_exclusive_group(required=True)
    which.add_argument("--application", help="every dead letter of this application id")
    which.add_argument("--offset", help="one dead letter: DLQ_TOPIC:PARTITION:OFFSET")
    args = parser.parse_args(argv)
    if args.command == "list":
        args.offset = None
    return asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())
