"""The published AsyncAPI documents are valid AsyncAPI 3.0.0, and each agency's document
says, from the agency's side, exactly what Sentra sends it and accepts back."""

from __future__ import annotations

import copy
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from jsonschema import Draft7Validator
from sentra_agencies.kit import reply_headers
from sentra_agencies.rules import (
    LOAN_REFUSED_SERIAL,
    POLICE_RECORD_SERIAL,
    SLIK_LOSS_SERIAL,
    UNKNOWN_NIK_SERIAL,
    answer,
)
from sentra_agencies.samples import sample_request
from sentra_local.specs import asyncapi_schema
from sentra_shared.contract import AGENCIES_DIR, ASYNCAPI_FILE
from sentra_shared.envelope import encode
from sentra_shared.events import (
    AGENCY_EXCHANGES,
    Agency,
    AgencyCheckRequested,
    CheckOutcome,
    Event,
)
from sentra_shared.events.agency_reasons import AGENCY_REASON_CODES, PARTICIPATION_REASON_CODES
from sentra_shared.events.programme_exchanges import ORGANISER_EXCHANGES
from sentra_shared.topics import declared_agencies

# Sandbox serials that make the built-in responders answer `failed`, so the negative
# answers are checked against the published schemas too.
FAILING_SERIALS = (UNKNOWN_NIK_SERIAL, POLICE_RECORD_SERIAL, SLIK_LOSS_SERIAL, LOAN_REFUSED_SERIAL)


def _document(agency: Agency) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((AGENCIES_DIR / f"{agency.value}.json").read_text())
    return document


def _documents() -> dict[str, dict[str, Any]]:
    documents = {"asyncapi.json": json.loads(ASYNCAPI_FILE.read_text())}
    documents |= {f"agencies/{a.value}.json": _document(a) for a in Agency}
    return documents


def _message(document: dict[str, Any], cls: type[Event]) -> dict[str, Any]:
    message: dict[str, Any] = document["components"]["messages"][cls.__name__]
    return message


def _payload_validator(document: dict[str, Any], cls: type[Event]) -> Draft7Validator:
    # The payload's references point into the document's own components.
    root = {"allOf": [_message(document, cls)["payload"]], "components": document["components"]}
    return Draft7Validator(root)


