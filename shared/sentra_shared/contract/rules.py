"""The reply rules an agency follows, said once, for both published sides.

Where AsyncAPI has a place for a rule it goes there (the consumer group as the Kafka
operation binding's `groupId` schema); the rest travels as `x-sentra-*` extensions a
program can read, and in the operation's description for a person.
"""

from __future__ import annotations

from typing import Any

from sentra_shared.config import default_consumer_group
from sentra_shared.events import Agency
from sentra_shared.topics import AgencySpec, declared_topics

# Sentra's built-in stand-in answers for every agency not yet connected, in a group of its
# own, so it never shares partitions with an agency's consumer.
BUILTIN_RESPONDERS_GROUP = "sentra-builtin-agencies"


def agency_group_id(agency: Agency) -> dict[str, Any]:
    """The consumer group an agency reads its requests in: its id, or its id and a dot
    and a name of its own (one group per deployment; a secured cluster grants the agency
    exactly these groups)."""
    return {
        "type": "string",
        "pattern": rf"^{agency.value}(\.[A-Za-z0-9_.-]+)?$",
        "examples": [agency.value, f"{agency.value}.production"],
        "description": (
            f"`{agency.value}`, or `{agency.value}.` followed by a name of your own. "
            f"Sentra's built-in stand-in uses `{BUILTIN_RESPONDERS_GROUP}`, never yours."
        ),
    }


def service_group_id(service: str) -> dict[str, Any]:
    """The consumer group of a Sentra service (unless its settings name another)."""
    return {"type": "string", "const": default_consumer_group(service)}


def reply_id_rule(agency: Agency) -> dict[str, Any]:
    """The answer's `event_id` derived from the request's: a redelivered request gets the
    same answer id, which Sentra drops as a duplicate."""
    return {
        "algorithm": "uuid5",
        "namespace": "$message.payload#/event_id",
        "name": agency.value,
        "description": (
            f"event_id = uuid5(namespace=the request's event_id, name={agency.value!r}); "
            "the same request always gets the same answer id and the same content."
        ),
    }


COMMIT_RULE: dict[str, Any] = {
    "enable_auto_commit": False,
    "commit": "after-acknowledge",
    "description": (
        "Commit a request's offset only after Kafka acknowledged its answer (acks=all): a "
        "crash in between answers the request again, with the same answer id."
    ),
}


def reply_within(spec: AgencySpec) -> dict[str, Any]:
    return {
        "days": spec.sla_days,
        "day_kind": spec.sla_day_kind,
        "source": spec.sla_source,
        "escalate_after_days": spec.escalate_after_days,
        "supervisor": spec.supervisor,
        "sandbox_reply_s": spec.sandbox_reply_s,
    }


def _days(count: int, kind: str) -> str:
    return f"{count} {kind} day{'' if count == 1 else 's'}"


def reply_within_text(spec: AgencySpec) -> str:
    return (
        f"Answer within {_days(spec.sla_days, spec.sla_day_kind)} ({spec.sla_source}). "
        f"A request not answered by then is reported overdue; "
        f"{_days(spec.escalate_after_days, spec.sla_day_kind)} later it is escalated to "
        f"{spec.supervisor}. "
        f"In the sandbox an automated consumer answers within {spec.sandbox_reply_s:g} s."
    )


def outside_readers() -> dict[str, list[str]]:
    """Each topic's readers outside Sentra (`read_by` in topics.toml)."""
    return {spec.name: list(spec.read_by) for spec in declared_topics() if spec.read_by}
