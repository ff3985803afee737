"""`make conformance` against the session's real Kafka: good consumers pass, bad ones fail."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sentra_agencies.app import AgenciesSettings
from sentra_agencies.app import create_app as create_agencies
from sentra_agencies.conformance import (
    Subject,
    builtin_subject,
    example_subject,
    run_subject,
)
from sentra_agencies.sandbox import EXAMPLE_CONSUMER, Sandbox
from sentra_agencies.timing import Timing, TimingPolicy, plan_answer, timing_of
from sentra_local.stack import Stack
from sentra_local.testing import group_of, serving, wait_until
from sentra_shared import clock
from sentra_shared.calendar import indonesian_calendar
from sentra_shared.clock import ManualClock
from sentra_shared.contract import AGENCIES_DIR
from sentra_shared.deadlines import agency_terms
from sentra_shared.envelope import decode, decode_headers, encode, headers_for
from sentra_shared.events import (
    Agency,
    BankLoanDecided,
    BankLoanRequested,
    CheckOutcome,
    requests_topic,
    results_topic,
)
from sentra_shared.failures import UndecodableEvent
from sentra_shared.kafka_login import KafkaLogin

# A consumer that answers on time, with the right headers, but not what the contract says.
INVALID_REPLIER = """
import asyncio, json, os
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
KAFKA, AGENCY = os.environ["SENTRA_KAFKA_BOOTSTRAP"], os.environ["SENTRA_AGENCY"]
LOGIN = {"bootstrap_servers": KAFKA, "security_protocol": "SASL_PLAINTEXT",
         "sasl_mechanism": "SCRAM-SHA-512",
         "sasl_plain_username": os.environ["SENTRA_KAFKA_USERNAME"],
         "sasl_plain_password": os.environ["SENTRA_KAFKA_PASSWORD"]}
async def main():
    consumer = AIOKafkaConsumer(f"sentra.agency.{AGENCY}.requests.v1", **LOGIN,
                                group_id=f"{AGENCY}.invalid", auto_offset_reset="earliest")
    producer = AIOKafkaProducer(**LOGIN)
    await consumer.start(); await producer.start()
    async for msg in consumer:
        request = json.loads(msg.value)
        reply = {"request_id": request["event_id"], "outcome": "probably", "note": "ok"}
        topic = f"sentra.agency.{AGENCY}.results.v2"
        body, headers = json.dumps(reply).encode(), list(msg.headers)
        await producer.send_and_wait(topic, body, key=msg.key, headers=headers)
asyncio.run(main())
"""

# A consumer right in every respect but its refusals: it refuses without saying why, or
# with a code that is not on the agency's list.
UNEXPLAINED_REFUSER = """
import asyncio, json, os, uuid
from datetime import UTC, datetime
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
KAFKA, AGENCY = os.environ["SENTRA_KAFKA_BOOTSTRAP"], os.environ["SENTRA_AGENCY"]
LOGIN = {"bootstrap_servers": KAFKA, "security_protocol": "SASL_PLAINTEXT",
         "sasl_mechanism": "SCRAM-SHA-512",
         "sasl_plain_username": os.environ["SENTRA_KAFKA_USERNAME"],
         "sasl_plain_password": os.environ["SENTRA_KAFKA_PASSWORD"]}
