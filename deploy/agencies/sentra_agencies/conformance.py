"""Agency conformance: run an agency's consumer against a sandbox and check its replies.

For each agency and each exchange it answers (a check; the bank also a loan decision, the
insurer also a payout; an organiser, Disnaker and the bank among them, a participation
report; a desk a consultation): send sample requests (each with its own trace), then
check every reply is the exchange's answer type, validates against its published JSON
Schema (shared/contracts/schemas/) and carries the CloudEvents headers,
the application id as key and the request's trace id; that a `failed` reply says why, with
codes from the agency's own list; that it comes on the agency's current (v2) result topic
with a v2 `ce_type`; arrives within the agency's agreed
sandbox time (shared/sentra_shared/topics.toml); and that a redelivered request gets the
same reply (same event id, same content) rather than a second, different one.

    python -m sentra_agencies.conformance                       # built-in responders + example
    python -m sentra_agencies.conformance --consumer "python my_consumer.py" --agency polri

Without `--bootstrap` a fresh sandbox Kafka is started on loopback, secured like production,
and removed afterwards. The consumer command gets SENTRA_KAFKA_BOOTSTRAP, SENTRA_AGENCY and
the agency's own login (SENTRA_KAFKA_USERNAME / SENTRA_KAFKA_PASSWORD) in its environment:
it may read only its requests and write only its answers. With `--bootstrap` the kit signs
in as SENTRA_CONFORMANCE_KAFKA_USERNAME / _PASSWORD and the consumer keeps the login its
environment already has.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import shlex
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from jsonschema import Draft202012Validator
from pydantic import ValidationError
from sentra_local.paths import state_dir
from sentra_shared.contract import SCHEMAS_DIR
from sentra_shared.envelope import encode
from sentra_shared.events import (
    AGENCY_EXCHANGES,
    ANSWER_TO,
    Agency,
    AgencyCheckCompleted,
    AgencyCheckRequested,
)
from sentra_shared.kafka_login import KafkaLogin
from sentra_shared.topics import AgencySpec, declared_agencies

from sentra_agencies.samples import sample_request
from sentra_agencies.sandbox import (
    Sandbox,
    Subject,
    builtin_subject,
    consumer_process,
    example_subject,
    sandbox_kafka,
)

__all__ = ["Subject", "builtin_subject", "check_agency", "example_subject", "run_subject"]

REQUESTS_PER_EXCHANGE = 3
# How long to keep listening after a redelivery for a second, different reply.
REDELIVERY_SETTLE_S = 2.0


@dataclass
class Sent:
    request: AgencyCheckRequested
    headers: dict[str, str]
    trace_id: str
    at: float


@dataclass
class Reply:
    key: bytes | None
    headers: dict[str, str]
    value: bytes
    at: float


@dataclass
class AgencyReport:
    agency: str
    failures: list[str] = field(default_factory=list)
    latencies_s: list[float] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


async def check_agency(kit: KafkaLogin, spec: AgencySpec, reply_within: float) -> AgencyReport:
    agency = Agency(spec.agency)
    report = AgencyReport(spec.agency)
    loop = asyncio.get_running_loop()
    producer = AIOKafkaProducer(**kit.aiokafka(), enable_idempotence=True)
    # No group: read the whole result topic and keep only the replies to our requests.
    consumer = AIOKafkaConsumer(spec.results_topic, **kit.aiokafka(), auto_offset_reset="earliest")
    await producer.start()
    await consumer.start()
    try:
        sent: dict[uuid.UUID, Sent] = {}
        replies: dict[uuid.UUID, list[Reply]] = {}
        by_key: dict[bytes, uuid.UUID] = {}

        async def send(item: Sent) -> None:
            await producer.send_and_wait(
                spec.requests_topic,
                encode(item.request),
                key=item.request.key,
                headers=[(k, v.encode()) for k, v in item.headers.items()],
            )

        async def collect(until: float, done: bool) -> None:
            while loop.time() < until:
                if done and all(replies.get(rid) for rid in sent):
                    return
                batches = await consumer.getmany(timeout_ms=200)
                for record in (r for records in batches.values() for r in records):
                    reply = Reply(
                        record.key,
                        {k: v.decode(errors="replace") for k, v in record.headers},
                        record.value or b"",
                        loop.time(),
                    )
                    # By key (the application id): a reply too broken to name its request
                    # still counts as this request's reply, and is judged.
                    request_id = by_key.get(record.key) or _request_id(reply)
                    if request_id in sent:
                        replies.setdefault(request_id, []).append(reply)

        # Every exchange the agency answers (a check, a loan decision, a payout, a
        # participation report, a consultation), each request in its own case and trace.
        firsts: list[Sent] = []
        for request_type, _ in AGENCY_EXCHANGES[agency]:
            for n in range(REQUESTS_PER_EXCHANGE):
                # The last of each is someone the built-in sandbox refuses, so that
                # `failed` answers and their reasons are judged as well.
                refused = n == REQUESTS_PER_EXCHANGE - 1
                request, headers, trace_id = sample_request(request_type, refused)
                item = Sent(request, headers, trace_id, loop.time())
                sent[request.event_id] = item
                by_key[request.key] = request.event_id
                firsts += [item] if n == 0 else []
                await send(item)
        await collect(loop.time() + reply_within, done=True)
        # Redelivery: the same request again, byte for byte, as Kafka may deliver it.
        for first in firsts:
            await send(first)
        await collect(loop.time() + min(REDELIVERY_SETTLE_S, reply_within), done=False)
        for request_id, item in sent.items():
            report.failures += _judge(spec, item, replies.get(request_id, []), reply_within)
            if replies.get(request_id):
                report.latencies_s.append(replies[request_id][0].at - item.at)
    finally:
        await consumer.stop()
        await producer.stop()
    return report


def _request_id(reply: Reply) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(json.loads(reply.value)["request_id"]))
    except (ValueError, KeyError, TypeError):
        return None


def _judge(spec: AgencySpec, sent: Sent, replies: list[Reply], within: float) -> list[str]:
    request = sent.request
    label = f"reply to request {request.event_id}"
    if not replies:
        return [
            f"no reply to request {request.event_id} on {spec.results_topic} within {within:.0f}s "
            f"(agreed: {spec.sla_days} {spec.sla_day_kind} day(s); sandbox: {within:.0f}s)"
        ]
    result_type = ANSWER_TO[type(request)]
    validator = Draft202012Validator(_schema(result_type.__name__))
    problems: list[str] = []
    if replies[0].at - sent.at > within:
        problems.append(f"{label} came after {replies[0].at - sent.at:.1f}s (> {within:.0f}s)")
    for reply in replies:
        body = _json_object(reply.value)
        if body is None:
            problems.append(f"{label} is not a JSON object")
            continue
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        problems += [
            f"{label} breaks {result_type.__name__}.json at "
            f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}"
            for e in errors
        ]
        expected = {
            "ce_specversion": "1.0",
            "ce_type": result_type.ce_type(),
            "ce_subject": str(request.application_id),
            "ce_id": str(body.get("event_id")),
            "content-type": "application/json",
        }
        problems += [
            f"{label}: header {name} is {reply.headers.get(name)!r}, expected {value!r}"
            for name, value in expected.items()
            if reply.headers.get(name) != value
        ]
        problems += [
            f"{label}: header {name} missing"
            for name in ("ce_source", "ce_time")
            if not reply.headers.get(name)
        ]
        problems += _rule_problems(label, result_type, body)
        if reply.key != request.key:
            problems.append(f"{label}: key is {reply.key!r}, expected the application id")
        if body.get("application_id") != str(request.application_id):
            problems.append(f"{label}: application_id is not the request's")
        if (reply.headers.get("traceparent") or "").split("-")[1:2] != [sent.trace_id]:
            problems.append(f"{label}: traceparent does not continue the request's trace")
    if len({_without_time(r) for r in replies}) > 1:
        problems.append(
            f"redelivered request {request.event_id} got a different reply "
            "(expected the same event_id and content)"
        )
    return problems


def _rule_problems(
    label: str, result_type: type[AgencyCheckCompleted], body: dict[str, Any]
) -> list[str]:
    """What Sentra's own reading of a well-shaped reply refuses (a `failed` answer without
    a reason, a code off the agency's list), in the words of that one rule."""
    try:
        result_type.model_validate(body)
    except ValidationError as invalid:
        return [
            f"{label}: {error['msg'].removeprefix('Value error, ')}"
            for error in invalid.errors(include_input=False, include_url=False)
            if not error["loc"]  # field errors are the schema's, reported above
        ]
    return []


