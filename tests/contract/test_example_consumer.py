"""deploy/agencies/example_consumer.py takes everything it needs from the agency's AsyncAPI
document, never from Sentra's code, and what it answers fits the document."""

from __future__ import annotations

import ast
import copy
import importlib.util
import json
import re
import sys
from types import ModuleType
from typing import Any

import pytest
from sentra_agencies.rules import reply_id
from sentra_agencies.samples import sample_request
from sentra_agencies.sandbox import EXAMPLE_CONSUMER
from sentra_shared.contract import AGENCIES_DIR
from sentra_shared.envelope import decode, encode
from sentra_shared.events import AGENCY_EXCHANGES, Agency, CheckOutcome


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("example_consumer", EXAMPLE_CONSUMER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _document(agency: Agency) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((AGENCIES_DIR / f"{agency.value}.json").read_text())
    return document


def test_the_example_imports_nothing_of_sentra_and_names_no_topic_or_type() -> None:
    source = EXAMPLE_CONSUMER.read_text()
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    outside_stdlib = {name.split(".")[0] for name in imported} - set(sys.stdlib_module_names)
    assert outside_stdlib == {"aiokafka"}
    assert "sentra.agency." not in source and "id.sentra." not in source
    assert "CheckCompleted" not in source and "/agencies/{" not in source


@pytest.mark.parametrize("agency", list(Agency), ids=lambda a: a.value)
def test_the_example_plans_from_the_agency_document(agency: Agency) -> None:
    contract = _example().plan(_document(agency))
    exchanges = AGENCY_EXCHANGES[agency]
    assert contract["requests"] == exchanges[0][0].topic
    assert contract["results"] == exchanges[0][1].topic
    assert contract["group_id"] == agency.value
    assert contract["answers"] == {
        request.ce_type(): {
            "name": answer.__name__,
            "ce_type": answer.ce_type(),
            "ce_source": answer.ce_source(),
        }
        for request, answer in exchanges
    }
    # Its answers are what Sentra reads: the right type, the derived id, the trace kept.
    for request_type, answer_type in exchanges:
        request, headers, trace_id = sample_request(request_type)
        body, out = _example().reply_to(contract, json.loads(encode(request)), headers)
        reply = decode(out, json.dumps(body).encode())
        assert type(reply) is answer_type and reply.outcome == CheckOutcome.PASSED
        assert reply.event_id == reply_id(request.event_id, agency.value)
        assert out["traceparent"].split("-")[1] == trace_id


def test_the_example_follows_the_document_when_it_changes() -> None:
    # A new topic version in the document is a new topic and type for the example, with
    # no change to its code.
    document = copy.deepcopy(_document(Agency.POLRI))
    text = json.dumps(document)
    document = json.loads(re.sub(r"\.v1\b", ".v2", text))
    contract = _example().plan(document)
    assert contract["requests"].endswith(".requests.v2")
    assert contract["results"].endswith(".results.v2")
    assert all(a["ce_type"].endswith(".v2") for a in contract["answers"].values())
