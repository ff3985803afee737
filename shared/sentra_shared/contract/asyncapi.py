"""The AsyncAPI 3 document from Sentra's side, generated from the event catalogue.

One channel per declared topic that carries events (dead-letter topics carry copies of
failed messages, not new events), one message per event class, and Sentra's operations:
it sends on its service streams and on the agencies' request topics (each request with
its reply), and receives on the agencies' result topics. Each agency's own side is in
`agency_documents.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sentra_shared.config import default_consumer_group
from sentra_shared.contract.messages import (
    KAFKA_BINDING_VERSION,
    message_object,
    payload_schemas,
)
from sentra_shared.contract.rules import (
    COMMIT_RULE,
    agency_group_id,
    outside_readers,
    reply_id_rule,
    reply_within,
    reply_within_text,
    service_group_id,
)
from sentra_shared.envelope import CONTENT_TYPE
from sentra_shared.events import (
    ANSWER_TO,
    CATALOGUE,
    AgencyCheckCompleted,
    AgencyCheckRequested,
    Event,
)
from sentra_shared.topics import TopicSpec, declared_agencies, declared_topics

TITLE = "Sentra events"
VERSION = "1.1.0"
DESCRIPTION = """\
Events of Sentra, the event backbone of the integrated service centre for Indonesian \
migrant workers, and the checks it asks of the agencies. This document is written from \
Sentra's side; each agency's side is `shared/contracts/agencies/<agency>.json`.

