"""An agency's consumer for Sentra, aiokafka only: answers every check with `passed`.
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
TOPIC, EVENT = f"sentra.agency.{AGENCY}.", "".join(map(str.capitalize, AGENCY.split("_")))
CE_TYPE = f"id.sentra.agency.{AGENCY}.{EVENT}CheckCompleted.v1"  # e.g. PolriCheckCompleted


def reply_to(request: dict, headers: dict) -> tuple[dict, dict]:
    reply_id = str(uuid.uuid5(uuid.UUID(request["event_id"]), AGENCY))  # same request, same id
    now, app = datetime.now(UTC).isoformat(), request["application_id"]
    reply = {"event_id": reply_id, "application_id": app, "occurred_at": now, "outcome": "passed"}
    reply["request_id"] = request["event_id"]
    out = {"ce_specversion": "1.0", "ce_id": reply_id, "ce_source": f"/agencies/{AGENCY}"}
    out |= {"ce_type": CE_TYPE, "ce_time": now, "ce_subject": app, "content-type": JSON}
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
            TOPIC + "results.v1", json.dumps(reply).encode(), key=msg.key, headers=headers
        )
        await consumer.commit()  # only once Kafka has the reply: at-least-once, never lost


asyncio.run(main())
