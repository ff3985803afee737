"""The published contract (AsyncAPI, JSON Schemas, topics) is what the code says."""

from __future__ import annotations

import json
import re

from sentra_shared.contract import AGENCIES_DIR, ASYNCAPI_FILE, SCHEMAS_DIR
from sentra_shared.contract.__main__ import drifted
from sentra_shared.events import AGENCY_EVENTS, AGENCY_EXCHANGES, CATALOGUE, Agency
from sentra_shared.topics import DLQ_SUFFIX, declared_agencies, declared_topics


def test_generated_files_match_the_code() -> None:
    assert drifted() == [], "run `make contracts` and commit shared/contracts/"


def test_every_event_has_a_schema_naming_its_topic_and_type() -> None:
    for cls in CATALOGUE:
        schema = json.loads((SCHEMAS_DIR / f"{cls.__name__}.json").read_text())
        assert schema["x-sentra"]["topic"] == cls.topic
        assert schema["x-sentra"]["ce_type"] == cls.ce_type()
        assert "event_id" in schema["required"]  # readers deduplicate by it


def test_asyncapi_has_one_channel_per_event_topic_with_cloudevents_headers() -> None:
    document = json.loads(ASYNCAPI_FILE.read_text())
    assert document["asyncapi"] == "3.0.0"
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {cls.topic for cls in CATALOGUE}
    messages = document["components"]["messages"]
    assert set(messages) == {cls.__name__ for cls in CATALOGUE}
    for cls in CATALOGUE:
        message = messages[cls.__name__]
        assert message["name"] == cls.__name__
        assert message["title"] and message["summary"]
        assert message["contentType"] == "application/json"
        headers = message["headers"]
        assert headers["properties"]["ce_type"]["const"] == cls.ce_type()
        assert headers["properties"]["ce_source"]["const"] == cls.ce_source()
        assert {"ce_type", "ce_source", "traceparent"} <= set(headers["required"])
        assert message["bindings"]["kafka"]["key"]["format"] == "uuid"
        assert message["bindings"]["kafka"]["bindingVersion"] == "0.5.0"
        channel = document["channels"][cls.topic]
        assert channel["messages"][cls.__name__]["$ref"] == f"#/components/messages/{cls.__name__}"
    actions = {
        op["channel"]["$ref"].split("/")[-1]: op["action"] for op in document["operations"].values()
    }
    for agency in Agency:
        requested, completed = AGENCY_EVENTS[agency]
        assert actions[requested.topic] == "send"
        assert actions[completed.topic] == "receive"
        # Sentra's side: the request names its reply; the service that asked reads it in
        # its own consumer group, and the rules the agency follows are machine-readable.
        send = document["operations"][f"send.{requested.topic}"]
        assert send["reply"]["channel"] == {"$ref": f"#/channels/{completed.topic}"}
        assert send["x-sentra-reply-id"]["name"] == agency.value
        assert send["x-sentra-commit"]["commit"] == "after-acknowledge"
        assert re.fullmatch(send["x-sentra-agency-group-id"]["pattern"], agency.value)
        receive = document["operations"][f"receive.{completed.topic}"]
        group = receive["bindings"]["kafka"]["groupId"]
        # Each service that asks on the topic reads the answers in its own group: one
        # group, or (Disnaker, the bank: documents or credit, and empowerment) one of them.
        askers = sorted({request.owner for request, _ in AGENCY_EXCHANGES[agency]})
        groups = [f"sentra-{owner}" for owner in askers]
        if len(groups) == 1:
            assert group == {"type": "string", "const": groups[0]}
        else:
            assert group == {"type": "string", "enum": groups}
    assert {a for a in Agency if len({r.owner for r, _ in AGENCY_EXCHANGES[a]}) > 1} == {
        Agency.DISNAKER,
        Agency.BANK,
    }


def test_every_agency_has_its_own_document_and_no_other_is_left() -> None:
    assert {p.stem for p in AGENCIES_DIR.glob("*.json")} == {a.value for a in Agency}


def test_every_topic_is_declared_with_its_dead_letter_topic() -> None:
    declared = {spec.name for spec in declared_topics()}
    for cls in CATALOGUE:
        assert {cls.topic, cls.topic + DLQ_SUFFIX} <= declared, cls.__name__


def test_each_agency_has_its_own_delimited_topic_pair_and_an_agreed_reply_time() -> None:
    agencies = declared_agencies()
    assert set(agencies) == {a.value for a in Agency}
    for agency, spec in agencies.items():
        requested, completed = AGENCY_EVENTS[Agency(agency)]
        assert (spec.requests_topic, spec.results_topic) == (requested.topic, completed.topic)
        assert spec.requests_topic.startswith(f"sentra.agency.{agency}.")
        assert spec.sla_days > 0 and spec.sandbox_reply_s > 0 and spec.sla_source
    # No agency's ACL prefix `sentra.agency.<name>.` matches another agency's topics.
    for agency in agencies:
        prefix = f"sentra.agency.{agency}."
        owners = {a for a, s in agencies.items() if s.requests_topic.startswith(prefix)}
        assert owners == {agency}