Every message is a CloudEvent in Kafka binary mode: the value is the event as JSON \
(`content-type: application/json`), the CloudEvents attributes travel as `ce_*` headers \
(each message's headers schema pins its `ce_type` and `ce_source`) and the W3C trace \
context as `traceparent`, which every message carries. The Kafka key is the application \
id (also `ce_subject`), so one application's events stay in order. `ce_id` equals the \
value's `event_id`; readers deduplicate by it. A breaking change is a new topic version.

Each agency reads only its request topic and writes only its result topic; the rules it \
follows are on the request operations (`x-sentra-*`) and in deploy/agencies/README.md. \
A message Sentra cannot read goes to `<topic>.dlq` with the reason in its headers."""

LOCAL_BOOTSTRAP = "127.0.0.1:19092"
PRODUCTION_BOOTSTRAP = "kafka.sentra.internal:9093"
SECURITY_SCHEME = "scramSha512"


def servers() -> dict[str, Any]:
    # In AsyncAPI, `kafka` is plain TCP and `kafka-secure` TLS; with a SASL scheme required
    # they are Kafka's SASL_PLAINTEXT and SASL_SSL.
    security = [{"$ref": f"#/components/securitySchemes/{SECURITY_SCHEME}"}]
    return {
        "local": {
            "host": LOCAL_BOOTSTRAP,
            "protocol": "kafka",
            "description": (
                "`make up` and the conformance sandbox: SASL_PLAINTEXT with SCRAM-SHA-512 on "
                "loopback (no TLS: the traffic never leaves the machine). Each client signs in "
                "as its own principal (an agency: its agency id; `sentra-local credentials "
                "<principal>` prints the local login) and has the same rights as in "
                "production; the broker refuses the rest."
            ),
            "security": security,
        },
        "production": {
            "host": PRODUCTION_BOOTSTRAP,
            "protocol": "kafka-secure",
            "description": (
                "The production cluster: SASL_SSL with SCRAM-SHA-512. Each client signs in as "
                "its own principal (an agency: its agency id, with the password the operator "
                "hands over) and may do only what `shared/sentra_shared/access.toml` grants: "
                "an agency reads its request topic, writes its result topic and uses the "
                "consumer groups `<agency>` and `<agency>.<name>`; the broker refuses the rest."
            ),
            "security": security,
        },
    }


def security_schemes() -> dict[str, Any]:
    return {
        SECURITY_SCHEME: {
            "type": SECURITY_SCHEME,
            "description": (
                "SASL SCRAM-SHA-512; the username is the principal (an agency: its agency id). "
                "Over TLS on `production`, over plain TCP on the loopback `local` server. "
                "Credentials are issued per principal."
            ),
        }
    }


def events_by_topic() -> dict[str, list[type[Event]]]:
    """The events on each declared topic, in topics.toml order; topics without events left out."""
    by_topic: dict[str, list[type[Event]]] = {}
    for spec in declared_topics():
        events = [cls for cls in CATALOGUE if cls.topic == spec.name]
        if events:
            by_topic[spec.name] = events
    return by_topic


def correlation(cls: type[Event]) -> str | None:
    return "$message.payload#/request_id" if issubclass(cls, AgencyCheckCompleted) else None


def channel(spec: TopicSpec, events: Sequence[type[Event]]) -> dict[str, Any]:
    document_channel: dict[str, Any] = {
        "address": spec.name,
        "title": spec.name,
        "description": spec.description,
        "messages": {
            cls.__name__: {"$ref": f"#/components/messages/{cls.__name__}"} for cls in events
        },
        "bindings": {
            "kafka": {
                "topic": spec.name,
                "partitions": spec.partitions,
                "topicConfiguration": {
                    "cleanup.policy": [spec.cleanup_policy],
                    "retention.ms": spec.retention_ms,
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }
    readers = outside_readers().get(spec.name)
    if readers:
        document_channel["x-sentra-read-by"] = readers
    return document_channel


def channel_messages(key: str, events: Sequence[type[Event]]) -> list[dict[str, str]]:
    return [{"$ref": f"#/channels/{key}/messages/{cls.__name__}"} for cls in events]


def _operations(by_topic: dict[str, list[type[Event]]]) -> dict[str, Any]:
    agencies = declared_agencies()
    operations: dict[str, Any] = {}
    for topic, events in by_topic.items():
        if all(issubclass(cls, AgencyCheckCompleted) for cls in events):
            readers = sorted({req.owner for req, ans in ANSWER_TO.items() if ans in events})
            operations[f"receive.{topic}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{topic}"},
                "summary": f"{', '.join(readers)} read the agency's answers",
                "messages": channel_messages(topic, events),
                "bindings": {
                    "kafka": {
                        "groupId": service_group_id(readers[0])
                        if len(readers) == 1
                        else {
                            "type": "string",
                            "enum": [default_consumer_group(r) for r in readers],
                        },
                        "bindingVersion": KAFKA_BINDING_VERSION,
                    }
                },
            }
            continue
        owners = sorted({cls.owner for cls in events})
        operation: dict[str, Any] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{topic}"},
            "summary": f"{', '.join(owners)} publish{'es' if len(owners) == 1 else ''}",
            "messages": channel_messages(topic, events),
        }
        requests = [cls for cls in events if issubclass(cls, AgencyCheckRequested)]
        if requests:
            answers = [ANSWER_TO[cls] for cls in requests]
            spec = agencies[requests[0].agency.value]
            operation["reply"] = {
                "channel": {"$ref": f"#/channels/{spec.results_topic}"},
                "messages": channel_messages(spec.results_topic, answers),
            }
            operation["description"] = (
                f"{reply_within_text(spec)} {reply_id_rule(requests[0].agency)['description']} "
                f"{COMMIT_RULE['description']}"
            )
            operation["x-sentra-reply-within"] = reply_within(spec)
            operation["x-sentra-reply-id"] = reply_id_rule(requests[0].agency)
            operation["x-sentra-agency-group-id"] = agency_group_id(requests[0].agency)
            operation["x-sentra-commit"] = COMMIT_RULE
        operations[f"send.{topic}"] = operation
    return operations


def asyncapi_document() -> dict[str, Any]:
    specs = {spec.name: spec for spec in declared_topics()}
    by_topic = events_by_topic()
    events = [cls for topic_events in by_topic.values() for cls in topic_events]
    return {
        "asyncapi": "3.0.0",
        "info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION},
        "defaultContentType": CONTENT_TYPE,
        "servers": servers(),
        "channels": {topic: channel(specs[topic], ev) for topic, ev in by_topic.items()},
        "operations": _operations(by_topic),
        "components": {
            "messages": {
                cls.__name__: message_object(cls, correlation(cls))
                for cls in sorted(events, key=lambda c: c.__name__)
            },
            "schemas": payload_schemas(sorted(events, key=lambda c: c.__name__)),
            "securitySchemes": security_schemes(),
        },
    }