UNLISTED = {"code": "RECORD", "text": {"id": "Ada catatan.", "en": "There is a record."}}
async def main():
    consumer = AIOKafkaConsumer(f"sentra.agency.{AGENCY}.requests.v1", **LOGIN,
                                group_id=f"{AGENCY}.refuser", auto_offset_reset="earliest")
    producer = AIOKafkaProducer(**LOGIN)
    await consumer.start(); await producer.start()
    async for msg in consumer:
        request, headers = json.loads(msg.value), dict(msg.headers)
        reply_id = str(uuid.uuid5(uuid.UUID(request["event_id"]), AGENCY))
        reasons = [] if request["nik"].endswith("0007") else [UNLISTED]
        reply = {"event_id": reply_id, "application_id": request["application_id"],
                 "occurred_at": request["occurred_at"], "request_id": request["event_id"],
                 "outcome": "failed", "reasons": reasons}
        headers.update({"ce_id": reply_id.encode(), "ce_source": f"/agencies/{AGENCY}".encode(),
                        "ce_type": b"id.sentra.agency.dukcapil.DukcapilCheckCompleted.v2",
                        "ce_time": datetime.now(UTC).isoformat().encode()})
        await producer.send_and_wait(f"sentra.agency.{AGENCY}.results.v2",
                                     json.dumps(reply).encode(), key=msg.key,
                                     headers=list(headers.items()))
        await consumer.commit()