def _errors(validator: Draft7Validator, instance: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def test_every_published_document_is_valid_asyncapi_3() -> None:
    validator = Draft7Validator(asyncapi_schema())
    for name, document in _documents().items():
        assert document["asyncapi"] == "3.0.0"
        assert _errors(validator, document) == [], name


def test_the_asyncapi_schema_refuses_a_broken_document() -> None:
    # The validator bites: an operation in AsyncAPI 2's vocabulary is not AsyncAPI 3.
    document = copy.deepcopy(_document(Agency.POLRI))
    next(iter(document["operations"].values()))["action"] = "publish"
    assert _errors(Draft7Validator(asyncapi_schema()), document)


@pytest.mark.parametrize("agency", list(Agency), ids=lambda a: a.value)
def test_agency_document_is_written_from_the_agencys_side(agency: Agency) -> None:
    document = _document(agency)
    spec = declared_agencies()[agency.value]
    channels = document["channels"]
    assert channels["requests"]["address"] == spec.requests_topic
    assert channels["results"]["address"] == spec.results_topic
    operations = document["operations"]
    receives = {k: op for k, op in operations.items() if op["action"] == "receive"}
    sends = {k: op for k, op in operations.items() if op["action"] == "send"}
    exchanges = AGENCY_EXCHANGES[agency]
    assert len(receives) == len(exchanges)
    for request, reply in exchanges:
        operation = receives[f"receive{request.__name__}"]
        assert operation["channel"] == {"$ref": "#/channels/requests"}
        assert operation["messages"] == [
            {"$ref": f"#/channels/requests/messages/{request.__name__}"}
        ]
        assert operation["reply"] == {
            "channel": {"$ref": "#/channels/results"},
            "messages": [{"$ref": f"#/channels/results/messages/{reply.__name__}"}],
        }
        assert sends[f"send{reply.__name__}"]["channel"] == {"$ref": "#/channels/results"}
        for cls in (request, reply):
            headers = _message(document, cls)["headers"]
            assert headers["properties"]["ce_type"]["const"] == cls.ce_type()
            assert headers["properties"]["ce_source"]["const"] == cls.ce_source()
            assert {"traceparent", "ce_id", "ce_subject"} <= set(headers["required"])
            key = _message(document, cls)["bindings"]["kafka"]["key"]
            assert (key["type"], key["format"]) == ("string", "uuid")
    assert document["servers"]["local"]["host"] == "127.0.0.1:19092"
    assert document["servers"]["production"]["protocol"] == "kafka-secure"
    assert "scramSha512" in document["components"]["securitySchemes"]


@pytest.mark.parametrize("agency", list(Agency), ids=lambda a: a.value)
def test_agency_document_states_its_codes_reply_time_and_rules(agency: Agency) -> None:
    document = _document(agency)
    spec = declared_agencies()[agency.value]
    listed = dict(AGENCY_REASON_CODES[agency])
    if agency in ORGANISER_EXCHANGES:  # the participation report has its own list
        listed |= PARTICIPATION_REASON_CODES
    codes = {c: {"id": t.id, "en": t.en} for c, t in listed.items()}
    assert document["x-sentra-reason-codes"] == codes
    within = document["x-sentra-reply-within"]
    assert (within["days"], within["day_kind"]) == (spec.sla_days, spec.sla_day_kind)
    assert (within["supervisor"], within["escalate_after_days"]) == (
        spec.supervisor,
        spec.escalate_after_days,
    )
    for operation in document["operations"].values():
        if operation["action"] == "receive":
            assert f"{spec.sla_days} {spec.sla_day_kind} day" in operation["description"]
            assert operation["x-sentra-commit"]["commit"] == "after-acknowledge"
            group = re.compile(operation["bindings"]["kafka"]["groupId"]["pattern"])
            # The agency's own groups, as the example consumer uses; never another's.
            assert group.fullmatch(agency.value) and group.fullmatch(f"{agency.value}.prod")
            for other in Agency:
                assert other is agency or not group.fullmatch(other.value)
            assert not group.fullmatch(f"{agency.value}x") and not group.fullmatch("sentra")
        else:
            rule = operation["x-sentra-reply-id"]
            assert (rule["algorithm"], rule["name"]) == ("uuid5", agency.value)
            assert rule["namespace"] == "$message.payload#/event_id"


def _requests(request_type: type[AgencyCheckRequested]) -> list[tuple[Any, dict[str, str]]]:
    """A sample request of the type, and variants the sandbox answers `failed`."""
    request, headers, _ = sample_request(request_type)
    variants = [(request, headers)]
    if hasattr(request, "nik"):
        for serial in FAILING_SERIALS:
            update = {"nik": str(request.nik)[:-4] + serial, "event_id": uuid.uuid4()}
            variants.append((request.model_copy(update=update), headers))
    if hasattr(request, "passport_name"):
        update = {"passport_name": "SITI UNKNOWN", "event_id": uuid.uuid4()}
        variants.append((request.model_copy(update=update), headers))
    return variants


@pytest.mark.parametrize("agency", list(Agency), ids=lambda a: a.value)
def test_agency_document_accepts_what_sentra_sends_and_the_builtin_responders_answer(
    agency: Agency,
) -> None:
    document = _document(agency)
    outcomes: set[str] = set()
    for request_type, answer_type in AGENCY_EXCHANGES[agency]:
        request_payload = _payload_validator(document, request_type)
        answer_payload = _payload_validator(document, answer_type)
        request_headers = Draft7Validator(_message(document, request_type)["headers"])
        answer_headers = Draft7Validator(_message(document, answer_type)["headers"])
        for request, headers in _requests(request_type):
            reply = answer(request, datetime.now(UTC))
            assert type(reply) is answer_type
            outcomes.add(reply.outcome)
            for validator, value in ((request_payload, request), (answer_payload, reply)):
                assert _errors(validator, json.loads(encode(value))) == [], type(value)
            assert _errors(request_headers, headers) == []
            assert _errors(answer_headers, reply_headers(headers, reply)) == []
            # A message of another type is refused by the pinned ce_type.
            assert _errors(answer_headers, headers)
    assert CheckOutcome.PASSED in outcomes