def _without_time(reply: Reply) -> str:
    body = _json_object(reply.value)
    if body is None:
        return reply.value.decode(errors="replace")
    body.pop("occurred_at", None)
    return json.dumps(body, sort_keys=True)


def _json_object(value: bytes) -> dict[str, Any] | None:
    try:
        body = json.loads(value)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS_DIR / f"{name}.json").read_text())
    return schema


async def run_subject(
    sandbox: Sandbox,
    subject: Subject,
    agencies: Sequence[str],
    reply_within: float | None = None,
    log_dir: Path | None = None,
) -> list[AgencyReport]:
    specs = declared_agencies()
    groups = [[a] for a in agencies] if subject.per_agency else [list(agencies)]
    log_dir = log_dir or state_dir() / "conformance"
    log_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as running:
        for group in groups:
            running.enter_context(consumer_process(sandbox, subject, group, log_dir))
        return list(
            await asyncio.gather(
                *(
                    check_agency(sandbox.kit, specs[a], reply_within or specs[a].sandbox_reply_s)
                    for a in agencies
                )
            )
        )


def print_reports(subject: Subject, reports: list[AgencyReport]) -> None:
    print(f"\n{subject.name}: {shlex.join(subject.command)}")
    for report in reports:
        slowest = max(report.latencies_s, default=0.0)
        verdict = "PASS" if report.passed else "FAIL"
        print(f"  {verdict}  {report.agency:<22} slowest reply {slowest:5.2f}s")
        for failure in report.failures:
            print(f"        - {failure}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sentra_agencies.conformance",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--agency", action="append", choices=[a.value for a in Agency])
    parser.add_argument("--consumer", help="command that runs your consumer (one per agency)")
    parser.add_argument("--builtin", action="store_true", help="check the built-in responders")
    parser.add_argument("--example", action="store_true", help="check example_consumer.py")
    parser.add_argument("--bootstrap", help="use this Kafka instead of a fresh sandbox")
    parser.add_argument("--reply-within", type=float, help="override the sandbox reply time")
    args = parser.parse_args(argv)
    # A fresh broker answers "not leader" for a moment while it elects: aiokafka retries,
    # and logs each retry (as an error when fetching offsets), which would drown the report.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    agencies = args.agency or [a.value for a in Agency]
    subjects = [
        *([builtin_subject()] if args.builtin else []),
        *([example_subject()] if args.example else []),
        *([Subject("consumer", shlex.split(args.consumer), True)] if args.consumer else []),
    ] or [builtin_subject(), example_subject()]

    def run_all(sandbox: Sandbox) -> bool:
        passed = True
        for subject in subjects:
            reports = asyncio.run(run_subject(sandbox, subject, agencies, args.reply_within))
            print_reports(subject, reports)
            passed = passed and all(r.passed for r in reports)
        return passed

    if args.bootstrap:
        kit = KafkaLogin.from_env("SENTRA_CONFORMANCE_KAFKA_", bootstrap=args.bootstrap)
        passed = run_all(Sandbox(kit=kit))
    else:
        with sandbox_kafka() as sandbox:
            print(f"sandbox kafka {sandbox.kit.bootstrap} (SASL/SCRAM-SHA-512, ACLs on)")
            passed = run_all(sandbox)
    print("\nconformance: " + ("passed" if passed else "FAILED"))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