asyncio.run(main())
"""


async def test_the_builtin_responders_of_every_agency_conform(local_stack: Stack) -> None:
    agencies = [a.value for a in Agency]
    reports = await run_subject(Sandbox.on(local_stack.kafka), builtin_subject(), agencies)
    assert {r.agency: r.failures for r in reports} == {a: [] for a in agencies}


async def test_the_example_consumer_conforms(local_stack: Stack) -> None:
    reports = await run_subject(
        Sandbox.on(local_stack.kafka), example_subject(), ["polri", "bpjs_ketenagakerjaan"]
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
        Sandbox.on(local_stack.kafka), subject, ["dukcapil"], reply_within=5, log_dir=tmp_path
    )
    assert not report.passed
    failures = "\n".join(report.failures)
    assert "breaks DukcapilCheckCompleted.json" in failures
    assert "'probably' is not one of ['passed', 'failed']" in failures
    assert "header ce_type" in failures
    assert "traceparent does not continue" not in failures  # headers were copied as they came


async def test_a_refusal_without_a_listed_reason_fails(local_stack: Stack, tmp_path: Path) -> None:
    script = tmp_path / "unexplained_refuser.py"
    script.write_text(UNEXPLAINED_REFUSER)
    subject = Subject("unexplained refuser", [sys.executable, str(script)], per_agency=True)
    [report] = await run_subject(
        Sandbox.on(local_stack.kafka), subject, ["dukcapil"], reply_within=10, log_dir=tmp_path
    )
    failures = report.failures
    # Two sample people Dukcapil knows (refused with no reason), one it does not (refused
    # with a code not on its list); the first of them was redelivered and answered twice.
    unexplained = [f for f in failures if "a failed answer must give at least one reason" in f]
    unlisted = [f for f in failures if "reason codes not in dukcapil's list: RECORD" in f]
    assert (len(unexplained), len(unlisted)) == (3, 1)
    assert "NIK_NOT_REGISTERED" in unlisted[0]  # the list is named, so the fix is plain
    schema_errors = [f for f in failures if "breaks DukcapilCheckCompleted.json" in f]
    assert len(schema_errors) == 4  # the schema refuses the same four replies
    assert set(failures) == set(unexplained + unlisted + schema_errors)  # nothing else wrong


async def test_a_consumer_that_never_replies_fails(local_stack: Stack, tmp_path: Path) -> None:
    silent = Subject("silent", [sys.executable, "-c", "import time; time.sleep(60)"], True)
    [report] = await run_subject(
        Sandbox.on(local_stack.kafka), silent, ["insurer"], reply_within=2, log_dir=tmp_path
    )
    assert len(report.failures) == 6  # 3 checks and 3 payouts, none answered
    assert all(f.startswith("no reply to request") for f in report.failures)


async def test_the_example_consumer_answers_the_bank_and_insurer_exchanges(
    local_stack: Stack,
) -> None:
    reports = await run_subject(
        Sandbox.on(local_stack.kafka), example_subject(), ["bank", "insurer"]
    )
    assert [r.failures for r in reports] == [[], []]
    # The bank: 3 checks, 3 loans, 3 participation reports; the insurer: 3 checks, 3 payouts.
    assert [len(r.latencies_s) for r in reports] == [9, 6]


async def test_the_example_consumer_answers_organisers_and_desks(local_stack: Stack) -> None:
    agencies = ["disnaker", "trade_office", "placement_desk", "product_desk"]
    reports = await run_subject(Sandbox.on(local_stack.kafka), example_subject(), agencies)
    assert [r.failures for r in reports] == [[], [], [], []]
    # Disnaker: 3 checks and 3 participation reports; the others 3 of their one exchange.
    assert [len(r.latencies_s) for r in reports] == [6, 3, 3, 3]


async def test_answering_a_loan_request_as_if_it_were_a_check_fails(
    local_stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The mistake of mapping each agency to one answer type: the loan gets a check's answer.
    script = tmp_path / "check_only.py"
    source = EXAMPLE_CONSUMER.read_text()
    mapping = 'answer = contract["answers"][headers["ce_type"]]'
    assert mapping in source
    # Every request answered like the first one the document lists: the check.
    script.write_text(source.replace(mapping, 'answer = next(iter(contract["answers"].values()))'))
    monkeypatch.setenv("SENTRA_AGENCY_CONTRACTS_DIR", str(AGENCIES_DIR))  # the copy moved
    subject = Subject("check-only bank", [sys.executable, str(script)], per_agency=True)
    [report] = await run_subject(
        Sandbox.on(local_stack.kafka), subject, ["bank"], reply_within=10, log_dir=tmp_path
    )
    wrong_type = [f for f in report.failures if "header ce_type" in f]
    # 3 loan and 3 participation requests, the first of each redelivered.
    assert len(wrong_type) == 8
    assert sum("expected 'id.sentra.agency.bank.BankLoanDecided.v2'" in f for f in wrong_type) == 4
    participation = "expected 'id.sentra.agency.bank.BankParticipationReported.v2'"
    assert sum(participation in f for f in wrong_type) == 4
    # Answered as a check, a participation report also lacks the attendance it must give.
    incomplete = [f for f in report.failures if "breaks BankParticipationReported.json" in f]
    assert len(incomplete) == 8  # sessions_held and sessions_attended, in 4 replies
    assert all("is a required property" in f for f in incomplete)
    assert set(report.failures) == set(wrong_type + incomplete)  # the checks passed


# --- realistic timing of the built-in responders, against the real broker -----------------

POLICY = TimingPolicy(late_rate=0.4, never_rate=0.3, seed=99)


def loan_request(application_id: uuid.UUID, timing: Timing) -> BankLoanRequested:
    """A loan request of `application_id` whose seeded timing is `timing`."""
    while True:
        request = BankLoanRequested(
            application_id=application_id,
            occurred_at=clock.now(),
            nik="3314015403960007",
            full_name="Siti Rahayu",
            date_of_birth=date(1996, 3, 14),
            product="placement",
            amount_idr=40_000_000,
            tenor_months=24,
            screening="approved",
            decision_due=clock.now().date() + timedelta(days=7),
        )
        if timing_of(request, POLICY) is timing:
            return request


class BankDesk:
    """Sentra's side of the bank's topics: sends requests, collects the answers."""

    def __init__(self, kafka: KafkaLogin) -> None:
        self.kafka = kafka
        self.producer = AIOKafkaProducer(**kafka.aiokafka())
        self.results = AIOKafkaConsumer(
            results_topic(Agency.BANK), **kafka.aiokafka(), auto_offset_reset="earliest"
        )
        self.admin = AIOKafkaAdminClient(**kafka.aiokafka())
        self.answers: list[BankLoanDecided] = []

    async def __aenter__(self) -> BankDesk:
        await self.producer.start()
        await self.results.start()
        await self.admin.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.results.stop()
        await self.producer.stop()
        await self.admin.close()

    async def ask(self, request: BankLoanRequested) -> tuple[TopicPartition, int]:
        """Send the request; where it landed on the request topic."""
        metadata = await self.producer.send_and_wait(
            request.topic,
            encode(request),
            key=request.key,
            headers=[(k, v.encode()) for k, v in headers_for(request).items()],
        )
        return TopicPartition(request.topic, metadata.partition), int(metadata.offset)

    async def answers_to(self, *requests: BankLoanRequested) -> list[BankLoanDecided]:
        batches = await self.results.getmany(timeout_ms=200)
        for record in (r for records in batches.values() for r in records):
            try:
                reply = decode(decode_headers(record.headers), record.value)
            except UndecodableEvent:
                # Other tests' answers share the topic, some broken on purpose (a bank that
                # refuses without a reason); none of them answers these requests.
                continue
            if isinstance(reply, BankLoanDecided):
                self.answers.append(reply)
        wanted = {r.event_id for r in requests}
        return [a for a in self.answers if a.request_id in wanted]

    async def skip_earlier_requests(self, group: str) -> None:
        """Start `group` at the end of the request topic: other tests' requests are there."""
        topic = requests_topic(Agency.BANK)
        reader = AIOKafkaConsumer(**self.kafka.aiokafka(), group_id=group)
        await reader.start()
        try:
            numbers = await self.producer.partitions_for(topic)
            partitions = [TopicPartition(topic, p) for p in numbers]
            reader.assign(partitions)
            await reader.commit(await reader.end_offsets(partitions))
        finally:
            await reader.stop()

    async def committed(self, group: str, partition: TopicPartition) -> int | None:
        offsets = await self.admin.list_consumer_group_offsets(group)
        return offsets[partition].offset if partition in offsets else None


