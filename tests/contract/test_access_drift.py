"""The access file and the code must say the same thing.

A topic with no owner in access.toml would be denied to whoever publishes it; a service
granted more than its code uses is a right nobody asked for. Each service's handlers are
built the way its `create_app` builds them (nothing connects: no broker, no database).
"""

from __future__ import annotations

import dataclasses

import pytest
from sentra_credit.app import create_app as create_credit
from sentra_credit.config import CreditSettings
from sentra_documents.app import create_app as create_documents
from sentra_documents.config import DocumentsSettings
from sentra_empowerment.app import create_app as create_empowerment
from sentra_empowerment.config import EmpowermentSettings
from sentra_insurance.app import create_app as create_insurance
from sentra_insurance.config import InsuranceSettings
from sentra_notifications.app import create_app as create_notifications
from sentra_notifications.config import NotificationsSettings
from sentra_shared.access import (
    AccessFileError,
    Grant,
    Operation,
    PatternType,
    Principal,
    ResourceType,
    grants,
    load_principals,
    may,
    may_join,
    unowned_topics,
)
from sentra_shared.config import default_consumer_group
from sentra_shared.contract.rules import outside_readers
from sentra_shared.events import CATALOGUE, Agency
from sentra_shared.topics import DLQ_SUFFIX, TopicSpec, declared_agencies, declared_topics

_UNUSED = {"database_url": "postgresql://unused.invalid/unused", "http_port": 0}
PRINCIPALS = load_principals()
GRANTED = grants(PRINCIPALS)
TOPICS = declared_topics()


def _handled_topics() -> dict[str, set[str]]:
    apps = {
        "documents": create_documents(DocumentsSettings(**_UNUSED)),
        "credit": create_credit(CreditSettings(**_UNUSED)),
        "insurance": create_insurance(InsuranceSettings(**_UNUSED)),
        "notifications": create_notifications(NotificationsSettings(**_UNUSED)),
        "empowerment": create_empowerment(EmpowermentSettings(**_UNUSED)),
    }
    return {name: set(app.state.runtime.handlers.topics) for name, app in apps.items()}


def _literal_topics(principal: str, operation: Operation) -> set[str]:
    return {
        g.name
        for g in GRANTED
        if g.principal == principal
        and g.resource is ResourceType.TOPIC
        and g.operation is operation
        and not g.name.endswith(DLQ_SUFFIX)
    }


def test_every_declared_topic_has_an_owner() -> None:
    assert unowned_topics(PRINCIPALS, GRANTED, TOPICS) == []


def test_a_topic_added_to_topics_toml_without_an_owner_is_caught() -> None:
    extra = TopicSpec("sentra.stray.events.v1", 6, 1, "delete", "added without an owner")
    assert unowned_topics(PRINCIPALS, GRANTED, [*TOPICS, extra]) == ["sentra.stray.events.v1"]


def test_a_topic_named_in_the_access_file_must_be_declared() -> None:
    polri = dataclasses.replace(PRINCIPALS["polri"], reads=("sentra.agency.polri.requests.v9",))
    with pytest.raises(AccessFileError, match="not declared"):
        grants({"polri": polri})


def test_a_prefix_without_a_delimiter_is_refused() -> None:
    # "sentra.agency.polri*" would also match a later "sentra.agency.polri2.requests.v1".
    polri = dataclasses.replace(PRINCIPALS["polri"], reads=("sentra.agency.polri*",))
    with pytest.raises(AccessFileError, match="delimiter"):
        grants({"polri": polri})


def test_each_service_reads_what_its_handlers_consume_and_writes_what_it_publishes() -> None:
    published: dict[str, set[str]] = {}
    for cls in CATALOGUE:
        published.setdefault(cls.owner, set()).add(cls.topic)
    for service, topics in _handled_topics().items():
        assert _literal_topics(service, Operation.READ) == topics, service
        assert _literal_topics(service, Operation.WRITE) == published[service], service
        # Its consumer parks what it cannot apply next to each topic it reads.
        assert all(may(service, Operation.WRITE, t + DLQ_SUFFIX, GRANTED) for t in topics)
        assert may_join(service, default_consumer_group(service), GRANTED)
        assert PRINCIPALS[service].kind == "service"


def test_each_agency_reads_its_requests_and_writes_its_answers_and_nothing_else() -> None:
    outside = outside_readers()
    for agency, spec in declared_agencies().items():
        assert PRINCIPALS[agency].kind == "agency"
        # Besides its own requests, only topics that name it as a reader (polri: TPPO).
        named = {topic for topic, readers in outside.items() if agency in readers}
        assert _literal_topics(agency, Operation.READ) == {spec.requests_topic, *named}
        assert _literal_topics(agency, Operation.WRITE) == {spec.results_topic}
        assert {g.pattern for g in GRANTED if g.principal == agency} == {
            PatternType.LITERAL,
            PatternType.PREFIXED,
        }
        # Its groups are its id and `<id>.<name>`, as its AsyncAPI document says.
        assert may_join(agency, agency, GRANTED)
        assert may_join(agency, f"{agency}.production", GRANTED)
        assert not may_join(agency, f"{agency}2", GRANTED)


def test_every_outside_reader_has_a_principal_that_may_read() -> None:
    readers = [p for p in PRINCIPALS.values() if p.kind in ("agency", "reader")]
    for topic in outside_readers():
        assert any(may(p.name, Operation.READ, topic, GRANTED) for p in readers), topic


def test_no_agency_may_touch_another_agencys_topics_or_any_service_stream() -> None:
    agencies = [a.value for a in Agency]
    streams = [s.name for s in TOPICS if s.agency is None and not s.name.endswith(DLQ_SUFFIX)]
    for agency in agencies:
        for other in agencies:
            if other == agency:
                continue
            for spec in TOPICS:
                if spec.agency == other:
                    assert not may(agency, Operation.READ, spec.name, GRANTED)
                    assert not may(agency, Operation.WRITE, spec.name, GRANTED)
            assert not may_join(agency, other, GRANTED)
        for stream in streams:
            assert not may(agency, Operation.WRITE, stream, GRANTED), (agency, stream)


def test_grants_are_exactly_reads_writes_and_group_reads() -> None:
    assert all(isinstance(g, Grant) for g in GRANTED)
    assert {g.operation for g in GRANTED} == {Operation.READ, Operation.WRITE}
    assert all(g.operation is Operation.READ for g in GRANTED if g.resource is ResourceType.GROUP)
    assert all(isinstance(p, Principal) for p in PRINCIPALS.values())
