"""One AsyncAPI 3 document per agency, written from the agency's side.

The agency `receive`s every request type on its request topic, each operation replying
with the request's answer type on its result topic, and `send`s those answers. Everything
an agency developer needs is in the one file: the topics, the messages with their
payload schemas inlined, the pinned CloudEvents headers, the key, the consumer group
rule, the answer-id and commit rules, the reason codes it may give and its reply time.
"""

from __future__ import annotations

from typing import Any

from sentra_shared.contract.asyncapi import (
    VERSION,
    channel,
    channel_messages,
    correlation,
    security_schemes,
    servers,
)
from sentra_shared.contract.messages import (
    KAFKA_BINDING_VERSION,
    docstring,
    message_object,
    payload_schemas,
)
from sentra_shared.contract.rules import (
    COMMIT_RULE,
    agency_group_id,
    reply_id_rule,
    reply_within,
    reply_within_text,
)
from sentra_shared.envelope import CONTENT_TYPE
from sentra_shared.events import AGENCY_EXCHANGES, Agency
from sentra_shared.topics import AgencySpec, declared_agencies, declared_topics

REQUESTS, RESULTS = "requests", "results"


def _description(agency: Agency, spec: AgencySpec) -> str:
    requests = ", ".join(f"`{req.__name__}`" for req, _ in AGENCY_EXCHANGES[agency])
    return f"""\
What {spec.name} exchanges with Sentra, from the agency's side: read {requests} on \
`{spec.requests_topic}` and answer each with its answer type on `{spec.results_topic}`.

Every message is a CloudEvent in Kafka binary mode: the value is JSON, the CloudEvents \
attributes are `ce_*` headers (each message pins its `ce_type` and `ce_source`), \
`traceparent` is required (an answer keeps the request's trace id with a span id of its \
own) and the Kafka key is the application id (an answer keeps its request's key).

Rules (also as `x-sentra-*` on the operations): consume in the consumer group the \
receive operations' Kafka binding names; derive an answer's `event_id` from its \
request's (`x-sentra-reply-id`), so a redelivered request gets the same answer; commit a \
request's offset only after Kafka acknowledged its answer (`x-sentra-commit`). A \
`failed` answer gives its reasons with codes from `x-sentra-reason-codes`. \
{reply_within_text(spec)}"""


def agency_reason_codes(agency: Agency) -> dict[str, Any]:
    """Every code the agency's answers may give: its own list, then those of exchanges
    with a list of their own (an organiser's participation report)."""
    codes: dict[str, Any] = {}
    for _, answer in AGENCY_EXCHANGES[agency]:
        for code, text in answer.listed_reasons().items():
            codes.setdefault(code, {"id": text.id, "en": text.en})
    return codes


def agency_document(agency: Agency) -> dict[str, Any]:
    spec = declared_agencies()[agency.value]
    topics = {topic.name: topic for topic in declared_topics()}
    exchanges = AGENCY_EXCHANGES[agency]
    requests = [request for request, _ in exchanges]
    # A type may answer more than one request; each is described once.
    answers = list(dict.fromkeys(answer for _, answer in exchanges))
    operations: dict[str, Any] = {}
    for request, answer in exchanges:
        operations[f"receive{request.__name__}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{REQUESTS}"},
            "summary": f"Receive {request.__name__}, answer with {answer.__name__}.",
            "description": (
                f"{docstring(request)} {reply_within_text(spec)} {COMMIT_RULE['description']}"
            ),
            "messages": channel_messages(REQUESTS, [request]),
            "reply": {
                "channel": {"$ref": f"#/channels/{RESULTS}"},
                "messages": channel_messages(RESULTS, [answer]),
            },
            "bindings": {
                "kafka": {
                    "groupId": agency_group_id(agency),
                    "bindingVersion": KAFKA_BINDING_VERSION,
                }
            },
            "x-sentra-reply-within": reply_within(spec),
            "x-sentra-commit": COMMIT_RULE,
        }
    for answer in answers:
        operations[f"send{answer.__name__}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{RESULTS}"},
            "summary": f"Send {answer.__name__}, one per request, with the request's key.",
            "description": reply_id_rule(agency)["description"],
            "messages": channel_messages(RESULTS, [answer]),
            "x-sentra-reply-id": reply_id_rule(agency),
        }
    events = [*requests, *answers]
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": f"{spec.name}: Sentra agency contract",
            "version": VERSION,
            "description": _description(agency, spec),
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": servers(),
        "channels": {
            REQUESTS: channel(topics[spec.requests_topic], requests),
            RESULTS: channel(topics[spec.results_topic], answers),
        },
        "operations": operations,
        "components": {
            "messages": {cls.__name__: message_object(cls, correlation(cls)) for cls in events},
            "schemas": payload_schemas(events),
            "securitySchemes": security_schemes(),
        },
        "x-sentra-agency": agency.value,
        "x-sentra-reason-codes": agency_reason_codes(agency),
        "x-sentra-reply-within": reply_within(spec),
    }


def agency_documents() -> dict[str, dict[str, Any]]:
    return {agency.value: agency_document(agency) for agency in Agency}