async def test_late_answers_wait_for_the_clock_past_escalation_and_survive_a_restart(
    local_stack: Stack,
) -> None:
    group = group_of("agencies", f"timing-{uuid.uuid4()}")
    settings = AgenciesSettings(
        **local_stack.kafka_settings("responders"),
        http_port=0,
        group_id=group,
        only=(Agency.BANK,),
        late_rate=POLICY.late_rate,
        never_rate=POLICY.never_rate,
        seed=POLICY.seed,
    )
    terms, calendar = agency_terms()[Agency.BANK], indonesian_calendar()
    application = uuid.uuid4()  # one key: every request on the same partition, in order
    with clock.installed(ManualClock()) as manual:
        assert isinstance(manual, ManualClock)
        late = loan_request(application, Timing.LATE)
        prompt = loan_request(application, Timing.PROMPT)
        never = loan_request(application, Timing.NEVER)
        after = loan_request(application, Timing.PROMPT)
        plan = plan_answer(late, POLICY, terms, calendar)
        assert plan.not_before is not None
        async with BankDesk(local_stack.kafka.admin) as desk:
            await desk.skip_earlier_requests(group)
            sent = [await desk.ask(r) for r in (late, prompt, never, after)]
            partition, late_offset = sent[0]
            assert {p for p, _ in sent} == {partition}
            async with serving(create_agencies(settings)) as url, httpx.AsyncClient() as http:
                # The late answer does not hold up the ones after it; "never" stays unanswered.
                await wait_until(lambda: _count(desk.answers_to(prompt, after), 2), within=30)
                health = (await http.get(f"{url}/health")).json()
                assert health["deferred_answers"] == 1
                # Committed up to the late request only: a restart must read it again.
                await wait_until(lambda: _equal(desk.committed(group, partition), late_offset))
            # Restarted (the deferred answer in memory is gone): read again from the late
            # request, answered again with the same ids, the late one deferred again.
            async with serving(create_agencies(settings)) as url, httpx.AsyncClient() as http:
                await wait_until(lambda: _count(desk.answers_to(prompt, after), 4), within=30)
                assert len({a.event_id for a in await desk.answers_to(prompt, after)}) == 2
                assert (await http.get(f"{url}/health")).json()["deferred_answers"] == 1
                # Past the deadline, then past the escalation: still no answer. A prompt
                # request answered after each step shows the responder has seen the clock.
                due, escalated = (
                    terms.due_at(late.occurred_at, calendar),
                    terms.escalate_at(late.occurred_at, calendar),
                )
                assert due < escalated < plan.not_before
                for moment in (due, escalated):
                    manual.advance(moment + timedelta(minutes=1) - clock.now())
                    probe = loan_request(application, Timing.PROMPT)
                    _, last_offset = await desk.ask(probe)
                    await wait_until(_answered(desk, probe), within=30)
                    assert await desk.answers_to(late) == []
                # Past escalation and the margin: the late answer, effective that day.
                manual.advance(plan.not_before + timedelta(minutes=1) - clock.now())
                await wait_until(lambda: _count(desk.answers_to(late), 1), within=30)
                [answer] = await desk.answers_to(late)
                assert answer.outcome is CheckOutcome.PASSED
                assert answer.disbursed_amount_idr == 40_000_000
                assert answer.disbursed_on == plan.on
                assert answer.occurred_at >= plan.not_before
                assert (await http.get(f"{url}/health")).json()["deferred_answers"] == 0
                # Nothing left unanswered: committed to the end, past the "never" request.
                await wait_until(
                    lambda: _at_least(desk.committed(group, partition), last_offset + 1)
                )
            assert await desk.answers_to(never) == []


