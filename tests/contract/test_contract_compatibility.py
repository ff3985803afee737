"""Breaking an event without bumping its topic version fails the compatibility check."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any, ClassVar

from sentra_shared.contract import RELEASED_DIR
from sentra_shared.contract.compat import breaking_changes
from sentra_shared.contract.schemas import current_schemas, event_schema, read_schemas
from sentra_shared.events import PolriCheckCompleted, PolriCheckRequested


def released() -> dict[str, dict[str, Any]]:
    return read_schemas(RELEASED_DIR)


def test_the_catalogue_is_compatible_with_the_released_contract() -> None:
    assert breaking_changes(released(), current_schemas()) == []


def test_removing_a_field_breaks() -> None:
    current = copy.deepcopy(current_schemas())
    del current["PolriCheckRequested"]["properties"]["date_of_birth"]
    current["PolriCheckRequested"]["required"].remove("date_of_birth")
    problems = breaking_changes(released(), current)
    assert any("date_of_birth removed" in p for p in problems), problems


def test_changing_a_type_breaks() -> None:
    current = copy.deepcopy(current_schemas())
    current["DocumentsVerified"]["$defs"]["CreditRequest"]["properties"]["amount_idr"] = {
        "type": "string"
    }
    problems = breaking_changes(released(), current)
    assert any("credit_request" in p and "amount_idr" in p for p in problems), problems


def test_a_model_with_a_new_required_field_breaks() -> None:
    class PolriCheckRequestedWithMother(PolriCheckRequested):
        mother_name: str

    current = {
        **current_schemas(),
        "PolriCheckRequested": event_schema(PolriCheckRequestedWithMother),
    }
    problems = breaking_changes(released(), current)
    assert problems == [
        "PolriCheckRequested (sentra.agency.polri.requests.v1): required field mother_name added"
    ]


def test_removing_an_event_breaks() -> None:
    current = current_schemas()
    del current["PolriCheckCompleted"]
    assert breaking_changes(released(), current) == [
        "PolriCheckCompleted: event removed (publish a new topic version instead)"
    ]


def test_an_optional_field_or_a_new_description_is_compatible() -> None:
    class PolriCheckCompletedWithNote(PolriCheckCompleted):
        """Reworded."""

        note: str | None = None
        record_checked_on: date | None = None

    current = {
        **current_schemas(),
        "PolriCheckCompleted": event_schema(PolriCheckCompletedWithNote),
    }
    assert breaking_changes(released(), current) == []


def test_a_breaking_change_on_a_new_topic_version_is_allowed() -> None:
    class PolriCheckRequestedV2(PolriCheckRequested):
        topic: ClassVar[str] = "sentra.agency.polri.requests.v2"
        mother_name: str

    current = {**current_schemas(), "PolriCheckRequested": event_schema(PolriCheckRequestedV2)}
    assert breaking_changes(released(), current) == []


def test_marking_a_field_deprecated_is_compatible_but_removing_it_is_not() -> None:
    current = copy.deepcopy(current_schemas())
    fields = current["PolriCheckRequested"]["properties"]
    fields["date_of_birth"] = {**fields["date_of_birth"], "deprecated": True}
    assert breaking_changes(released(), current) == []
    del fields["date_of_birth"]
    assert breaking_changes(released(), current) != []
