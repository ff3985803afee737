"""A topic the contract lists but no one reads is a defect in the contract.

Each service's handlers are built the way its `create_app` builds them (nothing connects
until the app starts, so no database or broker is needed); a topic no service reads must
name its readers outside Sentra (`read_by` in topics.toml).
"""

from __future__ import annotations

import json

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
from sentra_shared.consumer import EventHandlers
from sentra_shared.contract import AGENCIES_DIR, ASYNCAPI_FILE
from sentra_shared.contract.rules import outside_readers
from sentra_shared.events import ANSWER_TO, CATALOGUE, AgencyCheckRequested
from sentra_shared.topics import declared_agencies

# Never connected to: the apps are built, not started.
_UNUSED = {"database_url": "postgresql://unused.invalid/unused", "http_port": 0}


def _service_handlers() -> dict[str, EventHandlers]:
    apps = {
        "documents": create_documents(DocumentsSettings(**_UNUSED)),
        "credit": create_credit(CreditSettings(**_UNUSED)),
        "insurance": create_insurance(InsuranceSettings(**_UNUSED)),
        "notifications": create_notifications(NotificationsSettings(**_UNUSED)),
        "empowerment": create_empowerment(EmpowermentSettings(**_UNUSED)),
    }
    handlers = {name: app.state.runtime.handlers for name, app in apps.items()}
    assert all(isinstance(h, EventHandlers) for h in handlers.values())
    return handlers


def test_every_topic_carrying_events_has_a_reader() -> None:
    read_by_services = {
        topic for handlers in _service_handlers().values() for topic in handlers.topics
    }
    # An agency reads its request topic (its own AsyncAPI document receives on it).
    read_by_agencies = {
        json.loads((AGENCIES_DIR / f"{agency}.json").read_text())["channels"]["requests"]["address"]
        for agency in declared_agencies()
    }
    outside = outside_readers()
    assert all(readers and all(r.strip() for r in readers) for readers in outside.values())
    unread = {cls.topic for cls in CATALOGUE} - read_by_services - read_by_agencies - set(outside)
    assert unread == set(), "read these in a service's handlers, or name their readers"


def test_outside_readers_name_real_topics_and_show_in_sentras_document() -> None:
    # `read_by` names real topics that carry events, and shows in Sentra's document.
    document = json.loads(ASYNCAPI_FILE.read_text())
    topics = {cls.topic for cls in CATALOGUE}
    for topic, readers in outside_readers().items():
        assert topic in topics
        assert document["channels"][topic]["x-sentra-read-by"] == readers


def test_each_result_topic_is_read_by_the_service_that_asked() -> None:
    handlers = _service_handlers()
    for request, answer in ANSWER_TO.items():
        assert issubclass(request, AgencyCheckRequested)
        assert answer.topic in handlers[request.owner].topics, (request.owner, answer.__name__)
        # ... and that service's handlers apply that answer type, not just the topic.
        assert handlers[request.owner].handles(
            answer.model_construct()  # only its type is looked at
        ), answer.__name__
