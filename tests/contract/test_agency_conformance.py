"""`make conformance` against the session's real Kafka: good consumers pass, bad ones fail."""

from __future__ import annotations

import sys
from pathlib import Path

from sentra_agencies.conformance import (
    Subject,
    builtin_subject,
    example_subject,
    run_subject,
)
from sentra_agencies.sandbox import EXAMPLE_CONSUMER
from sentra_local.stack import Stack
from sentra_shared.events import Agency

# A consumer that answers on time, with the right headers, but not what the contract says.
INVALID_REPLIER = """
import asyncio, json, os
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
KAFKA, AGENCY = os.environ["SENTRA_KAFKA_BOOTSTRAP"], os.environ["SENTRA_AGENCY"]
async def main():
    consumer = AIOKafkaConsumer(f"sentra.agency.{AGENCY}.requests.v1", bootstrap_servers=KAFKA,
                                group_id="invalid", auto_offset_reset="earliest")
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA)
    await consumer.start(); await producer.start()
    async for msg in consumer:
        request = json.loads(msg.value)
        reply = {"request_id": request["event_id"], "outcome": "probably", "note": "ok"}
        topic = f"sentra.agency.{AGENCY}.results.v1"
        body, headers = json.dumps(reply).encode(), list(msg.headers)
        await producer.send_and_wait(topic, body, key=msg.key, headers=headers)
asyncio.run(main())
"""


async def test_the_builtin_responders_of_every_agency_conform(local_stack: Stack) -> None:
    agencies = [a.value for a in Agency]
    reports = await run_subject(local_stack.kafka.bootstrap, builtin_subject(), agencies)
    assert {r.agency: r.failures for r in reports} == {a: [] for a in agencies}


async def test_the_example_consumer_conforms(local_stack: Stack) -> None:
    reports = await run_subject(
        local_stack.kafka.bootstrap, example_subject(), ["polri", "bpjs_ketenagakerjaan"]
    )
    assert [r.failures for r in reports] == [[], []]
    assert all(0 < max(r.latencies_s) < 10 for r in reports)


async def test_a_consumer_replying_an_invalid_payload_fails(
    local_stack: Stack, tmp_path: Path
) -> None:
    script = tmp_path / "invalid_replier.py"
    script.write_text(INVALID_REPLIER)
    subject = Subject("invalid replier", [sys.executable, str(script)], per_agency=True)
    [report] = await run_subject(
        local_stack.kafka.bootstrap, subject, ["dukcapil"], reply_within=5, log_dir=tmp_path
    )
    assert not report.passed
    failures = "\n".join(report.failures)
    assert "breaks DukcapilCheckCompleted.json" in failures
    assert "'probably' is not one of ['passed', 'failed']" in failures
    assert "header ce_type" in failures
    assert "traceparent does not continue" not in failures  # headers were copied as they came


async def test_a_consumer_that_never_replies_fails(local_stack: Stack, tmp_path: Path) -> None:
    silent = Subject("silent", [sys.executable, "-c", "import time; time.sleep(60)"], True)
    [report] = await run_subject(
        local_stack.kafka.bootstrap, silent, ["insurer"], reply_within=2, log_dir=tmp_path
    )
    assert len(report.failures) == 6  # 3 checks and 3 payouts, none answered
    assert all(f.startswith("no reply to request") for f in report.failures)


async def test_the_example_consumer_answers_the_bank_and_insurer_exchanges(
    local_stack: Stack,
) -> None:
    reports = await run_subject(local_stack.kafka.bootstrap, example_subject(), ["bank", "insurer"])
    assert [r.failures for r in reports] == [[], []]
    assert [len(r.latencies_s) for r in reports] == [6, 6]  # 3 checks + 3 loans / payouts


async def test_answering_a_loan_request_as_if_it_were_a_check_fails(
    local_stack: Stack, tmp_path: Path
) -> None:
    # The mistake of mapping each agency to one answer type: the loan gets a check's answer.
    script = tmp_path / "check_only.py"
    source = EXAMPLE_CONSUMER.read_text()
    mapping = 'answer = ANSWER.get(asked, asked.replace("CheckRequested", "CheckCompleted"))'
    assert mapping in source
    script.write_text(source.replace(mapping, 'answer = "BankCheckCompleted"'))
    subject = Subject("check-only bank", [sys.executable, str(script)], per_agency=True)
    [report] = await run_subject(
        local_stack.kafka.bootstrap, subject, ["bank"], reply_within=10, log_dir=tmp_path
    )
    wrong_type = [f for f in report.failures if "header ce_type" in f]
    assert len(wrong_type) == 4  # 3 loan requests, one of them redelivered
    assert all("BankLoanDecided" in f for f in wrong_type)
    assert all("header ce_type" in f for f in report.failures)  # the checks passed