def _answered(desk: BankDesk, request: BankLoanRequested) -> Callable[[], Awaitable[bool]]:
    return lambda: _count(desk.answers_to(request), 1)


async def _count(answers: Awaitable[list[BankLoanDecided]], n: int) -> bool:
    return len(await answers) >= n


async def _equal(offset: Awaitable[int | None], n: int) -> bool:
    return await offset == n


async def _at_least(offset: Awaitable[int | None], n: int) -> bool:
    value = await offset
    return value is not None and value >= n


async def test_when_deferred_answers_fill_the_bound_fetching_waits_for_them(
    local_stack: Stack,
) -> None:
    settings = AgenciesSettings(
        **local_stack.kafka_settings("responders"),
        http_port=0,
        group_id=group_of("agencies", f"bounded-{uuid.uuid4()}"),
        only=(Agency.BANK,),
        late_rate=POLICY.late_rate,
        never_rate=POLICY.never_rate,
        seed=POLICY.seed,
        max_deferred=1,
    )
    terms, calendar = agency_terms()[Agency.BANK], indonesian_calendar()
    application = uuid.uuid4()
    with clock.installed(ManualClock()) as manual:
        assert isinstance(manual, ManualClock)
        first, second = (loan_request(application, Timing.LATE) for _ in range(2))
        prompt = loan_request(application, Timing.PROMPT)
        async with BankDesk(local_stack.kafka.admin) as desk:
            await desk.skip_earlier_requests(settings.group_id)
            for request in (first, second, prompt):
                await desk.ask(request)
            async with serving(create_agencies(settings)) as url, httpx.AsyncClient() as http:

                async def deferred() -> int:
                    return int((await http.get(f"{url}/health")).json()["deferred_answers"])

                await wait_until(lambda: _equal(deferred(), 1), within=30)
                # Full: the requests behind stay in Kafka, unread, however long we look.
                await asyncio.sleep(2)  # several fetch cycles of real time; the clock stands
                assert await desk.answers_to(first, second, prompt) == []
                assert await deferred() == 1
                # Past both late answers' time: each is given, and the rest is read.
                plans = [plan_answer(r, POLICY, terms, calendar) for r in (first, second)]
                last = max(p.not_before for p in plans if p.not_before is not None)
                manual.advance(last + timedelta(minutes=1) - clock.now())
                await wait_until(lambda: _count(desk.answers_to(first, second, prompt), 3))
                assert await deferred() == 0
