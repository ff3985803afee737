"""`sentra-audit`: check the audit chains, and read one application's decisions.

    sentra-audit verify [--service NAME ...] [--heads-from-kafka]
    sentra-audit show APPLICATION_ID

Each deciding service keeps its chain in its own database: the command reads
`SENTRA_DOCUMENTS_DATABASE_URL`, `SENTRA_CREDIT_DATABASE_URL` and
`SENTRA_INSURANCE_DATABASE_URL` (those that are set). `verify` recomputes every chain
and names the first row that does not match; with `--heads-from-kafka` it also reads
every head published to sentra.audit.heads.v1 (from the start, in no consumer group, on
`SENTRA_KAFKA_BOOTSTRAP`) and checks that each chain still reaches its service's last
one. Exit 1 when any check fails, 2 when a database or the broker cannot be read.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import uuid
from collections.abc import Sequence

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from sentra_shared import audit
from sentra_shared.answers import DECIDING_SERVICES
from sentra_shared.envelope import UndecodableEvent, decode, decode_headers
from sentra_shared.events import AUDIT_HEADS_TOPIC, AuditChainHead
from sentra_shared.kafka_login import KafkaLogin


class Unreadable(Exception):
    """A database or the broker could not be read; the message never holds a URL."""


def _databases(services: Sequence[str]) -> dict[str, str]:
    urls = {s: os.environ.get(f"SENTRA_{s.upper()}_DATABASE_URL", "") for s in services}
    return {service: url for service, url in urls.items() if url}


async def _read(service: str, url: str, application_id: uuid.UUID | None) -> list[audit.AuditRow]:
    try:
        conn = await asyncpg.connect(url, timeout=10)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        # The URL may hold a password: name the service, not the URL.
        raise Unreadable(f"cannot reach the {service} database: {error}") from None
    try:
        if application_id is None:
            return await audit.read_chain(conn)
        return await audit.read_application(conn, application_id)
    except asyncpg.UndefinedTableError:
        raise Unreadable(
            f"the {service} database has no audit_log table: is it a deciding service's "
            "database, migrated by its service?"
        ) from None
    finally:
        await conn.close()


async def published_heads(kafka: KafkaLogin, within: float = 30.0) -> dict[str, audit.Head]:
    """The last head each service published, read from the start of the heads topic (as
    the witness reads it: SENTRA_KAFKA_USERNAME / _PASSWORD, the `witness` principal)."""
    consumer = AIOKafkaConsumer(
        AUDIT_HEADS_TOPIC,
        **kafka.aiokafka(),
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    try:
        await consumer.start()
    except Exception as error:
        raise Unreadable(f"cannot reach the broker for {AUDIT_HEADS_TOPIC}: {error}") from None
    heads: dict[str, audit.Head] = {}
    try:
        async with asyncio.timeout(within):
            partitions = consumer.assignment()
            while not partitions:  # assigned once the topic's metadata arrives
                await asyncio.sleep(0.05)
                partitions = consumer.assignment()
            ends = await consumer.end_offsets(list(partitions))
            while not await _at_end(consumer, ends):
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    for record in records:
                        try:
                            event = decode(decode_headers(record.headers), record.value)
                        except UndecodableEvent:
                            continue  # not a head: no witness evidence either way
                        if isinstance(event, AuditChainHead):
                            # One service's heads share a key: their order is the log's.
                            heads[event.service] = audit.Head(event.position, event.hash)
    except TimeoutError:
        raise Unreadable(f"{AUDIT_HEADS_TOPIC} could not be read to its end") from None
    finally:
        await consumer.stop()
    return heads


async def _at_end(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for partition, end in ends.items():
        if await consumer.position(partition) < end:
            return False
    return True


async def _verify(args: argparse.Namespace) -> int:
    databases = _databases(args.service or DECIDING_SERVICES)
    if not databases:
        print("no database: set SENTRA_<SERVICE>_DATABASE_URL", file=sys.stderr)
        return 2
    heads = (
        await published_heads(KafkaLogin.from_env(bootstrap=args.bootstrap))
        if args.heads_from_kafka
        else {}
    )
    failed = False
    for service, url in databases.items():
        witness = heads.get(service)
        checked = audit.verify(await _read(service, url, None), witness)
        if checked.failure is not None:
            failed = True
            failure = checked.failure
            print(f"{service}: FAILED at row {failure.position}: {failure.problem.value}: "
                  f"{failure.detail}")  # fmt: skip
            continue
        head = checked.head.hash if checked.head else audit.GENESIS
        against = ""
        if args.heads_from_kafka:
            against = (
                f", reaches the published head at {witness.position}"
                if witness
                else ", no head published yet"
            )
        print(f"{service}: ok, {checked.rows} rows, head {head}{against}")
    return 1 if failed else 0


async def _show(args: argparse.Namespace) -> int:
    databases = _databases(DECIDING_SERVICES)
    if not databases:
        print("no database: set SENTRA_<SERVICE>_DATABASE_URL", file=sys.stderr)
        return 2
    found = [
        (service, row)
        for service, url in databases.items()
        for row in await _read(service, url, args.application_id)
    ]
    if not found:
        print(f"no decisions recorded for {args.application_id}", file=sys.stderr)
        return 1
    print(f"application {args.application_id}: {len(found)} decision(s)")
    for service, row in sorted(found, key=lambda f: (f[1].recorded_at, f[0])):
        print()
        print(f"{row.recorded_at.isoformat(timespec='seconds')}  {service} #{row.position}  "
              f"{row.decision}")  # fmt: skip
        print(f"  actor:    {row.actor}")
        print(f"  rules:    {row.rules_version}")
        print(f"  trace id: {row.trace_id or '-'}")
        for reason in row.reasons_as():
            print(f"  - {reason.code}")
            print(f"      id: {reason.text.id}")
            print(f"      en: {reason.text.en}")
    return 0


async def _main(args: argparse.Namespace) -> int:
    try:
        if args.command == "verify":
            return await _verify(args)
        return await _show(args)
    except Unreadable as error:
        print(error, file=sys.stderr)
        return 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sentra-audit",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    verifying = commands.add_parser("verify", help="recompute every chain")
    verifying.add_argument(
        "--service", action="append", choices=DECIDING_SERVICES, help="only this one (repeatable)"
    )
    verifying.add_argument(
        "--heads-from-kafka",
        action="store_true",
        help=f"also check each chain against its last head on {AUDIT_HEADS_TOPIC}",
    )
    verifying.add_argument(
        "--bootstrap",
        default=os.environ.get("SENTRA_KAFKA_BOOTSTRAP", "127.0.0.1:19092"),
        help="the broker (default: SENTRA_KAFKA_BOOTSTRAP)",
    )
    showing = commands.add_parser("show", help="one application's decisions, in time order")
    showing.add_argument("application_id", type=uuid.UUID)
    return asyncio.run(_main(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
