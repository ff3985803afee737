"""An agency's consumer for Sentra, aiokafka only: answers every request it receives.
SENTRA_KAFKA_BOOTSTRAP=127.0.0.1:19092 SENTRA_AGENCY=polri python example_consumer.py
"""

import asyncio
import json
import os
import secrets
import uuid
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

AGENCY = os.environ.get("SENTRA_AGENCY", "polri")
KAFKA = os.environ.get("SENTRA_KAFKA_BOOTSTRAP", "127.0.0.1:19092")
JSON, READ = "application/json", {"enable_auto_commit": False, "auto_offset_reset": "earliest"}
TOPIC = f"sentra.agency.{AGENCY}."
# A check (e.g. PolriCheckRequested) is answered by its CheckCompleted; the bank's loan and
# the insurer's payout by their own answer types.
ANSWER = dict(BankLoanRequested="BankLoanDecided", InsurerPayoutRequested="InsurerPayoutConfirmed")
IDR_PER_KRW = 11.40  # the insurer's own rate on the day it pays


def findings(answer: str, request: dict) -> dict:
    """What you found. Here everything passes: the loan is disbursed, the payout paid in full.
    The same request must get the same answer, so the day is the request's, not today."""
    day = request["occurred_at"][:10]
    if answer == "BankLoanDecided":
        return {"disbursed_amount_idr": request["amount_idr"], "disbursed_on": day}
    if answer == "InsurerPayoutConfirmed":
        krw = request["amount_krw"]
        return {"paid_krw": krw, "paid_idr": round(krw * IDR_PER_KRW), "paid_on": day}
    return {}


def reply_to(request: dict, headers: dict) -> tuple[dict, dict]:
    asked = headers["ce_type"].split(".")[-2]  # id.sentra.<owner>.<Request>.v1
    answer = ANSWER.get(asked, asked.replace("CheckRequested", "CheckCompleted"))
    reply_id = str(uuid.uuid5(uuid.UUID(request["event_id"]), AGENCY))  # same request, same id
    now, app = datetime.now(UTC).isoformat(), request["application_id"]
    reply = {"event_id": reply_id, "application_id": app, "occurred_at": now, "outcome": "passed"}
    reply |= {"request_id": request["event_id"], **findings(answer, request)}
    out = {"ce_specversion": "1.0", "ce_id": reply_id, "ce_source": f"/agencies/{AGENCY}"}
    out |= {"ce_type": f"id.sentra.agency.{AGENCY}.{answer}.v2", "ce_time": now}
    out |= {"ce_subject": app, "content-type": JSON}
    if "traceparent" in headers:  # same trace id, our own span id: the reply continues the trace
        version, trace_id, _, flags = headers["traceparent"].split("-")
        out["traceparent"] = f"{version}-{trace_id}-{secrets.token_hex(8)}-{flags}"
    return reply, out


async def main() -> None:
    consumer = AIOKafkaConsumer(
        TOPIC + "requests.v1", group_id=AGENCY, bootstrap_servers=KAFKA, **READ
    )
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA, enable_idempotence=True)
    await asyncio.gather(consumer.start(), producer.start())
    async for msg in consumer:
        reply, out = reply_to(json.loads(msg.value), {k: v.decode() for k, v in msg.headers})
        headers = [(k, v.encode()) for k, v in out.items()]
        await producer.send_and_wait(
            TOPIC + "results.v2", json.dumps(reply).encode(), key=msg.key, headers=headers
        )
        await consumer.commit()  # only once Kafka has the reply: at-least-once, never lost


asyncio.run(main())
