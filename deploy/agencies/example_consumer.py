"""An agency's consumer for Sentra, built from the agency's AsyncAPI document alone (aiokafka
only): topics, consumer group, which answer each request gets, ce_type, ce_source and the
answer-id rule all come from shared/contracts/agencies/<agency>.json.
SENTRA_KAFKA_BOOTSTRAP=127.0.0.1:19092 SENTRA_AGENCY=polri \
SENTRA_KAFKA_USERNAME=polri SENTRA_KAFKA_PASSWORD=... python example_consumer.py
The agency signs in with its own credentials (SASL/SCRAM-SHA-512; SENTRA_KAFKA_TLS=true on
a cluster that speaks TLS): it may read its requests and write its answers, nothing else.
"""

import asyncio
import json
import os
import re
import secrets
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.helpers import create_ssl_context

AGENCY = os.environ.get("SENTRA_AGENCY", "polri")
KAFKA = os.environ.get("SENTRA_KAFKA_BOOTSTRAP", "127.0.0.1:19092")


def kafka_options() -> dict:
    """The broker's address and the agency's own login, from the environment."""
    username = os.environ.get("SENTRA_KAFKA_USERNAME")
    tls = os.environ.get("SENTRA_KAFKA_TLS", "").lower() in {"1", "true", "yes"}
    # TLS with the system's trusted certificates (a production cluster).
    ssl = {"ssl_context": create_ssl_context()} if tls else {}
    if not username:  # a broker without SASL (a developer's own)
        return {
            "bootstrap_servers": KAFKA,
            "security_protocol": "SSL" if tls else "PLAINTEXT",
        } | ssl
    return ssl | {
        "bootstrap_servers": KAFKA,
        "security_protocol": "SASL_SSL" if tls else "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": username,
        "sasl_plain_password": os.environ["SENTRA_KAFKA_PASSWORD"],
    }


HERE = Path(__file__).resolve().parent
# Where the agency documents are: the repository's, or a copy of your own.
CONTRACTS = Path(
    os.environ.get("SENTRA_AGENCY_CONTRACTS_DIR") or HERE.parents[1] / "shared/contracts/agencies"
)
CONTRACT = CONTRACTS / f"{AGENCY}.json"
IDR_PER_KRW = 11.40  # the insurer's own rate on the day it pays


def resolve(doc: dict, node: dict) -> dict:
    """Follow `$ref`s (`#/a/b/c`) until an object that is not a reference."""
    while "$ref" in node:
        target = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def plan(doc: dict) -> dict:
    """From the document: what to read, in which group, and how to answer each request type."""
    receives = [op for op in doc["operations"].values() if op["action"] == "receive"]
    sends = [op for op in doc["operations"].values() if op["action"] == "send"]
    group = receives[0]["bindings"]["kafka"]["groupId"]
    group_id = group["examples"][0]
    if not re.fullmatch(group["pattern"], group_id):
        raise SystemExit(f"group {group_id!r} breaks the contract's rule {group['pattern']}")
    answers = {}
    for op in receives:
        headers = resolve(doc, op["messages"][0])["headers"]["properties"]
        answer = resolve(doc, op["reply"]["messages"][0])
        pinned = answer["headers"]["properties"]
        answers[headers["ce_type"]["const"]] = {
            "name": answer["name"],
            "ce_type": pinned["ce_type"]["const"],
            "ce_source": pinned["ce_source"]["const"],
        }
    return {
        "requests": resolve(doc, receives[0]["channel"])["address"],
        "results": resolve(doc, receives[0]["reply"]["channel"])["address"],
        "group_id": group_id,
        "answers": answers,
        "reply_id_name": sends[0]["x-sentra-reply-id"]["name"],  # uuid5(request event_id, name)
    }


# A desk's answer, in the language the asker wants it in (the request's `language`).
DESK_ANSWER = {
    "id": "Terima kasih atas pertanyaan Anda. Petugas kami menjawab: ...",
    "en": "Thank you for your question. Our officer answers: ...",
}


def findings(answer: str, request: dict) -> dict:
    """What you found. Here everything passes: the loan is disbursed, the payout paid in full,
    every session attended, every question answered. The same request must get the same
    answer, so the day is the request's, not today."""
    day = request["occurred_at"][:10]
    if answer == "BankLoanDecided":
        return {"disbursed_amount_idr": request["amount_idr"], "disbursed_on": day}
    if answer == "InsurerPayoutConfirmed":
        krw = request["amount_krw"]
        return {"paid_krw": krw, "paid_idr": round(krw * IDR_PER_KRW), "paid_on": day}
    if answer.endswith("ParticipationReported"):  # an organiser, from its attendance list
        held = len(request["sessions"])
        # Milestones (first sale, permit, loan repaid) only as you recorded them: none here.
        return {"sessions_held": held, "sessions_attended": held, "milestones": []}
    if answer.endswith("ConsultationReplied"):  # a desk: a passed reply carries the answer
        return {"answer": DESK_ANSWER[request["language"]]}
    return {}


def reply_to(contract: dict, request: dict, headers: dict) -> tuple[dict, dict]:
    answer = contract["answers"][headers["ce_type"]]
    reply_id = str(uuid.uuid5(uuid.UUID(request["event_id"]), contract["reply_id_name"]))
    now, app = datetime.now(UTC).isoformat(), request["application_id"]
    reply = {"event_id": reply_id, "application_id": app, "occurred_at": now, "outcome": "passed"}
    reply |= {"request_id": request["event_id"], **findings(answer["name"], request)}
    out = {"ce_specversion": "1.0", "ce_id": reply_id, "ce_source": answer["ce_source"]}
    out |= {"ce_type": answer["ce_type"], "ce_time": now, "ce_subject": app}
    out |= {"content-type": "application/json"}
    if "traceparent" in headers:  # same trace id, a span id of our own: the trace continues
        version, trace_id, _, flags = headers["traceparent"].split("-")
        out["traceparent"] = f"{version}-{trace_id}-{secrets.token_hex(8)}-{flags}"
    if "correlation_id" in headers:
        out["correlation_id"] = headers["correlation_id"]
    return reply, out


async def main(contract: dict) -> None:
    consumer = AIOKafkaConsumer(
        contract["requests"],
        group_id=contract["group_id"],
        **kafka_options(),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = AIOKafkaProducer(**kafka_options(), enable_idempotence=True)
    await asyncio.gather(consumer.start(), producer.start())
    async for msg in consumer:
        headers = {k: v.decode() for k, v in msg.headers}
        reply, out = reply_to(contract, json.loads(msg.value), headers)
        await producer.send_and_wait(
            contract["results"],
            json.dumps(reply).encode(),
            key=msg.key,
            headers=[(k, v.encode()) for k, v in out.items()],
        )
        await consumer.commit()  # only once Kafka has the answer: at-least-once, never lost


if __name__ == "__main__":
    asyncio.run(main(plan(json.loads(CONTRACT.read_text()))))
